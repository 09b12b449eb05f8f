using System.Security.Cryptography.X509Certificates;
using IngressCerts.Engine.Certificates;
using IngressCerts.Engine.Inventory;
using IngressCerts.Engine.Kubernetes;
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

    internal static async Task<string> SeedAsync(TestCluster cluster, string prefix, string host)
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
        var outcomes = (await Task.WhenAll(runs)).Select(Assert.Single).ToList();

        Assert.Single(outcomes, o => o.Result.Action == "Renewed");
        Assert.All(outcomes.Where(o => o.Result.Action != "Renewed"), o => Assert.Contains(o.Result.Action, new[] { "Skipped", "Unchanged" }));
        Assert.Equal(1, calls);
        // Released: the Lease is deleted.
        Assert.Equal(404, (await cluster.Http.GetAsync($"/apis/coordination.k8s.io/v1/namespaces/{ns}/leases/shop-tls-ingresscerts-sync")).StatusCode);
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
        var first = Assert.Single(await runner.RunAsync(Due(ns, "shop-tls", host), null, CancellationToken.None));
        Assert.Equal("Requested", first.Result.Action);
        issued = true;
        var second = Assert.Single(await runner.RunAsync(Due(ns, "shop-tls", host), null, CancellationToken.None));
        Assert.Equal("Renewed", second.Result.Action);
        Assert.Equal(2, seen.Count);
        Assert.Equal(seen[0], seen[1]);
    }

    [ServerOnlyFact]
    public async Task A_renewal_with_no_request_pending_stores_the_new_key_without_reading_for_one_first()
    {
        await using var cluster = await TestCluster.StartAsync();
        var server = cluster.RequireServer();
        const string host = "shop.contoso.example";
        string ns = await SeedAsync(cluster, "sync-create-first-", host);
        Task<IReadOnlyList<X509Certificate2>?> Ca(CertificateSigningRequest request, CancellationToken _) =>
            Task.FromResult<IReadOnlyList<X509Certificate2>?>([RequestCompletionTests.Sign(request.Csr, "CN=" + host, [host])]);
        var connection = cluster.Connect();
        server.RequestLog.Clear();

        var outcome = Assert.Single(await new SyncRunner(connection, new IssuerSource(new PendingRequestStore(connection), Ca, false, null), Options())
            .RunAsync(Due(ns, "shop-tls", host), null, CancellationToken.None));

        // The create decides whether one is pending (AlreadyExists): a read before it would ask the same question again.
        Assert.Equal("Renewed", outcome.Result.Action);
        string pending = $"/api/v1/namespaces/{ns}/secrets/{PendingRequestSecret.NameFor("shop-tls")}";
        Assert.DoesNotContain(server.RequestLog.Snapshot(), e => e.Method == "GET" && e.PathAndQuery.StartsWith(pending, StringComparison.Ordinal));
        Assert.Empty(await new PendingRequestStore(connection).ListAsync(ns, null, CancellationToken.None));
    }

    [Fact]
    public async Task A_request_pending_for_fewer_hosts_than_the_target_now_has_is_replaced_and_its_key_is_not_used()
    {
        await using var cluster = await TestCluster.StartAsync();
        const string host = "shop.contoso.example";
        const string added = "www.contoso.example";
        string ns = await SeedAsync(cluster, "sync-more-hosts-", host);
        var seen = new List<string>();
        bool issued = false;
        Task<IReadOnlyList<X509Certificate2>?> Ca(CertificateSigningRequest request, CancellationToken _)
        {
            seen.Add(request.PublicKeySha256);
            return Task.FromResult<IReadOnlyList<X509Certificate2>?>(issued ? [RequestCompletionTests.Sign(request.Csr, "CN=" + host, [host, added])] : null);
        }

        var connection = cluster.Connect();
        var runner = new SyncRunner(connection, new IssuerSource(new PendingRequestStore(connection), Ca, false, null), Options());
        Assert.Equal("Requested", Assert.Single(await runner.RunAsync(Due(ns, "shop-tls", host), null, CancellationToken.None)).Result.Action);
        issued = true;
        var wider = Due(ns, "shop-tls", host) with { Hosts = [host, added] };
        var second = Assert.Single(await runner.RunAsync(wider, null, CancellationToken.None));

        Assert.Equal("Renewed", second.Result.Action);
        Assert.Equal(2, seen.Count);
        Assert.NotEqual(seen[0], seen[1]);
        Assert.Equal(seen[1], PublicKeyHash.Of(await SecretLeafAsync(cluster, ns)));
        Assert.Empty(await new PendingRequestStore(connection).ListAsync(ns, null, CancellationToken.None));
    }

    [Fact]
    public async Task A_run_stopped_while_the_ca_works_keeps_the_request_and_the_next_run_completes_it_with_its_key()
    {
        await using var cluster = await TestCluster.StartAsync();
        const string host = "shop.contoso.example";
        string ns = await SeedAsync(cluster, "sync-interrupt-", host);
        var seen = new List<string>();
        bool stop = true;
        Task<IReadOnlyList<X509Certificate2>?> Ca(CertificateSigningRequest request, CancellationToken c)
        {
            seen.Add(request.PublicKeySha256);
            return stop
                ? Task.FromException<IReadOnlyList<X509Certificate2>?>(new IssuerInterruptedException(new CancellationToken(true)))
                : Task.FromResult<IReadOnlyList<X509Certificate2>?>([RequestCompletionTests.Sign(request.Csr, "CN=" + host, [host])]);
        }

        var connection = cluster.Connect();
        var runner = new SyncRunner(connection, new IssuerSource(new PendingRequestStore(connection), Ca, false, null), Options());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => runner.RunAsync(Due(ns, "shop-tls", host), null, CancellationToken.None));
        Assert.Equal(404, (await cluster.Http.GetAsync($"/apis/coordination.k8s.io/v1/namespaces/{ns}/leases/shop-tls-ingresscerts-sync")).StatusCode);
        var kept = Assert.Single(await new PendingRequestStore(connection).ListAsync(ns, null, CancellationToken.None));
        Assert.Equal(seen[0], kept.PublicKeySha256);

        stop = false;
        var next = Assert.Single(await runner.RunAsync(Due(ns, "shop-tls", host), null, CancellationToken.None));
        Assert.Equal("Renewed", next.Result.Action);
        Assert.Equal([seen[0], seen[0]], seen);
        Assert.Equal(seen[0], PublicKeyHash.Of(await SecretLeafAsync(cluster, ns)));
        Assert.Empty(await new PendingRequestStore(connection).ListAsync(ns, null, CancellationToken.None));
    }

    [Fact]
    public async Task A_run_stopped_before_the_ca_was_asked_deletes_the_request_it_made()
    {
        await using var cluster = await TestCluster.StartAsync();
        const string host = "shop.contoso.example";
        string ns = await SeedAsync(cluster, "sync-unasked-", host);
        static Task<IReadOnlyList<X509Certificate2>?> Ca(CertificateSigningRequest request, CancellationToken c) =>
            Task.FromCanceled<IReadOnlyList<X509Certificate2>?>(new CancellationToken(true));

        var connection = cluster.Connect();
        var runner = new SyncRunner(connection, new IssuerSource(new PendingRequestStore(connection), Ca, false, null), Options());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => runner.RunAsync(Due(ns, "shop-tls", host), null, CancellationToken.None));
        Assert.Empty(await new PendingRequestStore(connection).ListAsync(ns, null, CancellationToken.None));
        Assert.Equal(404, (await cluster.Http.GetAsync($"/apis/coordination.k8s.io/v1/namespaces/{ns}/leases/shop-tls-ingresscerts-sync")).StatusCode);
    }

    [Fact]
    public async Task A_run_stopped_after_the_ca_answered_and_before_the_write_keeps_the_request_and_writes_nothing()
    {
        await using var cluster = await TestCluster.StartAsync();
        const string host = "shop.contoso.example";
        string ns = await SeedAsync(cluster, "sync-prewrite-", host);
        var before = await SecretLeafAsync(cluster, ns);
        string? key = null;
        Task<IReadOnlyList<X509Certificate2>?> Ca(CertificateSigningRequest request, CancellationToken c)
        {
            key = request.PublicKeySha256;
            return Task.FromResult<IReadOnlyList<X509Certificate2>?>([RequestCompletionTests.Sign(request.Csr, "CN=" + host, [host])]);
        }

        // The stop comes where a warning under -WarningAction Stop would: after the CA answered, before the first write.
        using var stop = new CancellationTokenSource();
        var callbacks = new PublishCallbacks { Delivered = c => { stop.Cancel(); return Task.FromCanceled(stop.Token); } };
        var connection = cluster.Connect();
        var runner = new SyncRunner(connection, new IssuerSource(new PendingRequestStore(connection), Ca, false, null), Options());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => runner.RunAsync(Due(ns, "shop-tls", host), callbacks, stop.Token));

        Assert.Equal(before.Thumbprint, (await SecretLeafAsync(cluster, ns)).Thumbprint);
        Assert.Empty(await new SecretHistoryReader(connection).ListAsync(ns, "shop-tls", CancellationToken.None) ?? []);
        Assert.Equal(key, Assert.Single(await new PendingRequestStore(connection).ListAsync(ns, null, CancellationToken.None)).PublicKeySha256);
        Assert.Equal(404, (await cluster.Http.GetAsync($"/apis/coordination.k8s.io/v1/namespaces/{ns}/leases/shop-tls-ingresscerts-sync")).StatusCode);
    }

    [Fact]
    public async Task A_run_stopped_after_the_write_deletes_the_pending_key_its_certificate_now_holds()
    {
        await using var cluster = await TestCluster.StartAsync();
        const string host = "shop.contoso.example";
        string ns = await SeedAsync(cluster, "sync-postwrite-", host);
        string? key = null;
        Task<IReadOnlyList<X509Certificate2>?> Ca(CertificateSigningRequest request, CancellationToken c)
        {
            key = request.PublicKeySha256;
            return Task.FromResult<IReadOnlyList<X509Certificate2>?>([RequestCompletionTests.Sign(request.Csr, "CN=" + host, [host])]);
        }

        // -Verify waits after the write (on an endpoint that serves nothing); the stop comes with its first progress.
        using var stop = new CancellationTokenSource();
        var callbacks = new PublishCallbacks { Progress = _ => stop.Cancel() };
        var options = Options() with { Verify = new VerifyOptions(TimeSpan.FromMinutes(2), "127.0.0.1:1") };
        var connection = cluster.Connect();
        var runner = new SyncRunner(connection, new IssuerSource(new PendingRequestStore(connection), Ca, false, null), options);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => runner.RunAsync(Due(ns, "shop-tls", host), callbacks, stop.Token));

        Assert.Equal(key, PublicKeyHash.Of(await SecretLeafAsync(cluster, ns)));
        Assert.Empty(await new PendingRequestStore(connection).ListAsync(ns, null, CancellationToken.None));
        Assert.Equal(404, (await cluster.Http.GetAsync($"/apis/coordination.k8s.io/v1/namespaces/{ns}/leases/shop-tls-ingresscerts-sync")).StatusCode);
    }

    internal static async Task<X509Certificate2> SecretLeafAsync(TestCluster cluster, string ns)
    {
        var secret = (await cluster.Http.GetAsync($"/api/v1/namespaces/{ns}/secrets/shop-tls")).Object;
        return X509Certificate2.CreateFromPem(System.Text.Encoding.ASCII.GetString(Convert.FromBase64String(secret["data"]!["tls.crt"]!.GetValue<string>())));
    }

    private static async Task<List<IngressCertificate>> ScanAsync(TestCluster cluster, string ns)
    {
        var found = new List<IngressCertificate>();
        await foreach (var reference in new ClusterScanner(new ClusterReader(cluster.Connect()), new InventoryOptions(DateTimeOffset.UtcNow)).ScanAsync([ns], CancellationToken.None))
        {
            found.Add(reference);
        }

        return found;
    }

    [Fact]
    public async Task Two_ingresses_naming_one_secret_are_one_target_one_certificate_for_all_hosts_and_a_result_each()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("sync-shared-");
        // The Secret covers the shop's host; the blog's Ingress names the same Secret for its own host.
        var old = TestCertificates.Create("CN=shop.contoso.example", ["shop.contoso.example"], validDays: 200, daysAgo: 10);
        await cluster.CreateAsync(ClusterObjects.TlsSecret(ns, "shared-tls", old));
        await cluster.CreateAsync(ClusterObjects.Ingress(ns, "shop", (["shop.contoso.example"], "shared-tls")));
        await cluster.CreateAsync(ClusterObjects.Ingress(ns, "blog", (["blog.contoso.example"], "shared-tls")));
        var references = await ScanAsync(cluster, ns);
        Assert.Equal(2, references.Count);

        var asked = new List<string[]>();
        Task<IReadOnlyList<X509Certificate2>?> Ca(CertificateSigningRequest request, CancellationToken _)
        {
            lock (asked)
            {
                asked.Add(request.Hosts.ToArray());
            }

            return Task.FromResult<IReadOnlyList<X509Certificate2>?>([RequestCompletionTests.Sign(request.Csr, "CN=" + request.Hosts.First(), request.Hosts.ToArray())]);
        }

        var targets = SyncPlanner.Targets(references, 30, DateTimeOffset.UtcNow);
        var target = Assert.Single(targets);
        Assert.Equal(["blog.contoso.example", "shop.contoso.example"], target.Hosts.Order(StringComparer.Ordinal));

        var connection = cluster.Connect();
        var outcomes = new List<SyncOutcome>();
        var runner = new SyncRunner(connection, new IssuerSource(new PendingRequestStore(connection), Ca, false, null), Options());
        await runner.RunAllAsync(targets, 4, null, o => { lock (outcomes) outcomes.Add(o); }, CancellationToken.None);

        // One CA call for both hosts, one result per Ingress, both the Secret's renewal.
        var hosts = Assert.Single(asked);
        Assert.Equal(["blog.contoso.example", "shop.contoso.example"], hosts.Order(StringComparer.Ordinal));
        Assert.Equal(["blog", "shop"], outcomes.Select(o => o.Result.Name).Order(StringComparer.Ordinal));
        Assert.All(outcomes, o => Assert.Equal("Renewed", o.Result.Action));
        Assert.Single(outcomes.Select(o => o.Result.Thumbprint).Distinct());
        Assert.All(outcomes, o => Assert.Equal(old.Certificate.Thumbprint, o.Result.PreviousThumbprint));

        // The Secret now covers both, and each Ingress serves its own host from it.
        var after = await ScanAsync(cluster, ns);
        Assert.All(after, r => Assert.Equal(outcomes[0].Result.Thumbprint, r.Thumbprint));
        Assert.All(after, r => Assert.DoesNotContain(r.GetFindings(), f => f.Id == FindingIds.HostMismatch));
        foreach (var (ingress, host) in new[] { ("shop", "shop.contoso.example"), ("blog", "blog.contoso.example") })
        {
            var tls = (await cluster.Http.GetAsync($"/apis/networking.k8s.io/v1/namespaces/{ns}/ingresses/{ingress}")).Object["spec"]!["tls"]!.AsArray();
            var entry = Assert.Single(tls);
            Assert.Equal("shared-tls", entry!["secretName"]!.GetValue<string>());
            Assert.Equal([host], entry["hosts"]!.AsArray().Select(h => h!.GetValue<string>()));
        }

        // One Lease for the Secret, taken once and released (deleted).
        Assert.Equal(404, (await cluster.Http.GetAsync($"/apis/coordination.k8s.io/v1/namespaces/{ns}/leases/shared-tls-ingresscerts-sync")).StatusCode);
    }

    [Fact]
    public async Task A_worker_cancelled_during_the_rights_check_does_not_fail_the_targets_after_it()
    {
        await using var cluster = await TestCluster.StartAsync();
        const string host = "shop.contoso.example";
        string ns = await SeedAsync(cluster, "sync-rights-", host);
        Task<IReadOnlyList<X509Certificate2>?> Ca(CertificateSigningRequest request, CancellationToken _) =>
            Task.FromResult<IReadOnlyList<X509Certificate2>?>([RequestCompletionTests.Sign(request.Csr, "CN=" + host, [host])]);

        var connection = cluster.Connect();
        var runner = new SyncRunner(connection, new IssuerSource(new PendingRequestStore(connection), Ca, false, null), Options());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => runner.RunAsync(Due(ns, "shop-tls", host), null, new CancellationToken(true)));

        // The same namespace, another worker with a live token: the check is made (or reused) for it, not cancelled.
        var outcome = Assert.Single(await runner.RunAsync(Due(ns, "shop-tls", host), null, CancellationToken.None));
        Assert.Equal("Renewed", outcome.Result.Action);
    }

    [Fact]
    public async Task Two_tls_entries_of_one_ingress_naming_one_secret_are_renewed_together_and_the_ingress_is_left_as_it_was()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("sync-entries-");
        var old = TestCertificates.Create("CN=shop.contoso.example", ["shop.contoso.example", "blog.contoso.example"], validDays: 5, daysAgo: 80);
        await cluster.CreateAsync(ClusterObjects.TlsSecret(ns, "shared-tls", old));
        await cluster.CreateAsync(ClusterObjects.Ingress(ns, "web", (["shop.contoso.example"], "shared-tls"), (["blog.contoso.example"], "shared-tls")));
        string ingressPath = $"/apis/networking.k8s.io/v1/namespaces/{ns}/ingresses/web";
        string before = (await cluster.Http.GetAsync(ingressPath)).Object["spec"]!.ToJsonString();
        var references = await ScanAsync(cluster, ns);
        Assert.Equal(2, references.Count);

        int calls = 0;
        Task<IReadOnlyList<X509Certificate2>?> Ca(CertificateSigningRequest request, CancellationToken _)
        {
            Interlocked.Increment(ref calls);
            return Task.FromResult<IReadOnlyList<X509Certificate2>?>([RequestCompletionTests.Sign(request.Csr, "CN=shop.contoso.example", request.Hosts.ToArray())]);
        }

        var connection = cluster.Connect();
        var outcomes = new List<SyncOutcome>();
        var runner = new SyncRunner(connection, new IssuerSource(new PendingRequestStore(connection), Ca, false, null), Options());
        await runner.RunAllAsync(SyncPlanner.Targets(references, 30, DateTimeOffset.UtcNow), 4, null, o => { lock (outcomes) outcomes.Add(o); }, CancellationToken.None);

        Assert.Equal(1, calls);
        Assert.Equal(2, outcomes.Count);
        Assert.All(outcomes, o => Assert.Equal("Renewed", o.Result.Action));
        Assert.Equal(before, (await cluster.Http.GetAsync(ingressPath)).Object["spec"]!.ToJsonString());
    }
}
