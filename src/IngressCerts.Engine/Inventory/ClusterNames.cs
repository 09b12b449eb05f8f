using IngressCerts.Engine.Kubernetes;

namespace IngressCerts.Engine.Inventory;

/// <summary>What tab completion offers for a name parameter.</summary>
public enum NameKind
{
    Namespace,
    Ingress,
    IngressOrGateway,
    TlsSecret,
}

/// <summary>
/// Names of one kind in a cluster, for tab completion: the first page only (a prompt offers a few hundred names at
/// most), sorted, with each object dropped as soon as its name is read.
/// </summary>
public static class ClusterNames
{
    public static async Task<IReadOnlyList<string>> ListAsync(ClusterReader reader, NameKind kind, string? @namespace, CancellationToken cancellationToken)
    {
        string ns = @namespace ?? reader.Connection.DefaultNamespace;
        var names = new SortedSet<string>(StringComparer.Ordinal);
        switch (kind)
        {
            case NameKind.Namespace:
                names.UnionWith(await reader.ListNamespaceNamesAsync(cancellationToken).ConfigureAwait(false));
                break;
            case NameKind.TlsSecret:
                await foreach (var page in reader.ListTlsSecretPagesAsync(ns, cancellationToken).ConfigureAwait(false))
                {
                    names.UnionWith(page.Select(s => s.Metadata.Name));
                    break;
                }

                break;
            default:
                await foreach (var page in reader.ListIngressPagesAsync(ns, cancellationToken).ConfigureAwait(false))
                {
                    names.UnionWith(page.Select(i => i.Metadata.Name));
                    break;
                }

                if (kind == NameKind.IngressOrGateway)
                {
                    await foreach (var page in reader.ListGatewayApiPagesAsync("v1", "gateways", ns, cancellationToken).ConfigureAwait(false))
                    {
                        names.UnionWith(page.Select(RawObject.Name).OfType<string>());
                        break;
                    }
                }

                break;
        }

        return names.ToList();
    }
}
