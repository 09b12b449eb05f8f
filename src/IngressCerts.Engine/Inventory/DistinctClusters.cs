using IngressCerts.Engine.Kubernetes;

namespace IngressCerts.Engine.Inventory;

/// <summary>
/// Drops connections that would scan what another one already scans: two kube contexts that reach the same API
/// server (URL and tls-server-name) as the same kubeconfig user see the same objects, and scanning both would list
/// every row twice. A merged kubeconfig keeps one credential per user name, so the name stands for the credential.
/// </summary>
public static class DistinctClusters
{
    /// <param name="byDefaultNamespace">True when each context scans its own default namespace (no -Namespace and no
    /// -AllNamespaces): two contexts that differ only there scan different things and are both kept.</param>
    /// <param name="diagnostics">Told of each context left out, and which context it duplicates.</param>
    public static IReadOnlyList<ClusterConnection> Select(IReadOnlyList<ClusterConnection> connections, bool byDefaultNamespace, Action<string>? diagnostics = null)
    {
        var kept = new Dictionary<string, ClusterConnection>(StringComparer.Ordinal);
        var result = new List<ClusterConnection>(connections.Count);
        foreach (var connection in connections)
        {
            string key = Identity(connection, byDefaultNamespace);
            if (kept.TryGetValue(key, out var first))
            {
                if (!ReferenceEquals(first, connection))
                {
                    diagnostics?.Invoke($"Context '{connection.ContextName}' reaches the same cluster ({connection.Server}) as the same user ('{connection.UserName}') as context '{first.ContextName}'; scanning it once, as '{first.ContextName}'.");
                }

                continue;
            }

            kept[key] = connection;
            result.Add(connection);
        }

        return result;
    }

    private static string Identity(ClusterConnection connection, bool byDefaultNamespace) => string.Join('\n',
        connection.Server.TrimEnd('/').ToLowerInvariant(),
        connection.TlsServerName ?? string.Empty,
        connection.UserName,
        byDefaultNamespace ? connection.DefaultNamespace : string.Empty);
}
