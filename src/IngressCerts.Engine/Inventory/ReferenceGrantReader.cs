using System.Text.Json;
using IngressCerts.Engine.Kubernetes;

namespace IngressCerts.Engine.Inventory;

/// <summary>
/// Reads the ReferenceGrants that decide whether Gateways may use Secrets in other namespaces into one
/// <see cref="Grants"/> index, each scope at most once. Where the caller may not list them (or the cluster does not
/// serve them) nothing is added and the <see cref="ClusterReader"/>'s diagnostics say so: the cross-namespace references there then count as not
/// permitted, which is what the Gateway itself would conclude without a grant.
/// </summary>
public sealed class ReferenceGrantReader
{
    private readonly ClusterReader _reader;
    private readonly Action? _pageRead;
    private readonly HashSet<string> _namespacesRead = new(StringComparer.Ordinal);
    private bool _allRead;

    /// <param name="pageRead">Called once per page listed, for progress.</param>
    public ReferenceGrantReader(ClusterReader reader, Action? pageRead = null)
    {
        _reader = reader;
        _pageRead = pageRead;
    }

    public ReferenceGrantIndex Grants { get; } = new();

    /// <summary>Reads the grants in <paramref name="scope"/> (null: all namespaces) unless they have been read.</summary>
    public async Task ReadAsync(string? scope, CancellationToken cancellationToken)
    {
        if (_allRead || (scope is not null && !_namespacesRead.Add(scope)))
        {
            return;
        }

        // A forbidden or unserved ReferenceGrant API ends the listing early with a diagnostic (ClusterReader says so).
        _allRead = scope is null;
        await foreach (var page in _reader.ListGatewayApiPagesAsync("v1beta1", "referencegrants", scope, cancellationToken).ConfigureAwait(false))
        {
            _pageRead?.Invoke();
            foreach (var grant in page)
            {
                Grants.Add(grant);
            }
        }
    }

    /// <summary>
    /// Reads the grants of the namespaces that the Gateways' cross-namespace certificateRefs point at, since that is
    /// where a grant for them must be; namespaces already read are not read again.
    /// </summary>
    public async Task ReadForAsync(IEnumerable<JsonElement> gateways, CancellationToken cancellationToken)
    {
        var targets = gateways.SelectMany(g => ReferenceExtractor.FromGateway(g, string.Empty, new ReferenceGrantIndex()))
            .Where(r => r.SecretNamespace is not null && r.SecretNamespace != r.Namespace)
            .Select(r => r.SecretNamespace!)
            .Distinct(StringComparer.Ordinal)
            .ToList();
        foreach (string target in targets)
        {
            await ReadAsync(target, cancellationToken).ConfigureAwait(false);
        }
    }
}
