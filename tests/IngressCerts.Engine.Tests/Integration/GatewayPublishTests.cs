using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using IngressCerts.Engine.Kubernetes;
using IngressCerts.Engine.Probing;
using IngressCerts.Engine.Publishing;
using IngressCerts.Engine.Tests.Support;
using IngressCerts.TestServer.Auth;
using IngressCerts.TestServer.Faults;
using IngressCerts.TestServer.Testing;

namespace IngressCerts.Engine.Tests.Integration;

/// <summary>
/// Delivery to Gateway listeners end to end, through the one write path: on the test server, or unchanged on a real
/// cluster that serves the Gateway API (each test compares only the objects it made).
/// </summary>
public sealed class GatewayPublishTests
{
    private sealed class ServingProbe(X509Certificate2 serving) : ITlsProbe
    {
        public Task<ProbeResult> ProbeAsync(ProbeRequest request, TimeSpan timeout, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ProbeResult { Endpoint = request.Endpoint, Sni = request.Sni, Leaf = serving });
    }

    private static TestCertificates.Issued Cert(string host = "shop.example") => TestCertificates.Create($"CN={host}", new[] { host });

    private static PublishPayload Payload(TestCertificates.Issued cert) => new(cert.Certificate, cert.CertificatePem, Encoding.ASCII.GetBytes(cert.KeyPem));

    /// <summary>A Gateway with two HTTPS listeners (shop, api) each serving its own Secret, and a plain HTTP one.</summary>
    private static JsonObject TwoListenerGateway(string ns) => JsonNode.Parse($$$"""
        {"apiVersion":"gateway.networking.k8s.io/v1","kind":"Gateway","metadata":{"name":"edge","namespace":"{{{ns}}}"},
         "spec":{"gatewayClassName":"example","listeners":[
           {"name":"shop","protocol":"HTTPS","port":443,"hostname":"shop.example","tls":{"mode":"Terminate","certificateRefs":[{"kind":"Secret","name":"old-shop"}]}},
           {"name":"api","protocol":"HTTPS","port":443,"hostname":"api.example","tls":{"mode":"Terminate","certificateRefs":[{"kind":"Secret","name":"old-api"}]}},
           {"name":"http","protocol":"HTTP","port":80}]}}
        """)!.AsObject();

    private static PublishTarget Target(string secretNs, string secret, string gatewayNs, string host, bool grant = false) =>
        new(secretNs, secret, Hosts: new[] { host }) { GatewayName = "edge", GatewayNamespace = gatewayNs, GrantReference = grant };

    private static PublishOperation Operation(ClusterConnection connection, ITlsProbe? probe = null) =>
        new(new Publisher(new ClusterWriter(connection), new PublishOptions()), new ServedVerifier(probe, TimeSpan.FromMilliseconds(50)));

    private static async Task<PublishOutcome> PublishAsync(ClusterConnection connection, PublishTarget target, TestCertificates.Issued cert, VerifyOptions? verify = null, ITlsProbe? probe = null)
    {
        using var payload = Payload(cert);
        var operation = Operation(connection, probe);
        var plan = await operation.PlanAsync(target, payload, CancellationToken.None);
        return await operation.RunAsync(plan, payload, verify, callbacks: null, CancellationToken.None);
    }

    /// <summary>The refusal of a plan (the cmdlets report it and stop), after running it anyway to show that nothing is written.</summary>
    private static async Task<PublishRefusal> RefusalAsync(ClusterConnection connection, PublishTarget target, TestCertificates.Issued cert)
    {
        using var payload = Payload(cert);
        var operation = Operation(connection);
        var plan = await operation.PlanAsync(target, payload, CancellationToken.None);
        Assert.False(plan.HasChanges);
        await operation.RunAsync(plan, payload, null, null, CancellationToken.None);
        return plan.Refusal!;
    }

    private static async Task<JsonObject?> GetAsync(TestCluster cluster, string path)
    {
        var response = await cluster.Http.GetAsync(path);
        return response.StatusCode == 404 ? null : response.Object;
    }

    private static Task<JsonObject?> GatewayAsync(TestCluster cluster, string ns) => GetAsync(cluster, $"/apis/gateway.networking.k8s.io/v1/namespaces/{ns}/gateways/edge");

    private static Task<JsonObject?> GrantAsync(TestCluster cluster, string ns, string name) => GetAsync(cluster, $"/apis/gateway.networking.k8s.io/v1beta1/namespaces/{ns}/referencegrants/{name}");

    /// <summary>Each listener's certificateRefs as "namespace/name" (namespace omitted when unset).</summary>
    private static Dictionary<string, string> RefsOf(JsonObject gateway) =>
        gateway["spec"]!["listeners"]!.AsArray().ToDictionary(
            l => l!["name"]!.GetValue<string>(),
            l => string.Join(",", (l!["tls"]?["certificateRefs"] as JsonArray ?? new JsonArray())
                .Select(r => (r!["namespace"]?.GetValue<string>() is { } n ? n + "/" : string.Empty) + r["name"]!.GetValue<string>())));

    private static List<string> GrantTargets(JsonObject grant) =>
        grant["spec"]!["to"]!.AsArray().Select(t => t!["name"]?.GetValue<string>() ?? "*").ToList();

    [GatewayApiFact]
    public async Task Same_namespace_publish_wires_only_the_listener_that_covers_the_host_and_undo_puts_its_reference_back()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("gwpub-");
        await cluster.CreateAsync(TwoListenerGateway(ns));
        var connection = cluster.Connect();

        var outcome = await PublishAsync(connection, Target(ns, "shop-tls", ns, "shop.example"), Cert());

        Assert.Equal(PublishAction.Created, outcome.Action);
        Assert.Equal(new[] { "shop" }, outcome.Listeners);
        var gateway = (await GatewayAsync(cluster, ns))!;
        var refs = RefsOf(gateway);
        Assert.Equal("shop-tls", refs["shop"]); // the listener's only reference was replaced
        Assert.Equal("old-api", refs["api"]);
        Assert.Equal(string.Empty, refs["http"]);
        var sent = gateway["spec"]!["listeners"]![0]!["tls"]!["certificateRefs"]![0]!;
        Assert.Equal(string.Empty, sent["group"]!.GetValue<string>());
        Assert.Equal("Secret", sent["kind"]!.GetValue<string>());

        var undone = await new Publisher(new ClusterWriter(connection), new PublishOptions()).UndoAsync(ns, "shop-tls", force: false, CancellationToken.None);

        Assert.Equal(PublishAction.Deleted, undone.Action);
        Assert.Equal(new[] { "shop" }, undone.Listeners);
        var after = (await GatewayAsync(cluster, ns))!;
        Assert.Equal(new Dictionary<string, string> { ["shop"] = "old-shop", ["api"] = "old-api", ["http"] = string.Empty }, RefsOf(after));
        Assert.Null(after["metadata"]!["annotations"]?[GatewayWiringRecord.Annotation]);
        Assert.Null(await GetAsync(cluster, $"/api/v1/namespaces/{ns}/secrets/shop-tls"));
    }

    [GatewayApiFact]
    public async Task A_host_that_no_listener_covers_is_refused_naming_the_gateway_and_the_host_and_nothing_is_written()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("gwnone-");
        await cluster.CreateAsync(TwoListenerGateway(ns));
        var before = (await GatewayAsync(cluster, ns))!["metadata"]!["resourceVersion"]!.GetValue<string>();

        var refused = await RefusalAsync(cluster.Connect(), Target(ns, "blog-tls", ns, "blog.example"), Cert("blog.example"));

        Assert.Equal("NoMatchingListener", refused.Id);
        Assert.Contains($"Gateway {ns}/edge", refused.Message, StringComparison.Ordinal);
        Assert.Contains("blog.example", refused.Message, StringComparison.Ordinal);
        Assert.Null(await GetAsync(cluster, $"/api/v1/namespaces/{ns}/secrets/blog-tls"));
        Assert.Equal(before, (await GatewayAsync(cluster, ns))!["metadata"]!["resourceVersion"]!.GetValue<string>());
    }

    [GatewayApiFact]
    public async Task A_cross_namespace_publish_without_GrantReference_is_refused_with_the_grant_it_needs_and_writes_nothing()
    {
        await using var cluster = await TestCluster.StartAsync();
        string gw = await cluster.CreateNamespaceAsync("gwedge-");
        string certs = await cluster.CreateNamespaceAsync("gwcerts-");
        await cluster.CreateAsync(TwoListenerGateway(gw));

        var refused = await RefusalAsync(cluster.Connect(), Target(certs, "shop-tls", gw, "shop.example"), Cert());

        Assert.Equal("ReferenceGrantRequired", refused.Id);
        Assert.Contains("kind: ReferenceGrant", refused.Message, StringComparison.Ordinal);
        Assert.Contains($"namespace: {certs}", refused.Message, StringComparison.Ordinal);
        Assert.Contains($"namespace: {gw}", refused.Message, StringComparison.Ordinal);
        Assert.Contains("name: shop-tls", refused.Message, StringComparison.Ordinal);
        Assert.Null(await GetAsync(cluster, $"/api/v1/namespaces/{certs}/secrets/shop-tls"));
        Assert.Equal("old-shop", RefsOf((await GatewayAsync(cluster, gw))!)["shop"]);
        Assert.Empty((await cluster.Http.GetAsync($"/apis/gateway.networking.k8s.io/v1beta1/namespaces/{certs}/referencegrants")).Object["items"]!.AsArray());
    }

    [GatewayApiFact]
    public async Task A_cross_namespace_publish_with_GrantReference_creates_the_grant_and_undo_removes_only_what_it_added()
    {
        await using var cluster = await TestCluster.StartAsync();
        string gw = await cluster.CreateNamespaceAsync("gwedge-");
        string certs = await cluster.CreateNamespaceAsync("gwcerts-");
        await cluster.CreateAsync(TwoListenerGateway(gw));
        var connection = cluster.Connect();

        var outcome = await PublishAsync(connection, Target(certs, "shop-tls", gw, "shop.example", grant: true), Cert());

        Assert.Equal(PublishAction.Created, outcome.Action);
        Assert.Equal($"{certs}/shop-tls", RefsOf((await GatewayAsync(cluster, gw))!)["shop"]);
        string grantName = ReferenceGrants.DefaultName(gw);
        var grant = (await GrantAsync(cluster, certs, grantName))!;
        Assert.Equal(new[] { "shop-tls" }, GrantTargets(grant));
        Assert.Equal(gw, grant["spec"]!["from"]![0]!["namespace"]!.GetValue<string>());

        // Another team lets the same Gateways use its Secret through the grant the publish made.
        grant["spec"]!["to"]!.AsArray().Add(new JsonObject { ["group"] = string.Empty, ["kind"] = "Secret", ["name"] = "team-tls" });
        Assert.Equal(200, (await cluster.Http.PutAsync($"/apis/gateway.networking.k8s.io/v1beta1/namespaces/{certs}/referencegrants/{grantName}", grant)).StatusCode);

        await new Publisher(new ClusterWriter(connection), new PublishOptions()).UndoAsync(certs, "shop-tls", force: false, CancellationToken.None);

        Assert.Equal("old-shop", RefsOf((await GatewayAsync(cluster, gw))!)["shop"]);
        var left = (await GrantAsync(cluster, certs, grantName))!;
        Assert.Equal(new[] { "team-tls" }, GrantTargets(left)); // the other team's entry stays, and with it the grant
        Assert.Null(left["metadata"]!["annotations"]?[GrantRecord.Annotation]);
    }

    [GatewayApiFact]
    public async Task GrantReference_extends_a_grant_scoped_to_the_gateways_namespace_and_undo_deletes_a_grant_it_created_when_nothing_else_is_in_it()
    {
        await using var cluster = await TestCluster.StartAsync();
        string gw = await cluster.CreateNamespaceAsync("gwedge-");
        string certs = await cluster.CreateNamespaceAsync("gwcerts-");
        await cluster.CreateAsync(TwoListenerGateway(gw));
        var theirs = JsonNode.Parse($$$"""
            {"apiVersion":"gateway.networking.k8s.io/v1beta1","kind":"ReferenceGrant","metadata":{"name":"theirs","namespace":"{{{certs}}}"},
             "spec":{"from":[{"group":"gateway.networking.k8s.io","kind":"Gateway","namespace":"{{{gw}}}"}],"to":[{"group":"","kind":"Secret","name":"team-tls"}]}}
            """)!.AsObject();
        await cluster.CreateAsync(theirs);
        var connection = cluster.Connect();
        var publisher = new Publisher(new ClusterWriter(connection), new PublishOptions());

        await PublishAsync(connection, Target(certs, "shop-tls", gw, "shop.example", grant: true), Cert());
        Assert.Equal(new[] { "team-tls", "shop-tls" }, GrantTargets((await GrantAsync(cluster, certs, "theirs"))!));
        Assert.Null(await GrantAsync(cluster, certs, ReferenceGrants.DefaultName(gw)));

        await publisher.UndoAsync(certs, "shop-tls", force: false, CancellationToken.None);
        Assert.Equal(new[] { "team-tls" }, GrantTargets((await GrantAsync(cluster, certs, "theirs"))!));

        // A grant the publish created, with nothing else in it, goes with the undo.
        string other = await cluster.CreateNamespaceAsync("gwcerts-");
        await PublishAsync(connection, Target(other, "api-tls", gw, "api.example", grant: true), Cert("api.example"));
        Assert.NotNull(await GrantAsync(cluster, other, ReferenceGrants.DefaultName(gw)));
        await publisher.UndoAsync(other, "api-tls", force: false, CancellationToken.None);
        Assert.Null(await GrantAsync(cluster, other, ReferenceGrants.DefaultName(gw)));
        Assert.Equal("old-api", RefsOf((await GatewayAsync(cluster, gw))!)["api"]);
    }

    [GatewayApiFact]
    public async Task Two_publishers_on_two_listeners_of_one_gateway_at_the_same_time_are_both_kept()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("gwtwo-");
        await cluster.CreateAsync(TwoListenerGateway(ns));
        var connection = cluster.Connect();
        var (shopCert, apiCert) = (Cert("shop.example"), Cert("api.example"));
        using var shopPayload = Payload(shopCert);
        using var apiPayload = Payload(apiCert);
        var (shop, api) = (Operation(connection), Operation(connection));

        // Both plan from the same Gateway (the same resourceVersion) before either writes: one of the two updates
        // must meet the other's change, and a real server answers it 409.
        var shopPlan = await shop.PlanAsync(Target(ns, "shop-tls", ns, "shop.example"), shopPayload, CancellationToken.None);
        var apiPlan = await api.PlanAsync(Target(ns, "api-tls", ns, "api.example"), apiPayload, CancellationToken.None);
        Assert.Equal(
            shopPlan.GatewayToWrite!.Gateway["metadata"]!["resourceVersion"]!.GetValue<string>(),
            apiPlan.GatewayToWrite!.Gateway["metadata"]!["resourceVersion"]!.GetValue<string>());

        await Task.WhenAll(
            shop.RunAsync(shopPlan, shopPayload, null, null, CancellationToken.None),
            api.RunAsync(apiPlan, apiPayload, null, null, CancellationToken.None));

        var gateway = (await GatewayAsync(cluster, ns))!;
        Assert.Equal(new Dictionary<string, string> { ["shop"] = "shop-tls", ["api"] = "api-tls", ["http"] = string.Empty }, RefsOf(gateway));
        if (cluster.Server is { } server)
        {
            // The second update carried the resourceVersion both read, met the first one's change as a 409, and was
            // made again on the Gateway read anew: no update without resourceVersion, no blind list replace.
            var puts = server.RequestLog.Where(e => e.Method == "PUT" && e.PathAndQuery.Contains($"/namespaces/{ns}/gateways/edge", StringComparison.Ordinal)).ToList();
            Assert.Equal(new[] { 200, 200, 409 }, puts.Select(p => p.StatusCode).Order());
        }
        var records = GatewayWiringRecord.ReadAll(gateway);
        Assert.Equal(new[] { $"{ns}/api-tls", $"{ns}/shop-tls" }, records.Keys.Order(StringComparer.Ordinal));

        // Each undo takes out its own listener's wiring only.
        await new Publisher(new ClusterWriter(connection), new PublishOptions()).UndoAsync(ns, "shop-tls", force: false, CancellationToken.None);
        Assert.Equal(new Dictionary<string, string> { ["shop"] = "old-shop", ["api"] = "api-tls", ["http"] = string.Empty }, RefsOf((await GatewayAsync(cluster, ns))!));
    }

    [GatewayApiFact]
    public async Task A_listener_with_a_pair_of_certificates_keeps_the_other_one_and_undo_takes_out_only_ours()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("gwpair-");
        var gateway = TwoListenerGateway(ns);
        gateway["spec"]!["listeners"]![0]!["tls"]!["certificateRefs"]!.AsArray().Add(new JsonObject { ["kind"] = "Secret", ["name"] = "shop-ecdsa" });
        await cluster.CreateAsync(gateway);
        var connection = cluster.Connect();

        await PublishAsync(connection, Target(ns, "shop-rsa", ns, "shop.example"), Cert());
        Assert.Equal("old-shop,shop-ecdsa,shop-rsa", RefsOf((await GatewayAsync(cluster, ns))!)["shop"]);

        // Publishing into one of the pair by its own name leaves the listener as it is.
        await PublishAsync(connection, Target(ns, "shop-ecdsa", ns, "shop.example"), Cert());
        Assert.Equal("old-shop,shop-ecdsa,shop-rsa", RefsOf((await GatewayAsync(cluster, ns))!)["shop"]);

        await new Publisher(new ClusterWriter(connection), new PublishOptions()).UndoAsync(ns, "shop-rsa", force: false, CancellationToken.None);
        Assert.Equal("old-shop,shop-ecdsa", RefsOf((await GatewayAsync(cluster, ns))!)["shop"]);
    }

    [GatewayApiFact]
    public async Task A_failed_verify_rolls_the_listener_back_to_the_references_it_had()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("gwroll-");
        await cluster.CreateAsync(TwoListenerGateway(ns));
        var connection = cluster.Connect();
        var stale = Cert();

        // The endpoint keeps serving another certificate: -Verify times out, and the wiring goes back.
        var outcome = await PublishAsync(connection, Target(ns, "shop-tls", ns, "shop.example"), Cert(),
            new VerifyOptions(TimeSpan.FromMilliseconds(300), Endpoint: "127.0.0.1:9"), new ServingProbe(stale.Certificate));

        Assert.Equal(PublishAction.RolledBack, outcome.Action);
        Assert.False(outcome.Verified);
        Assert.Contains($"Gateway {ns}/edge listener shop serves what it served before", outcome.VerifyFailure, StringComparison.Ordinal);
        var gateway = (await GatewayAsync(cluster, ns))!;
        Assert.Equal(new Dictionary<string, string> { ["shop"] = "old-shop", ["api"] = "old-api", ["http"] = string.Empty }, RefsOf(gateway));
        Assert.Null(gateway["metadata"]!["annotations"]?[GatewayWiringRecord.Annotation]);
    }
    /// <summary>Plans the publish, lets <paramref name="meanwhile"/> change the cluster, then runs the plan: what it returned or the message it failed with.</summary>
    private static async Task<(PublishOutcome? Outcome, string? Error, List<string> Warnings)> PublishWithChangeMeanwhileAsync(
        ClusterConnection connection, PublishTarget target, TestCertificates.Issued cert, Func<Task> meanwhile)
    {
        using var payload = Payload(cert);
        var operation = Operation(connection);
        var plan = await operation.PlanAsync(target, payload, CancellationToken.None);
        Assert.Null(plan.Refusal);
        await meanwhile();
        var warnings = new List<string>();
        try
        {
            return (await operation.RunAsync(plan, payload, null, new PublishCallbacks { Warning = warnings.Add }, CancellationToken.None), null, warnings);
        }
        catch (Exception ex) when (ex is KubeApiException or PublishRefusedException)
        {
            return (null, ex.Message, warnings);
        }
    }

    private static string GatewayPath(string ns) => $"/apis/gateway.networking.k8s.io/v1/namespaces/{ns}/gateways/edge";

    [GatewayApiFact]
    public async Task A_change_to_another_listener_between_read_and_write_is_kept()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("gwkeep-");
        await cluster.CreateAsync(TwoListenerGateway(ns));

        var (outcome, error, _) = await PublishWithChangeMeanwhileAsync(cluster.Connect(), Target(ns, "shop-tls", ns, "shop.example"), Cert(), async () =>
        {
            var gateway = (await GatewayAsync(cluster, ns))!;
            gateway["spec"]!["listeners"]![1]!["tls"]!["certificateRefs"]![0]!["name"] = "newer-api";
            gateway["spec"]!["listeners"]!.AsArray().Add(JsonNode.Parse("""{"name":"admin","protocol":"HTTPS","port":443,"hostname":"admin.example","tls":{"certificateRefs":[{"kind":"Secret","name":"admin-tls"}]}}"""));
            Assert.Equal(200, (await cluster.Http.PutAsync(GatewayPath(ns), gateway)).StatusCode);
        });

        Assert.Null(error);
        Assert.Equal(new[] { "shop" }, outcome!.Listeners);
        Assert.Equal(new Dictionary<string, string> { ["shop"] = "shop-tls", ["api"] = "newer-api", ["http"] = string.Empty, ["admin"] = "admin-tls" },
            RefsOf((await GatewayAsync(cluster, ns))!));
    }

    [GatewayApiFact]
    public async Task A_listener_renamed_or_removed_between_read_and_write_fails_the_publish_saying_what_was_written_instead_of_claiming_it_wired()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("gwgone-");
        await cluster.CreateAsync(TwoListenerGateway(ns));
        var connection = cluster.Connect();

        var (outcome, error, _) = await PublishWithChangeMeanwhileAsync(connection, Target(ns, "shop-tls", ns, "shop.example"), Cert(), async () =>
        {
            var gateway = (await GatewayAsync(cluster, ns))!;
            gateway["spec"]!["listeners"]![0]!["name"] = "shop-443";
            Assert.Equal(200, (await cluster.Http.PutAsync(GatewayPath(ns), gateway)).StatusCode);
        });

        // Nothing serves shop-tls: a publish that reported listener "shop" wired would be a lie.
        Assert.Null(outcome);
        Assert.Contains($"Gateway {ns}/edge", error, StringComparison.Ordinal);
        Assert.Contains("shop", error, StringComparison.Ordinal);
        Assert.Contains("already created", error, StringComparison.Ordinal);
        Assert.Equal("old-shop", RefsOf((await GatewayAsync(cluster, ns))!)["shop-443"]);

        // What was written is taken back by the Undo the message names.
        await new Publisher(new ClusterWriter(connection), new PublishOptions()).UndoAsync(ns, "shop-tls", force: false, CancellationToken.None);
        Assert.Null(await GetAsync(cluster, $"/api/v1/namespaces/{ns}/secrets/shop-tls"));
    }

    [GatewayApiFact]
    public async Task A_gateway_deleted_between_read_and_write_fails_the_publish_saying_what_was_written_and_undo_takes_it_back()
    {
        await using var cluster = await TestCluster.StartAsync();
        string gw = await cluster.CreateNamespaceAsync("gwdel-");
        string certs = await cluster.CreateNamespaceAsync("gwdelcerts-");
        await cluster.CreateAsync(TwoListenerGateway(gw));
        var connection = cluster.Connect();

        var (outcome, error, _) = await PublishWithChangeMeanwhileAsync(connection, Target(certs, "shop-tls", gw, "shop.example", grant: true), Cert(),
            async () => Assert.Equal(200, (await cluster.Http.DeleteAsync(GatewayPath(gw))).StatusCode));

        Assert.Null(outcome);
        Assert.Contains($"Gateway {gw}/edge was deleted", error, StringComparison.Ordinal);
        Assert.Contains("already created", error, StringComparison.Ordinal);
        string grantName = ReferenceGrants.DefaultName(gw);
        Assert.Contains($"ReferenceGrant {certs}/{grantName}", error, StringComparison.Ordinal);

        var publisher = new Publisher(new ClusterWriter(connection), new PublishOptions());
        var undo = await publisher.PlanUndoAsync(certs, "shop-tls", force: false, CancellationToken.None);
        Assert.Contains(undo.Warnings, w => w.Contains($"Gateway {gw}/edge, which the publish wired, no longer exists", StringComparison.Ordinal));
        await publisher.ApplyUndoAsync(undo, force: false, CancellationToken.None);
        Assert.Null(await GetAsync(cluster, $"/api/v1/namespaces/{certs}/secrets/shop-tls"));
        Assert.Null(await GrantAsync(cluster, certs, grantName));
    }

    [ServerOnlyFact]
    public async Task Lost_replies_to_the_grant_and_gateway_writes_are_settled_by_reading_them_and_a_second_run_adds_no_second_entry_or_reference()
    {
        await using var cluster = await TestCluster.StartAsync();
        var server = cluster.RequireServer();
        string gw = await cluster.CreateNamespaceAsync("gwlost-");
        string certs = await cluster.CreateNamespaceAsync("gwlostcerts-");
        await cluster.CreateAsync(TwoListenerGateway(gw));
        var connection = cluster.Connect();
        var cert = Cert();
        server.Faults.Add(new Fault { Method = "POST", PathPrefix = $"/apis/gateway.networking.k8s.io/v1beta1/namespaces/{certs}/referencegrants", Kind = FaultKind.AppliedThen(LostReply.GatewayTimeout) });
        server.Faults.Add(new Fault { Method = "PUT", PathPrefix = GatewayPath(gw), Kind = FaultKind.AppliedThen(LostReply.ConnectionReset) });

        var (outcome, error, warnings) = await PublishWithChangeMeanwhileAsync(connection, Target(certs, "shop-tls", gw, "shop.example", grant: true), cert, () => Task.CompletedTask);

        Assert.Empty(server.Faults.Pending);
        Assert.Null(error);
        Assert.Equal(PublishAction.Created, outcome!.Action);
        Assert.Equal(2, warnings.Count(w => w.Contains("the reply was lost", StringComparison.Ordinal)));
        string grantName = ReferenceGrants.DefaultName(gw);

        // The same publish again (a runbook's retry): nothing left to write, no second grant entry or reference.
        int writes = server.RequestLog.Count(e => e.Method is "POST" or "PUT" or "DELETE" && !e.PathAndQuery.Contains("accessreviews", StringComparison.Ordinal));
        var again = await PublishAsync(connection, Target(certs, "shop-tls", gw, "shop.example", grant: true), cert);
        Assert.Equal(PublishAction.Unchanged, again.Action);
        Assert.Equal(writes, server.RequestLog.Count(e => e.Method is "POST" or "PUT" or "DELETE" && !e.PathAndQuery.Contains("accessreviews", StringComparison.Ordinal)));
        Assert.Equal(new[] { "shop-tls" }, GrantTargets((await GrantAsync(cluster, certs, grantName))!));
        Assert.Equal($"{certs}/shop-tls", RefsOf((await GatewayAsync(cluster, gw))!)["shop"]);

        await new Publisher(new ClusterWriter(connection), new PublishOptions()).UndoAsync(certs, "shop-tls", force: false, CancellationToken.None);
        Assert.Equal("old-shop", RefsOf((await GatewayAsync(cluster, gw))!)["shop"]);
        Assert.Null(await GrantAsync(cluster, certs, grantName));
    }
    /// <summary>
    /// A cross-namespace Gateway publish (or its undo) as a user who holds every right but one: refused with
    /// InsufficientRights, naming that right, before the first write; the Secret, the Gateway and the grants as they were.
    /// </summary>
    [ServerOnlyTheory]
    [InlineData(false, false, "create", "referencegrants")]
    [InlineData(true, false, "update", "referencegrants")]
    [InlineData(false, false, "update", "gateways")]
    [InlineData(false, true, "delete", "referencegrants")]
    [InlineData(true, true, "update", "referencegrants")]
    [InlineData(false, true, "update", "gateways")]
    [InlineData(false, true, "delete", "secrets")]
    public async Task A_user_without_one_right_the_gateway_delivery_needs_is_refused_before_the_first_write(bool extendGrant, bool undo, string deniedVerb, string deniedResource)
    {
        await using var cluster = await TestCluster.StartAsync();
        var server = cluster.RequireServer();
        string gw = await cluster.CreateNamespaceAsync("gwrbac-");
        string certs = await cluster.CreateNamespaceAsync("gwrbaccerts-");
        await cluster.CreateAsync(TwoListenerGateway(gw));
        if (extendGrant)
        {
            await cluster.CreateAsync(JsonNode.Parse($$$"""
                {"apiVersion":"gateway.networking.k8s.io/v1beta1","kind":"ReferenceGrant","metadata":{"name":"theirs","namespace":"{{{certs}}}"},
                 "spec":{"from":[{"group":"gateway.networking.k8s.io","kind":"Gateway","namespace":"{{{gw}}}"}],"to":[{"group":"","kind":"Secret","name":"team-tls"}]}}
                """)!.AsObject());
        }

        var target = Target(certs, "shop-tls", gw, "shop.example", grant: true);
        if (undo)
        {
            await PublishAsync(cluster.Connect(), target, Cert());
        }

        string[] verbs = ["get", "list", "watch", "create", "update", "patch", "delete"];
        var rules = new[] { "secrets", "ingresses", "gateways", "referencegrants", "httproutes", "namespaces", "ingressclasses", "services", "events" }
            .Select(resource => AccessRule.Allow(string.Join(",", verbs.Where(v => !(resource == deniedResource && v == deniedVerb))), resource))
            .ToArray();
        var connection = server.ConnectAs($"half-{deniedVerb}-{deniedResource}-{(undo ? "undo" : "publish")}", rules);
        string secretBefore = (await GetAsync(cluster, $"/api/v1/namespaces/{certs}/secrets/shop-tls"))?["metadata"]!["resourceVersion"]!.GetValue<string>() ?? "none";
        string gatewayBefore = (await GatewayAsync(cluster, gw))!["metadata"]!["resourceVersion"]!.GetValue<string>();
        int before = server.RequestLog.Count;

        var refused = await Assert.ThrowsAsync<PublishRefusedException>(async () =>
        {
            if (undo)
            {
                await new Publisher(new ClusterWriter(connection), new PublishOptions()).UndoAsync(certs, "shop-tls", force: false, CancellationToken.None);
            }
            else
            {
                await PublishAsync(connection, target, Cert());
            }
        });

        Assert.Equal(WritePreflight.ErrorId, refused.Refusal.Id);
        Assert.Contains($"may not {deniedVerb} {deniedResource}", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(server.RequestLog.Skip(before), e => e.Method is "POST" or "PUT" or "PATCH" or "DELETE" && !e.PathAndQuery.Contains("accessreviews", StringComparison.Ordinal));
        Assert.Equal(secretBefore, (await GetAsync(cluster, $"/api/v1/namespaces/{certs}/secrets/shop-tls"))?["metadata"]!["resourceVersion"]!.GetValue<string>() ?? "none");
        Assert.Equal(gatewayBefore, (await GatewayAsync(cluster, gw))!["metadata"]!["resourceVersion"]!.GetValue<string>());
    }
    [GatewayApiFact]
    public async Task Replacing_the_only_certificate_of_a_wildcard_or_catch_all_listener_with_a_narrower_one_is_warned_about()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("gwwide-");
        await cluster.CreateAsync(JsonNode.Parse($$$"""
            {"apiVersion":"gateway.networking.k8s.io/v1","kind":"Gateway","metadata":{"name":"edge","namespace":"{{{ns}}}"},
             "spec":{"gatewayClassName":"example","listeners":[
               {"name":"wild","protocol":"HTTPS","port":443,"hostname":"*.example","tls":{"certificateRefs":[{"kind":"Secret","name":"wild-tls"}]}},
               {"name":"all","protocol":"HTTPS","port":8443,"tls":{"certificateRefs":[{"kind":"Secret","name":"all-tls"}]}}]}}
            """)!.AsObject());
        var operation = Operation(cluster.Connect());

        using var narrow = Payload(Cert("a.example"));
        var plan = await operation.PlanAsync(Target(ns, "a-tls", ns, "a.example"), narrow, CancellationToken.None);
        Assert.Equal(new[] { "wild", "all" }, plan.Listeners);
        Assert.Contains(plan.Warnings, w => w.Contains($"Gateway {ns}/edge listener wild takes every host of *.example", StringComparison.Ordinal) && w.Contains($"Secret {ns}/wild-tls", StringComparison.Ordinal));
        Assert.Contains(plan.Warnings, w => w.Contains("listener all takes every host,", StringComparison.Ordinal) && w.Contains($"Secret {ns}/all-tls", StringComparison.Ordinal));

        // A wildcard certificate for the wildcard listener is no narrowing.
        using var wide = Payload(TestCertificates.Create("CN=*.example", new[] { "*.example" }));
        var wildOnly = await operation.PlanAsync(Target(ns, "wild2-tls", ns, "a.example") with { ListenerName = "wild" }, wide, CancellationToken.None);
        Assert.Empty(wildOnly.Warnings);
    }

    [GatewayApiFact]
    public async Task A_secret_added_after_the_references_a_listener_already_has_is_warned_about_and_one_that_replaces_the_only_reference_is_not()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("gwpair-");
        await cluster.CreateAsync(JsonNode.Parse($$$"""
            {"apiVersion":"gateway.networking.k8s.io/v1","kind":"Gateway","metadata":{"name":"edge","namespace":"{{{ns}}}"},
             "spec":{"gatewayClassName":"example","listeners":[
               {"name":"pair","protocol":"HTTPS","port":443,"hostname":"shop.example","tls":{"certificateRefs":[{"kind":"Secret","name":"shop-rsa"},{"kind":"Secret","name":"shop-ec"}]}},
               {"name":"one","protocol":"HTTPS","port":443,"hostname":"api.example","tls":{"certificateRefs":[{"kind":"Secret","name":"api-old"}]}}]}}
            """)!.AsObject());
        var operation = Operation(cluster.Connect());

        using var shop = Payload(Cert());
        var plan = await operation.PlanAsync(Target(ns, "shop-tls", ns, "shop.example"), shop, CancellationToken.None);
        var warning = Assert.Single(plan.Warnings);
        Assert.Contains($"Gateway {ns}/edge listener pair already refers to {ns}/shop-rsa, {ns}/shop-ec", warning, StringComparison.Ordinal);
        Assert.Contains($"Secret {ns}/shop-tls is added after them", warning, StringComparison.Ordinal);

        using var api = Payload(Cert("api.example"));
        Assert.Empty((await operation.PlanAsync(Target(ns, "api-tls", ns, "api.example"), api, CancellationToken.None)).Warnings);
    }

    [GatewayApiFact]
    public async Task Undo_after_a_second_publish_puts_the_first_certificate_back_and_keeps_the_wiring_and_grant_the_first_publish_added()
    {
        await using var cluster = await TestCluster.StartAsync();
        string gw = await cluster.CreateNamespaceAsync("gwtwice-");
        string certs = await cluster.CreateNamespaceAsync("gwtwicecerts-");
        await cluster.CreateAsync(TwoListenerGateway(gw));
        var connection = cluster.Connect();
        var (first, second) = (Cert(), Cert());

        await PublishAsync(connection, Target(certs, "shop-tls", gw, "shop.example", grant: true), first);
        var again = await PublishAsync(connection, Target(certs, "shop-tls", gw, "shop.example", grant: true), second);
        Assert.Equal(PublishAction.Updated, again.Action);
        Assert.False(again.GrantWritten);
        Assert.False(again.GatewayWritten);

        var undone = await new Publisher(new ClusterWriter(connection), new PublishOptions()).UndoAsync(certs, "shop-tls", force: false, CancellationToken.None);

        Assert.Equal(first.Certificate.Thumbprint, undone.Thumbprint);
        Assert.Equal($"{certs}/shop-tls", RefsOf((await GatewayAsync(cluster, gw))!)["shop"]);
        Assert.Equal(new[] { "shop-tls" }, GrantTargets((await GrantAsync(cluster, certs, ReferenceGrants.DefaultName(gw)))!));
    }

    [GatewayApiFact]
    public async Task Undoing_a_publish_that_a_later_one_replaced_on_the_listener_is_refused_so_undoing_the_later_one_never_points_at_a_deleted_secret()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("gworder-");
        await cluster.CreateAsync(TwoListenerGateway(ns));
        var connection = cluster.Connect();
        var publisher = new Publisher(new ClusterWriter(connection), new PublishOptions());
        await PublishAsync(connection, Target(ns, "shop-a", ns, "shop.example"), Cert());
        await PublishAsync(connection, Target(ns, "shop-b", ns, "shop.example"), Cert());
        Assert.Equal("shop-b", RefsOf((await GatewayAsync(cluster, ns))!)["shop"]);

        // Undoing the first publish would delete shop-a, which the second publish's undo puts back on the listener.
        var refused = await publisher.PlanUndoAsync(ns, "shop-a", force: false, CancellationToken.None);
        Assert.Equal("SecretInUse", refused.Refusal?.Id);
        Assert.Contains($"Gateway {ns}/edge listener shop", refused.Refusal!.Message, StringComparison.Ordinal);
        Assert.Contains("shop-b", refused.Refusal.Message, StringComparison.Ordinal);
        Assert.NotNull(await GetAsync(cluster, $"/api/v1/namespaces/{ns}/secrets/shop-a"));

        // In the right order both undo cleanly and the listener serves what it served before either publish.
        await publisher.UndoAsync(ns, "shop-b", force: false, CancellationToken.None);
        Assert.Equal("shop-a", RefsOf((await GatewayAsync(cluster, ns))!)["shop"]);
        await publisher.UndoAsync(ns, "shop-a", force: false, CancellationToken.None);
        Assert.Equal("old-shop", RefsOf((await GatewayAsync(cluster, ns))!)["shop"]);
        Assert.Null(await GetAsync(cluster, $"/api/v1/namespaces/{ns}/secrets/shop-a"));
        Assert.Null(await GetAsync(cluster, $"/api/v1/namespaces/{ns}/secrets/shop-b"));
    }

    /// <summary>
    /// The grant write is made again under another name (the planned one was taken or went meanwhile), and the reply to
    /// that second write is lost: the write is settled by the grant it went to, and Undo takes out of that grant what
    /// the publish added and leaves every other grant as it is.
    /// </summary>
    [ServerOnlyTheory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_grant_write_made_again_under_another_name_whose_reply_was_lost_is_settled_by_that_grant_and_undone_there(bool extendAnother)
    {
        await using var cluster = await TestCluster.StartAsync();
        var server = cluster.RequireServer();
        string gw = await cluster.CreateNamespaceAsync("gwretry-");
        string certs = await cluster.CreateNamespaceAsync("gwretrycerts-");
        await cluster.CreateAsync(TwoListenerGateway(gw));
        var connection = cluster.Connect();
        string grantName = ReferenceGrants.DefaultName(gw);
        string grants = $"/apis/gateway.networking.k8s.io/v1beta1/namespaces/{certs}/referencegrants";
        JsonObject Grant(string name, bool routesToo)
        {
            string routes = routesToo ? $$""",{"group":"gateway.networking.k8s.io","kind":"HTTPRoute","namespace":"{{gw}}"}""" : string.Empty;
            return JsonNode.Parse($$$"""
                {"apiVersion":"gateway.networking.k8s.io/v1beta1","kind":"ReferenceGrant","metadata":{"name":"{{{name}}}","namespace":"{{{certs}}}"},
                 "spec":{"from":[{"group":"gateway.networking.k8s.io","kind":"Gateway","namespace":"{{{gw}}}"}{{{routes}}}],
                         "to":[{"group":"","kind":"Secret","name":"team-tls"}]}}
                """)!.AsObject();
        }

        if (!extendAnother)
        {
            // Planned: extend "theirs"; it is deleted meanwhile, and the write made again creates the module's own grant.
            await cluster.CreateAsync(Grant("theirs", routesToo: false));
        }

        var (outcome, error, warnings) = await PublishWithChangeMeanwhileAsync(connection, Target(certs, "shop-tls", gw, "shop.example", grant: true), Cert(), async () =>
        {
            if (extendAnother)
            {
                // Planned: create the module's grant; another team takes the name meanwhile (a grant it may not widen)
                // and makes one it may: the write made again extends that one.
                await cluster.CreateAsync(Grant(grantName, routesToo: true));
                await cluster.CreateAsync(Grant("theirs", routesToo: false));
                server.Faults.Add(new Fault { Method = "PUT", PathPrefix = $"{grants}/theirs", Kind = FaultKind.AppliedThen(LostReply.GatewayTimeout) });
            }
            else
            {
                Assert.Equal(200, (await cluster.Http.DeleteAsync($"{grants}/theirs")).StatusCode);
                server.Faults.Add(new Fault { Method = "POST", PathPrefix = grants, Kind = FaultKind.AppliedThen(LostReply.GatewayTimeout) });
            }
        });

        string ours = extendAnother ? "theirs" : grantName;
        Assert.Empty(server.Faults.Pending);
        Assert.Null(error);
        Assert.True(outcome!.GrantWritten);
        Assert.Contains(warnings, w => w.Contains($"ReferenceGrant {certs}/{ours} was applied; the reply was lost", StringComparison.Ordinal));
        Assert.Equal(extendAnother ? new[] { "team-tls", "shop-tls" } : new[] { "shop-tls" }, GrantTargets((await GrantAsync(cluster, certs, ours))!));
        Assert.Equal($"{certs}/shop-tls", RefsOf((await GatewayAsync(cluster, gw))!)["shop"]);

        await new Publisher(new ClusterWriter(connection), new PublishOptions()).UndoAsync(certs, "shop-tls", force: false, CancellationToken.None);

        Assert.Equal("old-shop", RefsOf((await GatewayAsync(cluster, gw))!)["shop"]);
        if (extendAnother)
        {
            Assert.Equal(new[] { "team-tls" }, GrantTargets((await GrantAsync(cluster, certs, "theirs"))!));
            Assert.Equal(new[] { "team-tls" }, GrantTargets((await GrantAsync(cluster, certs, grantName))!));
        }
        else
        {
            Assert.Null(await GrantAsync(cluster, certs, grantName));
            Assert.Null(await GrantAsync(cluster, certs, "theirs"));
        }
    }

    [GatewayApiFact]
    public async Task A_grant_name_taken_between_read_and_write_gets_the_grant_made_under_a_free_name_and_undo_finds_and_removes_that_one()
    {
        await using var cluster = await TestCluster.StartAsync();
        string gw = await cluster.CreateNamespaceAsync("gwtaken-");
        string certs = await cluster.CreateNamespaceAsync("gwtakencerts-");
        await cluster.CreateAsync(TwoListenerGateway(gw));
        var connection = cluster.Connect();
        string grantName = ReferenceGrants.DefaultName(gw);

        // Another team creates a grant of that name meanwhile, for HTTPRoutes too: not one the publish may widen.
        var (outcome, error, _) = await PublishWithChangeMeanwhileAsync(connection, Target(certs, "shop-tls", gw, "shop.example", grant: true), Cert(),
            () => cluster.CreateAsync(JsonNode.Parse($$$"""
                {"apiVersion":"gateway.networking.k8s.io/v1beta1","kind":"ReferenceGrant","metadata":{"name":"{{{grantName}}}","namespace":"{{{certs}}}"},
                 "spec":{"from":[{"group":"gateway.networking.k8s.io","kind":"Gateway","namespace":"{{{gw}}}"},{"group":"gateway.networking.k8s.io","kind":"HTTPRoute","namespace":"{{{gw}}}"}],
                         "to":[{"group":"","kind":"Secret","name":"team-tls"}]}}
                """)!.AsObject()));

        Assert.Null(error);
        Assert.True(outcome!.GrantWritten);
        Assert.Equal(new[] { "shop-tls" }, GrantTargets((await GrantAsync(cluster, certs, grantName + "-2"))!));
        Assert.Equal(new[] { "team-tls" }, GrantTargets((await GrantAsync(cluster, certs, grantName))!));

        await new Publisher(new ClusterWriter(connection), new PublishOptions()).UndoAsync(certs, "shop-tls", force: false, CancellationToken.None);

        Assert.Null(await GrantAsync(cluster, certs, grantName + "-2"));
        Assert.Equal(new[] { "team-tls" }, GrantTargets((await GrantAsync(cluster, certs, grantName))!));
        Assert.Equal("old-shop", RefsOf((await GatewayAsync(cluster, gw))!)["shop"]);
    }
}
