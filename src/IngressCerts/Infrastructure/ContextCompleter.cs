using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using IngressCerts.Engine.Kubernetes;

namespace IngressCerts.Commands.Infrastructure;

/// <summary>Completes -Context with the context names of the kubeconfig in effect.</summary>
public sealed class ContextCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(
        string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        IReadOnlyList<string> contexts;
        try
        {
            var paths = fakeBoundParameters["KubeConfigPath"] switch
            {
                string one => new[] { one },
                object[] many => many.Select(o => o?.ToString() ?? string.Empty).ToArray(),
                _ => null,
            };
            contexts = ConnectionFactory.Shared.ListContexts(paths);
        }
        catch (KubeConfigurationException)
        {
            yield break;
        }

        var pattern = new WildcardPattern((wordToComplete ?? string.Empty).Trim('\'', '"') + "*", WildcardOptions.IgnoreCase);
        foreach (string context in contexts.Where(pattern.IsMatch).OrderBy(c => c, StringComparer.OrdinalIgnoreCase))
        {
            string text = context.IndexOfAny(new[] { ' ', '$', '\'', '"', '`', '(', ')', '{', '}', ';', ',' }) >= 0
                ? "'" + context.Replace("'", "''") + "'"
                : context;
            yield return new CompletionResult(text, context, CompletionResultType.ParameterValue, context);
        }
    }
}
