using IngressCerts.Engine.Inventory;
using IngressCerts.Engine.Kubernetes;

namespace IngressCerts.Engine.Tests.Inventory;

public sealed class DistinctClustersTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ic-distinct-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // One API server; contexts "one" and "two" reach it as user "u" in namespace "shop"; "other-ns" too, in another
    // namespace; "other-user" as user "v"; "named" as "u" but through a different tls-server-name (another cluster
    // behind the same address, as a proxy would serve).
    private IReadOnlyList<ClusterConnection> Connect(params string[] contexts)
    {
        string path = Path.Combine(_dir, "config.yaml");
        File.WriteAllText(path, """
            apiVersion: v1
            kind: Config
            clusters:
            - name: c
              cluster:
                server: https://api.example:6443
            - name: c-again
              cluster:
                server: https://api.example:6443/
            - name: c-named
              cluster:
                server: https://api.example:6443
                tls-server-name: other.example
            contexts:
            - name: one
              context: { cluster: c, user: u, namespace: shop }
            - name: two
              context: { cluster: c-again, user: u, namespace: shop }
            - name: other-ns
              context: { cluster: c, user: u, namespace: billing }
            - name: other-user
              context: { cluster: c, user: v, namespace: shop }
            - name: named
              context: { cluster: c-named, user: u, namespace: shop }
            users:
            - name: u
              user: { token: t-u }
            - name: v
              user: { token: t-v }
            """);
        var factory = new ConnectionFactory(_ => null, "/nonexistent-home");
        return contexts.Select(c => factory.Connect(new ConnectionOptions(new[] { path }, c))).ToList();
    }

    [Fact]
    public void Two_contexts_for_one_cluster_and_user_are_scanned_once_and_the_second_is_named()
    {
        var notes = new List<string>();

        var kept = DistinctClusters.Select(Connect("one", "two", "other-user"), byDefaultNamespace: false, notes.Add);

        Assert.Equal(new[] { "one", "other-user" }, kept.Select(c => c.ContextName));
        var note = Assert.Single(notes);
        Assert.Contains("'two'", note, StringComparison.Ordinal);
        Assert.Contains("'one'", note, StringComparison.Ordinal);
    }

    [Fact]
    public void Another_tls_server_name_is_another_cluster()
    {
        var kept = DistinctClusters.Select(Connect("one", "named"), byDefaultNamespace: false);

        Assert.Equal(new[] { "one", "named" }, kept.Select(c => c.ContextName));
    }

    [Fact]
    public void Contexts_that_scan_their_own_default_namespaces_are_both_kept()
    {
        var connections = Connect("one", "two", "other-ns");

        Assert.Equal(new[] { "one", "other-ns" }, DistinctClusters.Select(connections, byDefaultNamespace: true).Select(c => c.ContextName));
        Assert.Equal(new[] { "one" }, DistinctClusters.Select(connections, byDefaultNamespace: false).Select(c => c.ContextName));
    }
}
