using System.Collections;
using System.Collections.Concurrent;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Security;
using IngressCerts.Engine.Inventory;
using IngressCerts.Engine.Kubernetes;

namespace IngressCerts.Commands.Infrastructure;

/// <summary>
/// Completes a name parameter from the cluster the command line already names (-Context, -KubeConfigPath, -Server,
/// -CertificateAuthority, -Token, and -Namespace for names inside one). A prompt must not hang on a slow or
/// unreachable cluster: the lookup gets about two seconds, and any failure offers nothing.
/// </summary>
public abstract class ClusterNameCompleter : IArgumentCompleter
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);

    // A cache, and the only shared state: each Tab press would otherwise ask the cluster again.
    private static readonly ConcurrentDictionary<string, (DateTime At, IReadOnlyList<string> Names)> Cache = new(StringComparer.Ordinal);

    private readonly NameKind _kind;

    protected ClusterNameCompleter(NameKind kind) => _kind = kind;

    public IEnumerable<CompletionResult> CompleteArgument(
        string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var pattern = new WildcardPattern((wordToComplete ?? string.Empty).Trim('\'', '"') + "*", WildcardOptions.IgnoreCase);
        return Names(fakeBoundParameters)
            .Where(pattern.IsMatch)
            .Select(name => new CompletionResult(name, name, CompletionResultType.ParameterValue, name))
            .ToList();
    }

    private IReadOnlyList<string> Names(IDictionary bound)
    {
        if (bound.Contains("Path") || bound.Contains("LiteralPath"))
        {
            // Manifest files, not a cluster, are what the command reads.
            return Array.Empty<string>();
        }

        try
        {
            string[]? paths = Strings(bound["KubeConfigPath"])?.Select(p => System.IO.Path.GetFullPath(p)).ToArray();
            string? context = Single(bound["Context"]);
            string? server = Single(bound["Server"]);
            string? authority = Single(bound["CertificateAuthority"]);
            string? ns = _kind == NameKind.Namespace ? null : Single(bound["SecretNamespace"]) ?? Single(bound["Namespace"]);
            string key = string.Join('\n', _kind, string.Join(System.IO.Path.PathSeparator, paths ?? Array.Empty<string>()), context, server, authority, ns);
            if (Cache.TryGetValue(key, out var hit) && DateTime.UtcNow - hit.At < Lifetime)
            {
                return hit.Names;
            }

            string? token = bound["Token"] is SecureString secure ? SecureStrings.Use(secure, chars => new string(chars)) : null;
            using var timeout = new CancellationTokenSource(Budget);
            var lookup = Task.Run(async () =>
            {
                // Connecting may run an exec credential plugin: it counts against the same budget.
                var connection = ConnectionFactory.Shared.Connect(new ConnectionOptions(paths, context, server, authority, token));
                return await ClusterNames.ListAsync(new ClusterReader(connection), _kind, ns, timeout.Token).ConfigureAwait(false);
            }, timeout.Token);
            if (!lookup.Wait(Budget))
            {
                return Array.Empty<string>();
            }

            Cache[key] = (DateTime.UtcNow, lookup.Result);
            return lookup.Result;
        }
        catch (Exception)
        {
            // Completion offers nothing rather than an error at the prompt, whatever went wrong.
            return Array.Empty<string>();
        }
    }

    private static string[]? Strings(object? value) => value switch
    {
        string one => new[] { one },
        object[] many => many.Select(o => o?.ToString() ?? string.Empty).ToArray(),
        _ => null,
    };

    /// <summary>The one plain value a parameter holds; none for a wildcard, which names no single context or namespace.</summary>
    private static string? Single(object? value) =>
        Strings(value) is [var one] && !string.IsNullOrEmpty(one) && !WildcardPattern.ContainsWildcardCharacters(one) ? one : null;
}

/// <summary>Completes -Namespace with the cluster's namespaces.</summary>
public sealed class NamespaceCompleter : ClusterNameCompleter
{
    public NamespaceCompleter() : base(NameKind.Namespace) { }
}

/// <summary>Completes -IngressName with the Ingresses of the bound namespace.</summary>
public sealed class IngressNameCompleter : ClusterNameCompleter
{
    public IngressNameCompleter() : base(NameKind.Ingress) { }
}

/// <summary>Completes -Name with the Ingresses and Gateways of the bound namespace.</summary>
public sealed class IngressOrGatewayNameCompleter : ClusterNameCompleter
{
    public IngressOrGatewayNameCompleter() : base(NameKind.IngressOrGateway) { }
}

/// <summary>Completes -SecretName with the TLS Secrets of the bound namespace.</summary>
public sealed class SecretNameCompleter : ClusterNameCompleter
{
    public SecretNameCompleter() : base(NameKind.TlsSecret) { }
}
