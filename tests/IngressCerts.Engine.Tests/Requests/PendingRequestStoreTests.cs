using System.Text;
using IngressCerts.Engine.Kubernetes;
using IngressCerts.Engine.Publishing;
using IngressCerts.Engine.Requests;
using IngressCerts.Engine.Tests.Integration;
using IngressCerts.TestServer;
using IngressCerts.TestServer.Auth;
using IngressCerts.TestServer.Testing;

namespace IngressCerts.Engine.Tests.Requests;

/// <summary>Pending requests in a cluster: one per Secret, found by target or by key, the key only where it belongs.</summary>
public sealed class PendingRequestStoreTests
{
    private static RequestKey NewKey(params string[] hosts)
    {
        var parsed = RequestHosts.Parse(hosts.Length == 0 ? ["shop.contoso.example"] : hosts, out _)!;
        return RequestKey.Create(RequestKeySpec.Default, SubjectName.Default(parsed), parsed);
    }

    [Fact]
    public async Task A_request_is_kept_as_a_secret_of_its_own_type_that_any_later_run_finds_by_target_or_by_key()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("req-");
        using var key = NewKey("shop.contoso.example", "10.0.0.7");
        var made = await new PendingRequestStore(cluster.Connect()).CreateAsync(ns, "shop-tls", "shop", key, force: false, null, CancellationToken.None);

        var raw = (await cluster.Http.GetAsync($"/api/v1/namespaces/{ns}/secrets/shop-tls-pending-key")).Object;
        Assert.Equal(PendingRequestSecret.Type, raw["type"]!.GetValue<string>());
        Assert.Equal("shop-tls", raw["metadata"]!["labels"]![PendingRequestSecret.RequestFor]!.GetValue<string>());
        string storedKey = Encoding.ASCII.GetString(Convert.FromBase64String(raw["data"]![PendingRequestSecret.KeyField]!.GetValue<string>()));
        Assert.Equal(Encoding.ASCII.GetString(key.Pkcs8Pem), storedKey);

        // A fresh store (another process, another context) finds it.
        var store = new PendingRequestStore(cluster.Connect());
        var byTarget = await store.GetAsync(ns, "shop-tls", CancellationToken.None);
        Assert.NotNull(byTarget);
        Assert.Equal(new[] { "shop.contoso.example", "10.0.0.7" }, byTarget!.Hosts);
        Assert.Equal("shop", byTarget.IngressName);
        Assert.Equal(key.CsrPem, byTarget.CsrPem);
        Assert.Equal(made.PublicKeySha256, byTarget.PublicKeySha256);
        var byKey = Assert.Single(await store.ListAsync(null, key.PublicKeySha256, CancellationToken.None));
        Assert.Equal(made.PendingSecretName, byKey.PendingSecretName);
        byte[] read = await store.ReadKeyAsync(byKey, CancellationToken.None);
        Assert.Equal(key.Pkcs8Pem.ToArray(), read);
        Assert.DoesNotContain("PRIVATE", made.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_request_for_a_Gateway_keeps_the_Gateway_listener_and_grant_choice_for_a_later_run()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("req-");
        using var key = NewKey("shop.apps.contoso.example");
        var gateway = new RequestGateway("edge", "gw", "https", GrantReference: true);
        var made = await new PendingRequestStore(cluster.Connect()).CreateAsync(ns, "shop-tls", null, key, force: false, null, CancellationToken.None, gateway: gateway);
        Assert.Equal(gateway, made.Gateway);

        var raw = (await cluster.Http.GetAsync($"/api/v1/namespaces/{ns}/secrets/shop-tls-pending-key")).Object;
        Assert.Equal("edge/gw", raw["metadata"]!["annotations"]![PendingRequestSecret.Gateway]!.GetValue<string>());
        var found = await new PendingRequestStore(cluster.Connect()).GetAsync(ns, "shop-tls", CancellationToken.None);
        Assert.Equal(gateway, found!.Gateway);
        Assert.Null(found.IngressName);
        var listed = RequestViews.Listed(found, "ctx", DateTimeOffset.UtcNow);
        Assert.Equal(("gw", "edge", "https", true), (listed.GatewayName, listed.GatewayNamespace, listed.ListenerName, listed.GrantReference));
    }

    [Theory]
    [InlineData("edge/gw", null, null, "edge", "gw", null, false)]
    [InlineData("edge/gw", "", "false", "edge", "gw", null, false)]
    [InlineData("gw", "https", "true", null, null, null, false)]
    [InlineData("Edge/gw", null, null, null, null, null, false)]
    [InlineData("a/b/c", null, null, null, null, null, false)]
    [InlineData("edge/", null, null, null, null, null, false)]
    public void A_hand_edited_Gateway_annotation_names_a_valid_Gateway_or_none(string annotation, string? listener, string? grant, string? ns, string? name, string? expectedListener, bool expectedGrant)
    {
        using var key = NewKey();
        var secret = PendingRequestSecret.Build("shop", "shop-tls", null, key, DateTimeOffset.UtcNow);
        secret.Metadata.Annotations[PendingRequestSecret.Gateway] = annotation;
        if (listener is not null)
        {
            secret.Metadata.Annotations[PendingRequestSecret.Listener] = listener;
        }

        if (grant is not null)
        {
            secret.Metadata.Annotations[PendingRequestSecret.GrantReference] = grant;
        }

        var read = PendingRequestSecret.Read(secret)!;
        Assert.Equal(ns is null ? null : new RequestGateway(ns, name!, expectedListener, expectedGrant), read.Gateway);
    }

    [Fact]
    public async Task A_second_request_for_the_same_secret_is_refused_unless_forced()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("req-twice-");
        var store = new PendingRequestStore(cluster.Connect());
        using var first = NewKey();
        using var second = NewKey();
        await store.CreateAsync(ns, "shop-tls", null, first, force: false, null, CancellationToken.None);

        var refused = await Assert.ThrowsAsync<PublishRefusedException>(() => store.CreateAsync(ns, "shop-tls", null, second, force: false, null, CancellationToken.None));
        Assert.Equal(PendingRequestStore.AlreadyPending, refused.Refusal.Id);
        Assert.Equal(first.PublicKeySha256, (await store.GetAsync(ns, "shop-tls", CancellationToken.None))!.PublicKeySha256);

        await store.CreateAsync(ns, "shop-tls", null, second, force: true, null, CancellationToken.None);
        Assert.Equal(second.PublicKeySha256, (await store.GetAsync(ns, "shop-tls", CancellationToken.None))!.PublicKeySha256);
        Assert.Single(await store.ListAsync(ns, null, CancellationToken.None));
    }

    [ServerOnlyFact]
    public async Task A_create_that_meets_a_request_deleted_before_it_is_read_is_made_again()
    {
        await using var cluster = await TestCluster.StartAsync();
        var server = cluster.RequireServer();
        string ns = await cluster.CreateNamespaceAsync("req-gone-");
        var store = new PendingRequestStore(cluster.Connect());
        using var other = NewKey();
        using var mine = NewKey();
        await store.CreateAsync(ns, "shop-tls", null, other, force: false, null, CancellationToken.None);

        // Sync's create-first (foundNone): the create meets the other request (AlreadyExists); before it is read, that
        // request is completed or removed (Complete-/Remove-IngressCertificateRequest), so the read finds none.
        string path = $"/api/v1/namespaces/{ns}/secrets/shop-tls-pending-key";
        server.Faults.Add(new TestServer.Faults.Fault { Method = "GET", PathPrefix = path, Kind = TestServer.Faults.FaultKind.Stall(TimeSpan.FromSeconds(2)) });
        var creating = store.CreateAsync(ns, "shop-tls", null, mine, force: false, null, CancellationToken.None, foundNone: true, reuseFound: _ => true);
        for (int i = 0; i < 200 && server.Faults.Pending.Count > 0; i++)
        {
            await Task.Delay(10);
        }

        Assert.Empty(server.Faults.Pending);
        await cluster.Http.DeleteAsync(path);
        var made = await creating;

        // Nothing is pending any more: the create is made again, and this run's key is the request.
        Assert.Equal(mine.PublicKeySha256, made.PublicKeySha256);
        var pending = (await store.GetAsync(ns, "shop-tls", CancellationToken.None))!;
        Assert.Equal(mine.PublicKeySha256, pending.PublicKeySha256);
        Assert.Equal(mine.Pkcs8Pem.ToArray(), await store.ReadKeyAsync(pending, CancellationToken.None));
    }

    [Fact]
    public async Task Of_two_runs_that_create_at_once_exactly_one_wins()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("req-race-");
        var keys = Enumerable.Range(0, 4).Select(_ => NewKey()).ToList();
        var runs = keys.Select(k => Task.Run(async () =>
        {
            try
            {
                await new PendingRequestStore(cluster.Connect()).CreateAsync(ns, "shop-tls", null, k, force: false, null, CancellationToken.None);
                return k.PublicKeySha256;
            }
            catch (PublishRefusedException ex) when (ex.Refusal.Id == PendingRequestStore.AlreadyPending)
            {
                return null;
            }
        })).ToList();
        var winners = (await Task.WhenAll(runs)).Where(w => w is not null).ToList();

        string winner = Assert.Single(winners)!;
        Assert.Equal(winner, (await new PendingRequestStore(cluster.Connect()).GetAsync(ns, "shop-tls", CancellationToken.None))!.PublicKeySha256);
        keys.ForEach(k => k.Dispose());
    }

    [Fact]
    public async Task A_secret_of_another_kind_under_the_pending_name_is_left_alone_even_with_force()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("req-taken-");
        await cluster.Http.PostAsync($"/api/v1/namespaces/{ns}/secrets",
            new System.Text.Json.Nodes.JsonObject { ["apiVersion"] = "v1", ["kind"] = "Secret", ["metadata"] = new System.Text.Json.Nodes.JsonObject { ["name"] = "shop-tls-pending-key" }, ["type"] = "Opaque" });
        using var key = NewKey();
        var refused = await Assert.ThrowsAsync<PublishRefusedException>(() =>
            new PendingRequestStore(cluster.Connect()).CreateAsync(ns, "shop-tls", null, key, force: true, null, CancellationToken.None));
        Assert.Equal(PendingRequestStore.NameTaken, refused.Refusal.Id);
    }

    [Fact]
    public async Task Deleting_a_request_removes_it_and_deleting_it_again_is_done_already()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("req-del-");
        var store = new PendingRequestStore(cluster.Connect());
        using var key = NewKey();
        var made = await store.CreateAsync(ns, "shop-tls", null, key, force: false, null, CancellationToken.None);
        await store.DeleteAsync(made, null, CancellationToken.None);
        Assert.Null(await store.GetAsync(ns, "shop-tls", CancellationToken.None));
        await store.DeleteAsync(made, null, CancellationToken.None);
    }

    [ServerOnlyFact]
    public async Task A_user_who_may_not_create_secrets_is_refused_before_any_write()
    {
        await using var cluster = await TestCluster.StartAsync();
        var server = cluster.RequireServer();
        string ns = await cluster.CreateNamespaceAsync("req-rights-");
        var connection = server.ConnectAs("reader", AccessRule.Allow("get,list", "secrets", ns));
        int writesBefore = server.RequestLog.Snapshot().Count(r => r.Method != "GET" && !r.PathAndQuery.Contains("accessreviews", StringComparison.Ordinal));
        using var key = NewKey();

        var refused = await Assert.ThrowsAsync<PublishRefusedException>(() =>
            new PendingRequestStore(connection).CreateAsync(ns, "shop-tls", null, key, force: false, null, CancellationToken.None));

        Assert.Equal(WritePreflight.ErrorId, refused.Refusal.Id);
        Assert.Contains("create secrets", refused.Refusal.Message, StringComparison.Ordinal);
        Assert.Equal(writesBefore, server.RequestLog.Snapshot().Count(r => r.Method != "GET" && !r.PathAndQuery.Contains("accessreviews", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Every_pending_key_read_while_looking_up_or_replacing_a_request_is_zeroed_once_used()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("req-wipe-");
        var read = new List<k8s.Models.V1Secret>();
        var store = new PendingRequestStore(cluster.Connect()) { SecretRead = s => { lock (read) read.Add(s); } };
        using var first = NewKey();
        await store.CreateAsync(ns, "shop-tls", "shop", first, force: false, null, CancellationToken.None);

        // Looking it up reads the pending Secret, key and all; only its description is kept.
        read.Clear();
        var found = await store.GetAsync(ns, "shop-tls", CancellationToken.None);
        Assert.NotNull(found);
        var lookedUp = Assert.Single(read);
        Assert.NotEmpty(lookedUp.Data[PendingRequestSecret.KeyField]);
        Assert.All(lookedUp.Data.Values, v => Assert.True(v.All(b => b == 0), "the key read by GetAsync was left in memory"));

        // Replacing it (-Force) and being refused (no -Force) read the one there: its key is wiped either way.
        read.Clear();
        using var second = NewKey();
        await Assert.ThrowsAsync<PublishRefusedException>(() => store.CreateAsync(ns, "shop-tls", "shop", second, force: false, null, CancellationToken.None));
        await store.CreateAsync(ns, "shop-tls", "shop", second, force: true, null, CancellationToken.None);
        Assert.NotEmpty(read);
        Assert.All(read, s => Assert.All(s.Data?.Values ?? [], v => Assert.True(v.All(b => b == 0), "a key read by CreateAsync was left in memory")));
    }
}
