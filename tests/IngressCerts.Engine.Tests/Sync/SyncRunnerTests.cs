using System.Security.Cryptography.X509Certificates;
using IngressCerts.Engine.Publishing;
using IngressCerts.Engine.Requests;
using IngressCerts.Engine.Sync;
using IngressCerts.Engine.Tests.Integration;
using IngressCerts.Engine.Tests.Requests;
using IngressCerts.Engine.Tests.Support;
using IngressCerts.TestServer.Testing;

namespace IngressCerts.Engine.Tests.Sync;

/// <summary>Sync's work on due targets, through the Lease, the request path and the one publish path.</summary>
public sealed class SyncRunnerTests
{
    private static SyncTarget Due(string ns, string secret, string host, string? thumbprint = null) =>
        new(new IngressCertificate { Context = "ctx", Namespace = ns, Kind = "Ingress", Name = "shop", SecretName = secret, Hosts = new[] { host }, Status = "Expiring", Thumbprint = thumbprint },
            new SyncDecision(SyncAction.Renewed, "due"), [host]);

    private static SyncOptions Options() => new(30, new PublishOptions(), null, TimeSpan.FromMinutes(1), TargetLease.NewHolderIdentity());

    private static async Task<string> SeedAsync(TestCluster cluster, string prefix, string host)
    {
        string ns = await cluster.CreateNamespaceAsync(prefix);
        var old = TestCertificates.Create("CN=" + host, [host], validDays: 5, daysAgo: 80);
        await cluster.CreateAsync(ClusterObjects.TlsSecret(ns, "shop-tls", old));
        await cluster.CreateAsync(ClusterObjects.Ingress(ns, "shop", ([host], "shop-tls")));
        return ns;
    }

    [Fact]
    public async Task Concurrent_runs_renew_a_due_target_exactly_once_and_leave_no_lease_held()
    {
        await using var cluster = await TestCluster.StartAsync();
        const string host = "shop.contoso.example";
        string ns = await SeedAsync(cluster, "sync-once-", host);
        int calls = 0;
        Task<IReadOnlyList<X509Certificate2>?> Ca(CertificateSigningRequest request, CancellationToken _)
        {
            Interlocked.Increment(ref calls);
            return Task.FromResult<IReadOnlyList<X509Certificate2>?>([RequestCompletionTests.Sign(request.Csr, "CN=" + host, [host])]);
        }

        var runs = Enumerable.Range(0, 3).Select(_ => Task.Run(() =>
        {
            var connection = cluster.Connect();
            var source = new IssuerSource(new PendingRequestStore(connection), Ca, includeRoot: false, warn: null);
            return new SyncRunner(connection, source, Options()).RunAsync(Due(ns, "shop-tls", host), null, CancellationToken.None);
        })).ToList();
        var outcomes = await Task.WhenAll(runs);

        Assert.Single(outcomes, o => o.Result.Action == "Renewed");
        Assert.All(outcomes.Where(o => o.Result.Action != "Renewed"), o => Assert.Contains(o.Result.Action, new[] { "Skipped", "Unchanged" }));
        Assert.Equal(1, calls);
        var lease = (await cluster.Http.GetAsync($"/apis/coordination.k8s.io/v1/namespaces/{ns}/leases/shop-tls-ingresscerts-sync")).Object;
        Assert.Null(lease["spec"]!["holderIdentity"]);
        Assert.Empty(await new PendingRequestStore(cluster.Connect()).ListAsync(ns, null, CancellationToken.None));
    }

    [Fact]
    public async Task A_slow_ca_leaves_the_target_requested_and_the_next_run_completes_it_with_the_same_key()
    {
        await using var cluster = await TestCluster.StartAsync();
        const string host = "shop.contoso.example";
        string ns = await SeedAsync(cluster, "sync-slow-", host);
        var seen = new List<string>();
        bool issued = false;
        Task<IReadOnlyList<X509Certificate2>?> Ca(CertificateSigningRequest request, CancellationToken _)
        {
            seen.Add(request.PublicKeySha256);
            return Task.FromResult<IReadOnlyList<X509Certificate2>?>(issued ? [RequestCompletionTests.Sign(request.Csr, "CN=" + host, [host])] : null);
        }

        var connection = cluster.Connect();
        var runner = new SyncRunner(connection, new IssuerSource(new PendingRequestStore(connection), Ca, false, null), Options());
        var first = await runner.RunAsync(Due(ns, "shop-tls", host), null, CancellationToken.None);
        Assert.Equal("Requested", first.Result.Action);
        issued = true;
        var second = await runner.RunAsync(Due(ns, "shop-tls", host), null, CancellationToken.None);
        Assert.Equal("Renewed", second.Result.Action);
        Assert.Equal(2, seen.Count);
        Assert.Equal(seen[0], seen[1]);
    }
}
