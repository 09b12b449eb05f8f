using System.Collections.Concurrent;
using IngressCerts.TestServer.Testing;

namespace IngressCerts.Conformance.Tests.ServerOnly;

/// <summary>Parallel writers: every write gets its own resourceVersion and nothing is lost.</summary>
public sealed class ConcurrencyTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    [Fact]
    public async Task Parallel_creates_and_updates_keep_unique_versions_and_lose_nothing()
    {
        var ns = await fixture.Cluster.CreateNamespaceAsync();
        var versions = new ConcurrentBag<long>();
        await Parallel.ForEachAsync(Enumerable.Range(0, 120), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, token) =>
        {
            var created = await fixture.Cluster.Http.PostAsync(Manifests.Secrets(ns), Manifests.TlsSecret($"p{i:D3}"), token);
            Assert.Equal(201, created.StatusCode);
            versions.Add(Manifests.Version(created.Json));
        });
        Assert.Equal(120, versions.Distinct().Count());

        // Optimistic concurrency: of 8 writers racing with the same resourceVersion exactly one wins.
        var current = (await fixture.Cluster.Http.GetAsync(Manifests.Secrets(ns, "p000"))).Object;
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(async i =>
        {
            var copy = current.DeepClone().AsObject();
            copy["metadata"]!["labels"] = new System.Text.Json.Nodes.JsonObject { ["writer"] = i.ToString() };
            return (await fixture.Cluster.Http.PutAsync(Manifests.Secrets(ns, "p000"), copy)).StatusCode;
        }));
        Assert.Equal(1, results.Count(s => s == 200));
        Assert.Equal(7, results.Count(s => s == 409));

        var list = await fixture.Cluster.Http.GetAsync(Manifests.Secrets(ns));
        Assert.Equal(120, list.Object["items"]!.AsArray().Count);
    }
}
