using IngressCerts.TestServer.Testing;

namespace IngressCerts.Conformance.Tests.ServerOnly;

/// <summary>The request log records method, path and query, user and status, and can be cleared.</summary>
public sealed class RequestLogTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    [ServerOnlyFact]
    public async Task Requests_are_logged_in_order_with_user_and_status()
    {
        var server = fixture.Cluster.RequireServer();
        var ns = await fixture.Cluster.CreateNamespaceAsync();
        server.RequestLog.Clear();
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        await fixture.Cluster.Http.PostAsync(Manifests.Secrets(ns), Manifests.TlsSecret("logged"));
        await fixture.Cluster.Http.GetAsync(Manifests.Secrets(ns, "missing") + "?pretty=true");
        using (var stranger = KubeHttp.Create(Kubeconfig.Load(fixture.Cluster.KubeconfigPath), "bad-token"))
        {
            await stranger.GetAsync("/api/v1/namespaces");
        }

        var entries = server.RequestLog.Snapshot();
        Assert.Equal(3, entries.Count);
        Assert.Equal(("POST", Manifests.Secrets(ns), "admin", 201), (entries[0].Method, entries[0].PathAndQuery, entries[0].User, entries[0].StatusCode));
        Assert.Equal(("GET", Manifests.Secrets(ns, "missing") + "?pretty=true", "admin", 404), (entries[1].Method, entries[1].PathAndQuery, entries[1].User, entries[1].StatusCode));
        Assert.Equal((null, 401), (entries[2].User, entries[2].StatusCode));
        Assert.All(entries, e => Assert.True(e.Timestamp >= before));

        server.RequestLog.Clear();
        Assert.Empty(server.RequestLog);
    }
}
