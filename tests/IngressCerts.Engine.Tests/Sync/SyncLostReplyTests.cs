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
using IngressCerts.TestServer.Faults;
using IngressCerts.TestServer.Testing;

namespace IngressCerts.Engine.Tests.Sync;

/// <summary>
/// Sync's fewer requests (Lease by create, release by delete, the pending key deleted by uid, the Secret read once under
/// the Lease) under lost replies, a writer between the read and the write, and a Lease taken over while a run works.
/// </summary>
public sealed class SyncLostReplyTests
{
    private const string Host = "shop.contoso.example";

    private static SyncTarget Due(string ns) =>
        new(new IngressCertificate { Context = "ctx", Namespace = ns, Kind = "Ingress", Name = "shop", SecretName = "shop-tls", Hosts = new[] { Host }, Status = "Expiring" },
            new SyncDecision(SyncAction.Renewed, "due"), [Host]);

    private static SyncOptions Options(int historyLimit = 1) => new(30, new PublishOptions(HistoryLimit: historyLimit), null, TimeSpan.FromMinutes(1), TargetLease.NewHolderIdentity());

    private static string LeasesPath(string ns) => $"/apis/coordination.k8s.io/v1/namespaces/{ns}/leases";

    private static string LeasePath(string ns) => $"{LeasesPath(ns)}/shop-tls-ingresscerts-sync";

    /// <summary>Runs Sync on the target once, the reply to its Lease create lost as <paramref name="fault"/> says; how often the CA was asked.</summary>
    private static async Task<(SyncOutcome Outcome, int CaCalls)> RunLosingTheLeaseCreateAsync(TestCluster cluster, string ns, FaultKind fault)
    {
        var server = cluster.RequireServer();
        server.Faults.Add(new Fault { Method = "POST", PathPrefix = LeasesPath(ns), Kind = fault });
        int calls = 0;
        Task<IReadOnlyList<X509Certificate2>?> Counting(CertificateSigningRequest r, CancellationToken c)
        {
            Interlocked.Increment(ref calls);
            return Ca(r, c);
        }

        var outcome = Assert.Single(await Runner(cluster, Counting).RunAsync(Due(ns), null, CancellationToken.None));
        Assert.Empty(server.Faults.Pending);
        return (outcome, calls);
    }

    private static Task<string> SeedAsync(TestCluster cluster, string prefix) => SyncRunnerTests.SeedAsync(cluster, prefix, Host);

    private static Task<IReadOnlyList<X509Certificate2>?> Ca(CertificateSigningRequest request, CancellationToken _) =>
        Task.FromResult<IReadOnlyList<X509Certificate2>?>([RequestCompletionTests.Sign(request.Csr, "CN=" + Host, [Host])]);

    private static SyncRunner Runner(TestCluster cluster, Func<CertificateSigningRequest, CancellationToken, Task<IReadOnlyList<X509Certificate2>?>> ca, List<string>? warnings = null, Func<DateTimeOffset>? clock = null, int historyLimit = 1)
    {
        var connection = cluster.Connect();
        return new SyncRunner(connection, new IssuerSource(new PendingRequestStore(connection), ca, false, w => { lock (warnings ?? []) { warnings?.Add(w); } }), Options(historyLimit), clock: clock);
    }

    private static Task<X509Certificate2> SecretLeafAsync(TestCluster cluster, string ns) => SyncRunnerTests.SecretLeafAsync(cluster, ns);

    [ServerOnlyFact]
    public async Task A_lost_reply_to_the_lease_delete_that_went_through_is_a_release_and_the_renewal_stands()
    {
        await using var cluster = await TestCluster.StartAsync();
        var server = cluster.RequireServer();
        string ns = await SeedAsync(cluster, "sync-lost-release-");
        server.Faults.Add(new Fault { Method = "DELETE", PathPrefix = LeasePath(ns), Kind = FaultKind.AppliedThen(LostReply.GatewayTimeout) });

        var outcome = Assert.Single(await Runner(cluster, Ca).RunAsync(Due(ns), null, CancellationToken.None));

        Assert.Empty(server.Faults.Pending);
        Assert.Equal("Renewed", outcome.Result.Action);
        Assert.Equal(404, (await cluster.Http.GetAsync(LeasePath(ns))).StatusCode);
        var next = await TargetLease.TryAcquireAsync(cluster.Connect(), ns, "shop-tls", "next", TimeSpan.FromSeconds(30), null, CancellationToken.None);
        Assert.True(next.Acquired);
        await next.Lease!.DisposeAsync();
    }

    [ServerOnlyFact]
    public async Task A_lost_reply_to_the_pending_key_delete_that_went_through_is_settled_as_deleted()
    {
        await using var cluster = await TestCluster.StartAsync();
        var server = cluster.RequireServer();
        string ns = await SeedAsync(cluster, "sync-lost-pending-");
        server.Faults.Add(new Fault { Method = "DELETE", PathPrefix = $"/api/v1/namespaces/{ns}/secrets/shop-tls-pending-key", Kind = FaultKind.AppliedThen(LostReply.ConnectionReset) });
        var warnings = new List<string>();

        var callbacks = new PublishCallbacks { Warning = w => { lock (warnings) { warnings.Add(w); } } };
        var outcome = Assert.Single(await Runner(cluster, Ca, warnings).RunAsync(Due(ns), callbacks, CancellationToken.None));

        Assert.Empty(server.Faults.Pending);
        Assert.Equal("Renewed", outcome.Result.Action);
        Assert.Empty(await new PendingRequestStore(cluster.Connect()).ListAsync(ns, null, CancellationToken.None));
        Assert.Contains(warnings, w => w.Contains("was applied; the reply was lost", StringComparison.Ordinal));
        Assert.DoesNotContain(warnings, w => w.Contains("cleaning up after it failed", StringComparison.Ordinal));
    }

    [ServerOnlyFact]
    public async Task A_lost_reply_to_the_lease_create_that_went_through_is_recognised_as_this_runs_lease_and_the_target_is_renewed()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await SeedAsync(cluster, "sync-lost-take-");
        var (outcome, calls) = await RunLosingTheLeaseCreateAsync(cluster, ns, FaultKind.AppliedThen(LostReply.GatewayTimeout));

        // The Lease read back names this run: it is this run's, and the work goes on under it (renewed once, released).
        Assert.Equal("Renewed", outcome.Result.Action);
        Assert.Null(outcome.Error);
        Assert.Equal(1, calls);
        Assert.Equal(outcome.Result.Thumbprint, (await SecretLeafAsync(cluster, ns)).Thumbprint);
        Assert.Equal(404, (await cluster.Http.GetAsync(LeasePath(ns))).StatusCode);
    }

    [ServerOnlyFact]
    public async Task A_lost_reply_to_the_lease_create_with_another_runs_lease_there_is_skipped_naming_that_run()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await SeedAsync(cluster, "sync-lost-take-held-");
        var held = await TargetLease.TryAcquireAsync(cluster.Connect(), ns, "shop-tls", "other-host/pid-1/abcd", TimeSpan.FromMinutes(5), null, CancellationToken.None);
        Assert.True(held.Acquired);
        await using var _ = held.Lease!;
        var (outcome, calls) = await RunLosingTheLeaseCreateAsync(cluster, ns, FaultKind.DropConnection());

        Assert.Equal("Skipped", outcome.Result.Action);
        Assert.Contains("Leased by another run: other-host/pid-1/abcd", outcome.Result.Reason, StringComparison.Ordinal);
        Assert.Equal(0, calls);
        Assert.Equal(200, (await cluster.Http.GetAsync(LeasePath(ns))).StatusCode);
    }

    [ServerOnlyFact]
    public async Task A_lease_create_that_was_lost_before_it_landed_is_made_again_and_the_target_is_renewed()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await SeedAsync(cluster, "sync-lost-take-none-");
        var (outcome, calls) = await RunLosingTheLeaseCreateAsync(cluster, ns, FaultKind.DropConnection());

        Assert.Equal("Renewed", outcome.Result.Action);
        Assert.Equal(1, calls);
        Assert.Equal(404, (await cluster.Http.GetAsync(LeasePath(ns))).StatusCode);
    }

    [ServerOnlyFact]
    public async Task A_run_cancelled_while_its_lease_create_was_under_way_releases_the_lease_it_made()
    {
        await using var cluster = await TestCluster.StartAsync();
        var server = cluster.RequireServer();
        string ns = await SeedAsync(cluster, "sync-lost-take-cancel-");
        server.Faults.Add(new Fault { Method = "POST", PathPrefix = LeasesPath(ns), Kind = FaultKind.AppliedThen(LostReply.NoAnswer) });
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            TargetLease.TryAcquireAsync(cluster.Connect(), ns, "shop-tls", "me", TimeSpan.FromMinutes(5), null, stop.Token));

        // Stopped by the caller: not worked on, and the Lease the create made is not left held.
        Assert.Equal(404, (await cluster.Http.GetAsync(LeasePath(ns))).StatusCode);
    }

    [Fact]
    public async Task A_secret_written_by_another_writer_after_the_read_under_the_lease_is_a_conflict_read_again_and_nothing_is_lost()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await SeedAsync(cluster, "sync-interloper-");
        var original = await SecretLeafAsync(cluster, ns);
        var interloper = TestCertificates.Create("CN=" + Host, [Host], validDays: 3, daysAgo: 1);
        string? key = null;
        async Task<IReadOnlyList<X509Certificate2>?> Interleaved(CertificateSigningRequest request, CancellationToken c)
        {
            // After Sync read the Secret under its Lease, someone else (a human's Publish, not a Sync run) replaces it.
            var secret = (await cluster.Http.GetAsync($"/api/v1/namespaces/{ns}/secrets/shop-tls", c)).Object;
            var replaced = ClusterObjects.TlsSecret(ns, "shop-tls", interloper);
            replaced["metadata"]!["resourceVersion"] = secret["metadata"]!["resourceVersion"]!.GetValue<string>();
            Assert.Equal(200, (await cluster.Http.PutAsync($"/api/v1/namespaces/{ns}/secrets/shop-tls", replaced, c)).StatusCode);
            key = request.PublicKeySha256;
            return [RequestCompletionTests.Sign(request.Csr, "CN=" + Host, [Host])];
        }

        var outcome = Assert.Single(await Runner(cluster, Interleaved, historyLimit: 5).RunAsync(Due(ns), null, CancellationToken.None));

        // Not a blind overwrite of what was read: the write met a Conflict, read again, and the interloper's
        // certificate is the one kept in history (the one it replaced), with the original before it: the interloper
        // kept no copy of it, so the one this run made before the Conflict is the only one, and stays (once).
        Assert.Equal("Renewed", outcome.Result.Action);
        Assert.Equal(interloper.Certificate.Thumbprint, outcome.Result.PreviousThumbprint);
        Assert.Equal(key, PublicKeyHash.Of(await SecretLeafAsync(cluster, ns)));
        var history = await new SecretHistoryReader(cluster.Connect()).ListAsync(ns, "shop-tls", CancellationToken.None) ?? [];
        Assert.Equal(
            new[] { interloper.Certificate.Thumbprint, original.Thumbprint }.Select(t => t.ToUpperInvariant()).Order(),
            history.Select(h => h.Thumbprint!.ToUpperInvariant()).Order());
        Assert.Empty(await new PendingRequestStore(cluster.Connect()).ListAsync(ns, null, CancellationToken.None));
    }

    [Fact]
    public async Task A_secret_renewed_by_a_publish_after_the_read_under_the_lease_is_left_as_it_is_and_the_pending_key_goes()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await SeedAsync(cluster, "sync-published-meanwhile-");
        var fresh = TestCertificates.Create("CN=" + Host, [Host], validDays: 200, daysAgo: 1);
        async Task<IReadOnlyList<X509Certificate2>?> Interleaved(CertificateSigningRequest request, CancellationToken c)
        {
            // While the CA works, someone publishes a certificate that is not due: the target needs nothing any more.
            var secret = (await cluster.Http.GetAsync($"/api/v1/namespaces/{ns}/secrets/shop-tls", c)).Object;
            var replaced = ClusterObjects.TlsSecret(ns, "shop-tls", fresh);
            replaced["metadata"]!["resourceVersion"] = secret["metadata"]!["resourceVersion"]!.GetValue<string>();
            Assert.Equal(200, (await cluster.Http.PutAsync($"/api/v1/namespaces/{ns}/secrets/shop-tls", replaced, c)).StatusCode);
            return [RequestCompletionTests.Sign(request.Csr, "CN=" + Host, [Host])];
        }

        var outcome = Assert.Single(await Runner(cluster, Interleaved).RunAsync(Due(ns), null, CancellationToken.None));

        Assert.Equal("Unchanged", outcome.Result.Action);
        Assert.Null(outcome.Error);
        Assert.Equal(fresh.Certificate.Thumbprint, (await SecretLeafAsync(cluster, ns)).Thumbprint);
        // The key of a certificate that will not be used is not kept in the cluster for nothing.
        Assert.Empty(await new PendingRequestStore(cluster.Connect()).ListAsync(ns, null, CancellationToken.None));
        Assert.Equal(404, (await cluster.Http.GetAsync(LeasePath(ns))).StatusCode);
    }

    [Fact]
    public async Task A_run_whose_expired_lease_was_taken_over_while_the_ca_worked_does_not_renew_the_target_a_second_time_nor_keep_a_second_copy_in_history()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await SeedAsync(cluster, "sync-takeover-history-");
        var original = await SecretLeafAsync(cluster, ns);
        var now = DateTimeOffset.UtcNow;
        SyncOutcome? other = null;
        async Task<IReadOnlyList<X509Certificate2>?> Paused(CertificateSigningRequest request, CancellationToken c)
        {
            // This run stalls at its CA past its Lease's duration (no renewal got through); another run takes the expired
            // Lease over and renews the target meanwhile.
            other = Assert.Single(await Runner(cluster, Ca, clock: () => now.AddSeconds(61), historyLimit: 5).RunAsync(Due(ns), null, c));
            return [RequestCompletionTests.Sign(request.Csr, "CN=" + Host, [Host])];
        }

        var mine = Assert.Single(await Runner(cluster, Paused, clock: () => now, historyLimit: 5).RunAsync(Due(ns), null, CancellationToken.None));

        Assert.Equal("Renewed", other!.Result.Action);
        Assert.Equal("Unchanged", mine.Result.Action);
        Assert.Null(mine.Error);
        Assert.Equal(other.Result.Thumbprint, (await SecretLeafAsync(cluster, ns)).Thumbprint);
        // One copy of the original: the winner's, the one its record names (what Undo restores). The copy the losing
        // run made before its write met the Conflict is gone.
        var history = await new SecretHistoryReader(cluster.Connect()).ListAsync(ns, "shop-tls", CancellationToken.None) ?? [];
        var entry = Assert.Single(history);
        Assert.Equal(original.Thumbprint, entry.Thumbprint, ignoreCase: true);
        var secret = (await cluster.Http.GetAsync($"/api/v1/namespaces/{ns}/secrets/shop-tls")).Object;
        var record = PublishRecord.Read(k8s.KubernetesJson.Deserialize<k8s.Models.V1Secret>(secret.ToJsonString()))!;
        Assert.Equal(record.ArchiveName, entry.Name);

        // The next renewal adds one entry (the winner's certificate): each certificate is in history once.
        var next = TestCertificates.Create("CN=" + Host, [Host], validDays: 90, daysAgo: 0);
        using (var payload = new PublishPayload(next.Certificate, next.CertificatePem, System.Text.Encoding.ASCII.GetBytes(next.KeyPem)))
        {
            var operation = new PublishOperation(new Publisher(new ClusterWriter(cluster.Connect()), new PublishOptions(HistoryLimit: 5)));
            var plan = await operation.PlanAsync(new PublishTarget(ns, "shop-tls", Hosts: [Host]), payload, CancellationToken.None);
            Assert.Equal(PublishAction.Updated, (await operation.RunAsync(plan, payload, null, null, CancellationToken.None)).Action);
        }

        history = await new SecretHistoryReader(cluster.Connect()).ListAsync(ns, "shop-tls", CancellationToken.None) ?? [];
        Assert.Equal(
            new[] { other.Result.Thumbprint!, original.Thumbprint }.Select(t => t.ToUpperInvariant()).Order(),
            history.Select(h => h.Thumbprint!.ToUpperInvariant()).Order());
    }

    [Fact]
    public async Task Deleting_a_request_replaced_meanwhile_is_refused_as_not_found_and_leaves_the_new_one()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("req-replaced-");
        var store = new PendingRequestStore(cluster.Connect());
        var hosts = RequestHosts.Parse([Host], out _)!;
        using var first = RequestKey.Create(RequestKeySpec.Default, SubjectName.Default(hosts), hosts);
        using var second = RequestKey.Create(RequestKeySpec.Default, SubjectName.Default(hosts), hosts);
        var made = await store.CreateAsync(ns, "shop-tls", null, first, force: false, null, CancellationToken.None);
        var replacement = await store.CreateAsync(ns, "shop-tls", null, second, force: true, null, CancellationToken.None);
        Assert.NotEqual(made.Uid, replacement.Uid);

        var refused = await Assert.ThrowsAsync<PublishRefusedException>(() => store.DeleteAsync(made, null, CancellationToken.None));

        Assert.Equal(PendingRequestStore.NotFound, refused.Refusal.Id);
        Assert.Equal(replacement.Uid, (await store.GetAsync(ns, "shop-tls", CancellationToken.None))!.Uid);
    }
}
