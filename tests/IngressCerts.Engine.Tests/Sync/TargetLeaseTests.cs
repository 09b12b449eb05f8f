using IngressCerts.Engine.Sync;
using IngressCerts.Engine.Tests.Integration;
using IngressCerts.TestServer.Testing;

namespace IngressCerts.Engine.Tests.Sync;

/// <summary>One run at a time per target Secret, arbitrated by the API server through a coordination.k8s.io/v1 Lease.</summary>
public sealed class TargetLeaseTests
{
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task Of_runs_racing_for_one_lease_exactly_one_wins_and_the_others_name_it()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("lease-race-");
        var holders = Enumerable.Range(0, 6).Select(i => $"run-{i}").ToList();
        var attempts = await Task.WhenAll(holders.Select(h => Task.Run(() =>
            TargetLease.TryAcquireAsync(cluster.Connect(), ns, "shop-tls", h, Long, null, CancellationToken.None))));

        var winner = Assert.Single(attempts, a => a.Acquired);
        foreach (var lost in attempts.Where(a => !a.Acquired))
        {
            Assert.Equal(winner.Holder, lost.Holder);
        }

        var stored = (await cluster.Http.GetAsync($"/apis/coordination.k8s.io/v1/namespaces/{ns}/leases/shop-tls-ingresscerts-sync")).Object;
        Assert.Equal(winner.Holder, stored["spec"]!["holderIdentity"]!.GetValue<string>());
        await winner.Lease!.ReleaseAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_lease_whose_holder_stopped_renewing_is_taken_over_once_it_expired_and_not_before()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("lease-expired-");
        var now = DateTimeOffset.UtcNow;
        var crashed = await TargetLease.TryAcquireAsync(cluster.Connect(), ns, "shop-tls", "crashed", TimeSpan.FromSeconds(30), () => now, CancellationToken.None);
        Assert.True(crashed.Acquired);

        var early = await TargetLease.TryAcquireAsync(cluster.Connect(), ns, "shop-tls", "next", TimeSpan.FromSeconds(30), () => now.AddSeconds(20), CancellationToken.None);
        Assert.False(early.Acquired);
        Assert.Equal("crashed", early.Holder);

        var late = await TargetLease.TryAcquireAsync(cluster.Connect(), ns, "shop-tls", "next", TimeSpan.FromSeconds(30), () => now.AddSeconds(31), CancellationToken.None);
        Assert.True(late.Acquired);
        var stored = (await cluster.Http.GetAsync($"/apis/coordination.k8s.io/v1/namespaces/{ns}/leases/shop-tls-ingresscerts-sync")).Object;
        Assert.Equal(1, stored["spec"]!["leaseTransitions"]!.GetValue<int>());

        // The crashed run, coming back, finds its Lease gone and says so instead of working on.
        Assert.False(await crashed.Lease!.RenewAsync(CancellationToken.None));
        Assert.True(crashed.Lease.Lost.IsCancellationRequested);
        Assert.Contains("next", crashed.Lease.LostReason, StringComparison.Ordinal);
        await late.Lease!.ReleaseAsync(CancellationToken.None);
        await crashed.Lease.DisposeAsync();
    }

    [Fact]
    public async Task Renewal_keeps_the_lease_past_its_duration_and_release_frees_it_for_the_next_run()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("lease-renew-");
        var now = DateTimeOffset.UtcNow;
        DateTimeOffset Clock() => now;
        var held = await TargetLease.TryAcquireAsync(cluster.Connect(), ns, "shop-tls", "worker", TimeSpan.FromSeconds(30), Clock, CancellationToken.None);
        Assert.True(held.Acquired);

        now = now.AddSeconds(25);
        Assert.True(await held.Lease!.RenewAsync(CancellationToken.None));
        now = now.AddSeconds(25);
        var other = await TargetLease.TryAcquireAsync(cluster.Connect(), ns, "shop-tls", "other", TimeSpan.FromSeconds(30), Clock, CancellationToken.None);
        Assert.False(other.Acquired);
        Assert.Equal("worker", other.Holder);

        // Release deletes the Lease: the next run takes it with a create alone.
        await held.Lease.ReleaseAsync(CancellationToken.None);
        Assert.Equal(404, (await cluster.Http.GetAsync($"/apis/coordination.k8s.io/v1/namespaces/{ns}/leases/shop-tls-ingresscerts-sync")).StatusCode);
        var next = await TargetLease.TryAcquireAsync(cluster.Connect(), ns, "shop-tls", "other", TimeSpan.FromSeconds(30), Clock, CancellationToken.None);
        Assert.True(next.Acquired);
        await next.Lease!.ReleaseAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Release_deletes_only_the_lease_as_this_run_last_wrote_it_and_leaves_one_taken_over_alone()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("lease-release-");
        var now = DateTimeOffset.UtcNow;
        var slow = await TargetLease.TryAcquireAsync(cluster.Connect(), ns, "shop-tls", "slow", TimeSpan.FromSeconds(30), () => now, CancellationToken.None);
        Assert.True(slow.Acquired);

        // The slow run missed its renewals; another took the expired Lease over. The slow run, releasing without having
        // noticed, must not delete the Lease the other now holds: its delete carries the version it last wrote.
        var next = await TargetLease.TryAcquireAsync(cluster.Connect(), ns, "shop-tls", "next", TimeSpan.FromSeconds(30), () => now.AddSeconds(31), CancellationToken.None);
        Assert.True(next.Acquired);
        await slow.Lease!.ReleaseAsync(CancellationToken.None);
        var stored = (await cluster.Http.GetAsync($"/apis/coordination.k8s.io/v1/namespaces/{ns}/leases/shop-tls-ingresscerts-sync")).Object;
        Assert.Equal("next", stored["spec"]!["holderIdentity"]!.GetValue<string>());

        await next.Lease!.ReleaseAsync(CancellationToken.None);
        Assert.Equal(404, (await cluster.Http.GetAsync($"/apis/coordination.k8s.io/v1/namespaces/{ns}/leases/shop-tls-ingresscerts-sync")).StatusCode);
        await slow.Lease.DisposeAsync();
        await next.Lease.DisposeAsync();
    }

    [Fact]
    public async Task A_lease_left_by_an_older_release_that_cleared_its_holder_is_taken_with_a_create_a_read_and_an_update()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("lease-cleared-");
        var body = new System.Text.Json.Nodes.JsonObject
        {
            ["apiVersion"] = "coordination.k8s.io/v1", ["kind"] = "Lease",
            ["metadata"] = new System.Text.Json.Nodes.JsonObject { ["name"] = "shop-tls-ingresscerts-sync" },
            ["spec"] = new System.Text.Json.Nodes.JsonObject { ["leaseDurationSeconds"] = 60, ["leaseTransitions"] = 2 },
        };
        Assert.Equal(201, (await cluster.Http.PostAsync($"/apis/coordination.k8s.io/v1/namespaces/{ns}/leases", body)).StatusCode);

        var taken = await TargetLease.TryAcquireAsync(cluster.Connect(), ns, "shop-tls", "run", TimeSpan.FromSeconds(30), null, CancellationToken.None);
        Assert.True(taken.Acquired);
        var stored = (await cluster.Http.GetAsync($"/apis/coordination.k8s.io/v1/namespaces/{ns}/leases/shop-tls-ingresscerts-sync")).Object;
        Assert.Equal("run", stored["spec"]!["holderIdentity"]!.GetValue<string>());
        await taken.Lease!.DisposeAsync();
        Assert.Equal(404, (await cluster.Http.GetAsync($"/apis/coordination.k8s.io/v1/namespaces/{ns}/leases/shop-tls-ingresscerts-sync")).StatusCode);
    }

    [ServerOnlyTheory]
    [InlineData("leaseDurationSeconds", "0", "spec.leaseDurationSeconds")]
    [InlineData("leaseTransitions", "-1", "spec.leaseTransitions")]
    [InlineData("renewTime", "\"2026-01-01T00:00:00Z\"", "spec.renewTime")]
    public async Task The_test_server_refuses_a_lease_the_api_server_would_refuse(string field, string value, string path)
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("lease-invalid-");
        var spec = new System.Text.Json.Nodes.JsonObject { ["holderIdentity"] = "run", ["leaseDurationSeconds"] = 30, ["renewTime"] = "2026-01-01T00:00:00.000000Z" };
        spec[field] = System.Text.Json.Nodes.JsonNode.Parse(value);
        var body = new System.Text.Json.Nodes.JsonObject
        {
            ["apiVersion"] = "coordination.k8s.io/v1", ["kind"] = "Lease",
            ["metadata"] = new System.Text.Json.Nodes.JsonObject { ["name"] = "l" }, ["spec"] = spec,
        };
        var answer = await cluster.Http.PostAsync($"/apis/coordination.k8s.io/v1/namespaces/{ns}/leases", body);
        Assert.Equal(422, answer.StatusCode);
        Assert.Contains(path, answer.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Lease_names_stay_valid_for_the_longest_secret_names()
    {
        Assert.Equal("shop-tls-ingresscerts-sync", TargetLease.NameFor("shop-tls"));
        string longName = new string('a', 253);
        string name = TargetLease.NameFor(longName);
        Assert.True(name.Length <= 253);
        Assert.EndsWith(TargetLease.NameSuffix, name, StringComparison.Ordinal);
        Assert.NotEqual(name, TargetLease.NameFor(new string('a', 252) + "b"));
    }
}
