using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using IngressCerts.Engine.Inventory;

namespace IngressCerts.Commands.Infrastructure;

/// <summary>Completes -ApiGroup with the groups of the kind given in -Kind (every group the module reads, without one).</summary>
public sealed class ApiGroupCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(
        string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        string? kind = fakeBoundParameters["Kind"] as string;
        var pattern = new WildcardPattern((wordToComplete ?? string.Empty).Trim('\'', '"') + "*", WildcardOptions.IgnoreCase);
        return ObjectLookup.Apis
            .Where(a => kind is null || string.Equals(a.Kind, kind, StringComparison.OrdinalIgnoreCase))
            .Select(a => a.Group)
            .Distinct(StringComparer.Ordinal)
            .Where(pattern.IsMatch)
            .Select(g => new CompletionResult(g, g, CompletionResultType.ParameterValue, g));
    }
}
