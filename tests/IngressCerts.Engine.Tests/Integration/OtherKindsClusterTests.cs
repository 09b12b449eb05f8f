using System.Text.Json.Nodes;
using IngressCerts.Engine.Certificates;
using IngressCerts.Engine.Inventory;
using IngressCerts.Engine.Tests.Support;
using IngressCerts.TestServer;
using IngressCerts.TestServer.Auth;
using IngressCerts.TestServer.Testing;

namespace IngressCerts.Engine.Tests.Integration;

/// <summary>The other controllers' kinds in a cluster inventory: the test server, or a real cluster with their CRDs.</summary>
public sealed class OtherKindsClusterTests
{
    private static readonly InventoryOptions Now = new(DateTimeOffset.UtcNow);

    private static JsonObject Route(string ns, string name, string host, JsonObject? tls)
    {
        var route = new JsonObject
        {
            ["apiVersion"] = "route.openshift.io/v1",
            ["kind"] = "Route",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
            ["spec"] = new JsonObject { ["host"] = host, ["to"] = new JsonObject { ["kind"] = "Service", ["name"] = "web" } },
        };
        if (tls is not null)
        {
            route["spec"]!["tls"] = tls;
        }

        return route;
    }

    private static JsonObject Inline(TestCertificates.Issued cert, TestCertificates.Issued? keyOf = null) =>
        new() { ["termination"] = "edge", ["certificate"] = cert.CertificatePem, ["key"] = (keyOf ?? cert).KeyPem };

    [ServedFact("route.openshift.io/v1")]
    public async Task Routes_are_reported_with_inline_external_and_passthrough_certificates()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("routes-");
        var good = TestCertificates.Create("CN=shop.example", ["shop.example"]);
        var expired = TestCertificates.Create("CN=old.example", ["old.example"], validDays: -2, daysAgo: 30);
        var other = TestCertificates.Create("CN=api.example", ["api.example"]);
        await cluster.CreateAsync(ClusterObjects.TlsSecret(ns, "ext-tls", good));
        await cluster.CreateAsync(Route(ns, "inline", "shop.example", Inline(good)));
        await cluster.CreateAsync(Route(ns, "expired", "old.example", Inline(expired)));
        await cluster.CreateAsync(Route(ns, "mismatch", "shop.example", Inline(other)));
        await cluster.CreateAsync(Route(ns, "wrongkey", "shop.example", Inline(good, keyOf: other)));
        await cluster.CreateAsync(Route(ns, "external", "shop.example", new JsonObject { ["termination"] = "edge", ["externalCertificate"] = new JsonObject { ["name"] = "ext-tls" } }));
        await cluster.CreateAsync(Route(ns, "missing", "shop.example", new JsonObject { ["termination"] = "reencrypt", ["externalCertificate"] = new JsonObject { ["name"] = "gone" } }));
        await cluster.CreateAsync(Route(ns, "pass", "db.example", new JsonObject { ["termination"] = "passthrough" }));
        await cluster.CreateAsync(Route(ns, "plain", "plain.example", null));

        var results = (await cluster.Connect().ScanAsync(Now, [ns])).ToDictionary(r => r.Name);

        Assert.Equal(["expired", "external", "inline", "mismatch", "missing", "pass", "wrongkey"], results.Keys.Order());
        Assert.All(results.Values, r => Assert.Equal("Route", r.Kind));
        Assert.Equal("Valid", results["inline"].Status);
        Assert.Equal(good.Certificate.Thumbprint, results["inline"].Thumbprint);
        Assert.Contains(results["inline"].Findings, f => f.Id == FindingIds.InlineCertificate);
        Assert.Null(results["inline"].SecretName);
        Assert.Equal("Expired", results["expired"].Status);
        Assert.Equal("HostMismatch", results["mismatch"].Status);
        Assert.Equal("KeyMismatch", results["wrongkey"].Status);
        Assert.Equal(("Valid", "ext-tls"), (results["external"].Status, results["external"].SecretName));
        Assert.Equal("SecretNotFound", results["missing"].Status);
        Assert.Equal(("Valid", FindingIds.Passthrough), (results["pass"].Status, Assert.Single(results["pass"].Findings).Id));
        Assert.Equal(["db.example"], results["pass"].Hosts);
    }

    [ServerOnlyFact]
    public async Task An_unserved_kind_is_asked_once_and_a_forbidden_one_is_skipped_with_a_diagnostic()
    {
        await using var cluster = await TestCluster.StartAsync(new KubeApiServerOptions { ServeOtherKinds = false });
        var server = cluster.RequireServer();
        string a = await cluster.CreateNamespaceAsync("a-");
        string b = await cluster.CreateNamespaceAsync("b-");
        server.RequestLog.Clear();
        var notes = new List<string>();
        await cluster.Connect().ScanAsync(Now, [a, b], notes.Add);
        Assert.Single(server.RequestLog.Snapshot(), e => e.PathAndQuery.Contains("/routes", StringComparison.Ordinal));
        Assert.Single(notes, n => n.Contains("does not serve route.openshift.io/v1 routes", StringComparison.Ordinal));

        await using var served = await TestCluster.StartAsync();
        string c = await served.CreateNamespaceAsync("c-");
        var connection = served.RequireServer().ConnectAs("viewer", AccessRule.Allow("get,list", "ingresses,secrets", c));
        var denied = new List<string>();
        Assert.Empty(await connection.ScanAsync(Now, [c], denied.Add));
        Assert.Single(denied, n => n.Contains("Skipping routes", StringComparison.Ordinal));
    }
}
