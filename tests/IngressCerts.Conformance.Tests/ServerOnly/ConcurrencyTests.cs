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

        // Only the Secrets made here: a cluster may have put one of its own into the namespace (default-token-*).
        var list = await fixture.Cluster.Http.GetAsync(Manifests.Secrets(ns));
        var made = Enumerable.Range(0, 120).Select(i => $"p{i:D3}").ToHashSet();
        Assert.Equal(made.Order(StringComparer.Ordinal), list.Object["items"]!.AsArray().Select(s => s!["metadata"]!["name"]!.GetValue<string>()).Where(made.Contains));
    }
}
