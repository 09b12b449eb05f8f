using System.Text.Json;
using System.Text.Json.Nodes;
using IngressCerts.Engine.Sync;
using IngressCerts.Engine.Tests.Integration;
using IngressCerts.Engine.Tests.Support;
using IngressCerts.TestServer.Faults;
using IngressCerts.TestServer.Testing;

namespace IngressCerts.Engine.Tests.Sync;

/// <summary>-RenewCertManager: what is asked of cert-manager (the planner), the condition written (as cmctl's), and the races.</summary>
public sealed class CertManagerRenewalTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private static IngressCertificate Managed(string status, int daysLeft, string? ready = "True", string? certificate = "shop") => new()
    {
        Context = "ctx", Namespace = "shop", Kind = "Ingress", Name = "shop", SecretNamespace = "shop", SecretName = "shop-tls",
        Hosts = new[] { "shop.contoso.example" },
        Status = status,
        ManagedBy = "cert-manager",
        CertManagerCertificate = certificate,
        CertManagerReady = ready,
        CertManagerReadyReason = ready == "False" ? "Failed" : "Ready",
        CertManagerReadyMessage = ready == "False" ? "rate limited" : "ok",
        CertManagerRenewalTime = Now.AddDays(daysLeft - 30).UtcDateTime,
        NotAfter = Now.AddDays(daysLeft).UtcDateTime,
    };

    [Theory]
    [InlineData("Valid", 10, "True", "Requested", true)]
    [InlineData("Expired", -1, "True", "Requested", true)]
    [InlineData("SecretNotFound", 200, null, "Requested", true)]
    [InlineData("KeyMismatch", 200, "True", "Requested", true)]
    [InlineData("Valid", 200, "False", "Requested", true)]
    [InlineData("Valid", 200, "Unknown", "Unchanged", false)]
    [InlineData("Valid", 200, "True", "Unchanged", false)]
    [InlineData("Forbidden", 200, null, "Skipped", false)]
    public void With_the_switch_due_or_broken_certificates_are_asked_for(string status, int daysLeft, string? ready, string action, bool renews)
    {
        var decision = SyncPlanner.Plan(Managed(status, daysLeft, ready), 30, Now, renewCertManager: true);
        Assert.Equal((action, renews), (decision.Action.ToString(), decision.RenewsCertManager));
        Assert.False(decision.IsDue); // never a publish
    }

    [Fact]
    public void Without_the_switch_or_a_certificate_name_cert_manager_secrets_are_skipped_as_before()
    {
        Assert.Equal(SyncAction.Skipped, SyncPlanner.Plan(Managed("Expired", -1), 30, Now).Action);
        Assert.Equal(SyncAction.Skipped, SyncPlanner.Plan(Managed("Expired", -1, certificate: null), 30, Now, renewCertManager: true).Action);
        var broken = SyncPlanner.Plan(Managed("Valid", 200, "False"), 30, Now, renewCertManager: true);
        Assert.Equal("cert-manager Certificate shop/shop is not Ready (Failed: rate limited).", broken.Reason);
        Assert.EndsWith("cert-manager Certificate shop/shop renews it on 2026-11-18.", SyncPlanner.Plan(Managed("Valid", 200), 30, Now, renewCertManager: true).Reason);
    }

    private static JsonElement Certificate(long? generation, params JsonObject[] conditions)
    {
        var metadata = new JsonObject { ["name"] = "shop", ["namespace"] = "shop", ["resourceVersion"] = "7" };
        if (generation is { } g)
        {
            metadata["generation"] = g;
        }

        var certificate = new JsonObject { ["apiVersion"] = "cert-manager.io/v1", ["kind"] = "Certificate", ["metadata"] = metadata, ["spec"] = new JsonObject { ["secretName"] = "shop-tls" } };
        if (conditions.Length > 0)
        {
            certificate["status"] = new JsonObject { ["conditions"] = new JsonArray(conditions.Select(c => (JsonNode)c).ToArray()), ["revision"] = 3 };
        }

        return JsonSerializer.SerializeToElement(certificate);
    }

    private static JsonObject Condition(string type, string status, string time = "2026-01-01T00:00:00Z") =>
        new() { ["type"] = type, ["status"] = status, ["reason"] = "Old", ["message"] = "old", ["lastTransitionTime"] = time, ["observedGeneration"] = 1 };

    [Fact]
    public void The_condition_is_appended_with_the_time_and_generation_as_cmctl_sets_it()
    {
        var body = CertManagerRenewal.WithIssuing(Certificate(4, Condition("Ready", "True")), Now.AddMilliseconds(789));
        var conditions = body["status"]!["conditions"]!.AsArray();
        Assert.Equal(2, conditions.Count);
        Assert.Equal("""{"type":"Ready","status":"True","reason":"Old","message":"old","lastTransitionTime":"2026-01-01T00:00:00Z","observedGeneration":1}""", conditions[0]!.ToJsonString());
        Assert.Equal("""{"type":"Issuing","status":"True","lastTransitionTime":"2026-06-01T12:00:00Z","reason":"ManuallyTriggered","message":"Certificate re-issuance manually triggered","observedGeneration":4}""", conditions[1]!.ToJsonString());
        Assert.Equal(3, body["status"]!["revision"]!.GetValue<int>());
        Assert.Equal("7", body["metadata"]!["resourceVersion"]!.GetValue<string>());
    }

    [Fact]
    public void An_issuing_condition_is_replaced_in_place_keeping_its_time_only_when_it_was_already_true()
    {
        var wasFalse = CertManagerRenewal.WithIssuing(Certificate(2, Condition("Issuing", "False"), Condition("Ready", "True")), Now);
        Assert.Equal(["Issuing", "Ready"], wasFalse["status"]!["conditions"]!.AsArray().Select(c => c!["type"]!.GetValue<string>()));
        Assert.Equal("2026-06-01T12:00:00Z", wasFalse["status"]!["conditions"]![0]!["lastTransitionTime"]!.GetValue<string>());

        var wasTrue = CertManagerRenewal.WithIssuing(Certificate(2, Condition("Issuing", "True", "2026-05-30T01:02:03Z")), Now);
        var issuing = Assert.Single(wasTrue["status"]!["conditions"]!.AsArray())!;
        Assert.Equal(("2026-05-30T01:02:03Z", "ManuallyTriggered", 2L), (issuing["lastTransitionTime"]!.GetValue<string>(), issuing["reason"]!.GetValue<string>(), issuing["observedGeneration"]!.GetValue<long>()));
    }

    [Fact]
    public void Without_a_status_or_a_generation_the_condition_starts_the_list_and_observed_generation_is_left_out()
    {
        var body = CertManagerRenewal.WithIssuing(Certificate(null), Now);
        var issuing = Assert.Single(body["status"]!["conditions"]!.AsArray())!.AsObject();
        Assert.False(issuing.ContainsKey("observedGeneration"));
    }

    private static SyncTarget Target(IngressCertificate reference) =>
        new(reference, SyncPlanner.Plan(reference, 30, DateTimeOffset.UtcNow, renewCertManager: true), reference.Hosts.ToList());

    private static async Task<(TestCluster Cluster, string Ns)> ManagedCertificateAsync(string prefix)
    {
        var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync(prefix);
        await cluster.CreateAsync(ClusterObjects.CertManagerCertificate(ns, "shop", "shop-tls", "letsencrypt"));
        await cluster.SetCertificateStatusAsync(ns, "shop", ClusterObjects.CertManagerStatus("False", "Failed", "rate limited"));
        return (cluster, ns);
    }

    [ServerOnlyFact]
    public async Task A_conflict_is_read_again_and_the_condition_written_once_and_a_lost_answer_is_not_written_twice()
    {
        var (cluster, ns) = await ManagedCertificateAsync("cm-race-");
        await using (cluster)
        {
            var server = cluster.RequireServer();
            var reference = new IngressCertificate
            {
                Context = "ctx", Namespace = ns, Kind = "Ingress", Name = "shop", SecretNamespace = ns, SecretName = "shop-tls", Hosts = new[] { "shop.example" },
                Status = "Valid", ManagedBy = "cert-manager", CertManagerCertificate = "shop", CertManagerReady = "False", NotAfter = DateTime.UtcNow.AddDays(200),
            };
            string path = $"/apis/cert-manager.io/v1/namespaces/{ns}/certificates/shop/status";

            // cert-manager wrote status meanwhile: 409, read again, written once.
            server.Faults.Add(new Fault { Verb = "update", PathPrefix = path, Count = 1, Kind = FaultKind.Conflict() });
            var outcome = await new CertManagerRenewal(cluster.Connect()).RunAsync(Target(reference), CancellationToken.None);
            Assert.Equal("Requested", outcome.Result.Action);
            var issuing = await IssuingAsync(cluster, ns);
            Assert.Equal("ManuallyTriggered", issuing!["reason"]!.GetValue<string>());

            // The answer to the status update is lost after it was carried out: read again, found Issuing=True, not written twice.
            await cluster.SetCertificateStatusAsync(ns, "shop", ClusterObjects.CertManagerStatus("False", "Failed", "rate limited"));
            server.RequestLog.Clear();
            server.Faults.Add(new Fault { Verb = "update", PathPrefix = path, Count = 1, Kind = FaultKind.AppliedThen(LostReply.GatewayTimeout) });
            outcome = await new CertManagerRenewal(cluster.Connect()).RunAsync(Target(reference), CancellationToken.None);
            Assert.Equal("Requested", outcome.Result.Action);
            Assert.Contains("the answer to the request was lost", outcome.Result.Reason, StringComparison.Ordinal);
            Assert.Single(server.RequestLog.Snapshot(), e => e.Method == "PUT");
            Assert.DoesNotContain(server.RequestLog.Snapshot(), e => e.Method != "GET" && !e.PathAndQuery.Contains("selfsubjectaccessreviews", StringComparison.Ordinal) && !e.PathAndQuery.StartsWith(path, StringComparison.Ordinal));
        }
    }

    [ServerOnlyFact]
    public async Task References_sharing_a_certificate_ask_once()
    {
        var (cluster, ns) = await ManagedCertificateAsync("cm-once-");
        await using (cluster)
        {
            var server = cluster.RequireServer();
            server.RequestLog.Clear();
            var renewal = new CertManagerRenewal(cluster.Connect());
            var results = new List<SyncResult>();
            IngressCertificate Ref(string name) => new()
            {
                Context = "ctx", Namespace = ns, Kind = "Ingress", Name = name, SecretNamespace = ns, SecretName = "shop-tls", Hosts = new[] { "shop.example" },
                Status = "Valid", ManagedBy = "cert-manager", CertManagerCertificate = "shop", CertManagerReady = "False", NotAfter = DateTime.UtcNow.AddDays(200),
            };
            await renewal.RunAllAsync([Target(Ref("a")), Target(Ref("b")), Target(Ref("c"))], 3, o => { lock (results) { results.Add(o.Result); } }, CancellationToken.None);
            Assert.Equal(3, results.Count);
            Assert.All(results, r => Assert.Equal("Requested", r.Action));
            Assert.Single(server.RequestLog.Snapshot(), e => e.Method == "PUT");
        }
    }

    private static async Task<JsonNode?> IssuingAsync(TestCluster cluster, string ns) =>
        (await cluster.Http.GetAsync($"/apis/cert-manager.io/v1/namespaces/{ns}/certificates/shop")).Object["status"]!["conditions"]!.AsArray()
            .FirstOrDefault(c => c!["type"]!.GetValue<string>() == "Issuing");
}
