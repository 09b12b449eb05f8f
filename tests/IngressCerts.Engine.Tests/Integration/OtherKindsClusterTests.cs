using IngressCerts.Engine.Kubernetes;
using System.Text.Json.Nodes;
using IngressCerts.Engine.Certificates;
using IngressCerts.Engine.Inventory;
using IngressCerts.Engine.Tests.Support;
using IngressCerts.TestServer;
using IngressCerts.TestServer.Auth;
using IngressCerts.TestServer.Testing;

using static IngressCerts.Engine.Tests.Integration.OtherKindObjects;

namespace IngressCerts.Engine.Tests.Integration;

/// <summary>The other controllers' kinds in a cluster inventory: the test server, or a real cluster with their CRDs.</summary>
public sealed class OtherKindsClusterTests
{
    private static readonly InventoryOptions Now = new(DateTimeOffset.UtcNow);

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
    public async Task An_unserved_kind_is_never_listed_and_a_forbidden_one_is_skipped_with_a_diagnostic()
    {
        await using var cluster = await TestCluster.StartAsync(new KubeApiServerOptions { ServeOtherKinds = false });
        var server = cluster.RequireServer();
        string a = await cluster.CreateNamespaceAsync("a-");
        string b = await cluster.CreateNamespaceAsync("b-");
        server.RequestLog.Clear();
        var notes = new List<string>();
        await cluster.Connect().ScanAsync(Now, [a, b], notes.Add);
        // One discovery request says what is served, for both namespaces and every kind: no list of an absent API.
        var log = server.RequestLog.Snapshot();
        Assert.DoesNotContain(log, e => e.PathAndQuery.Contains("route.openshift.io", StringComparison.Ordinal)
            || e.PathAndQuery.Contains("istio", StringComparison.Ordinal) || e.PathAndQuery.Contains("projectcontour", StringComparison.Ordinal)
            || e.PathAndQuery.Contains("traefik", StringComparison.Ordinal));
        Assert.Single(log, e => e.PathAndQuery.TrimEnd('/') == "/apis");
        Assert.Single(notes, n => n.Contains("does not serve route.openshift.io/v1 routes", StringComparison.Ordinal));
        Assert.Single(notes, n => n.Contains("does not serve networking.istio.io/v1, v1beta1, v1alpha3 gateways", StringComparison.Ordinal));

        await using var served = await TestCluster.StartAsync();
        string c = await served.CreateNamespaceAsync("c-");
        var connection = served.RequireServer().ConnectAs("viewer", AccessRule.Allow("get,list", "ingresses,secrets", c));
        var denied = new List<string>();
        Assert.Empty(await connection.ScanAsync(Now, [c], denied.Add));
        Assert.Single(denied, n => n.Contains("Skipping routes", StringComparison.Ordinal));

        // Refused in every namespace of a scan: one warning per kind, the other refusals in the diagnostics.
        string d = await served.CreateNamespaceAsync("d-");
        var everywhere = served.RequireServer().ConnectAs("viewer-all", AccessRule.Allow("get,list", "ingresses,secrets"));
        var warned = new List<string>();
        var verbose = new List<string>();
        await new ClusterScanner(new ClusterReader(everywhere, verbose.Add, warned.Add), Now, verbose.Add).CollectAsync([c, d]);
        Assert.Single(warned, n => n.Contains("Skipping routes", StringComparison.Ordinal));
        Assert.Single(verbose, n => n.Contains("Skipping routes", StringComparison.Ordinal));
    }

    [ServedFact("traefik.io/v1alpha1")]
    public async Task Ingress_routes_are_reported_with_their_secrets_hosts_and_resolvers()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("traefik-");
        var good = TestCertificates.Create("CN=shop.example", ["shop.example"]);
        var expired = TestCertificates.Create("CN=old.example", ["old.example"], validDays: -2, daysAgo: 30);
        await cluster.CreateAsync(ClusterObjects.TlsSecret(ns, "good", good));
        await cluster.CreateAsync(ClusterObjects.TlsSecret(ns, "old", expired));
        await cluster.CreateAsync(IngressRoute(ns, "web", "Host(`shop.example`) && PathPrefix(`/`)", new JsonObject { ["secretName"] = "good" }));
        await cluster.CreateAsync(IngressRoute(ns, "old", "Host(`old.example`)", new JsonObject { ["secretName"] = "old" }));
        await cluster.CreateAsync(IngressRoute(ns, "wrong", "Host(`api.example`)", new JsonObject { ["secretName"] = "good" }));
        await cluster.CreateAsync(IngressRoute(ns, "gone", "Host(`gone.example`)", new JsonObject { ["secretName"] = "gone" }));
        await cluster.CreateAsync(IngressRoute(ns, "acme", "Host(`acme.example`)", new JsonObject { ["certResolver"] = "le" }));

        var results = (await cluster.Connect().ScanAsync(Now, [ns])).ToDictionary(r => r.Name);

        Assert.Equal(["acme", "gone", "old", "web", "wrong"], results.Keys.Order());
        Assert.All(results.Values, r => Assert.Equal("IngressRoute", r.Kind));
        Assert.Equal(("Valid", "good"), (results["web"].Status, results["web"].SecretName));
        Assert.Equal(["shop.example"], results["web"].Hosts);
        Assert.Equal("Expired", results["old"].Status);
        Assert.Equal("HostMismatch", results["wrong"].Status);
        Assert.Equal("SecretNotFound", results["gone"].Status);
        Assert.Equal(("Valid", FindingIds.ControllerManagedCertificate), (results["acme"].Status, Assert.Single(results["acme"].Findings).Id));
    }

    [ServedFact("traefik.containo.us/v1alpha1")]
    public async Task Ingress_routes_of_the_older_traefik_group_are_reported_too()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("traefik-old-");
        var good = TestCertificates.Create("CN=shop.example", ["shop.example"]);
        await cluster.CreateAsync(ClusterObjects.TlsSecret(ns, "good", good));
        await cluster.CreateAsync(IngressRoute(ns, "web", "Host(`shop.example`)", new JsonObject { ["secretName"] = "good" }, "traefik.containo.us"));

        var result = Assert.Single(await cluster.Connect().ScanAsync(Now, [ns]));
        Assert.Equal(("IngressRoute", "Valid"), (result.Kind, result.Status));
    }

    [ServedFact("networking.istio.io/v1")]
    public async Task Istio_gateways_are_reported_by_server_with_their_credentials()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("istio-");
        var good = TestCertificates.Create("CN=shop.example", ["shop.example"]);
        var expired = TestCertificates.Create("CN=old.example", ["old.example"], validDays: -2, daysAgo: 30);
        await cluster.CreateAsync(ClusterObjects.TlsSecret(ns, "good", good));
        await cluster.CreateAsync(ClusterObjects.TlsSecret(ns, "old", expired));
        await cluster.CreateAsync(new JsonObject
        {
            ["apiVersion"] = "networking.istio.io/v1",
            ["kind"] = "Gateway",
            ["metadata"] = new JsonObject { ["name"] = "edge", ["namespace"] = ns },
            ["spec"] = new JsonObject
            {
                ["selector"] = new JsonObject { ["istio"] = "ingressgateway" },
                ["servers"] = new JsonArray(
                    IstioServer("shop", $"{ns}/shop.example", new JsonObject { ["mode"] = "SIMPLE", ["credentialName"] = "good" }),
                    IstioServer("old", "old.example", new JsonObject { ["mode"] = "SIMPLE", ["credentialName"] = "old" }),
                    IstioServer("wrong", "api.example", new JsonObject { ["mode"] = "SIMPLE", ["credentialName"] = "good" }),
                    IstioServer("gone", "gone.example", new JsonObject { ["mode"] = "MUTUAL", ["credentialName"] = "gone" }),
                    IstioServer("pass", "db.example", new JsonObject { ["mode"] = "PASSTHROUGH" })),
            },
        });

        var results = (await cluster.Connect().ScanAsync(Now, [ns])).ToDictionary(r => r.Listener!);

        Assert.Equal(["gone", "old", "pass", "shop", "wrong"], results.Keys.Order());
        Assert.All(results.Values, r => Assert.Equal(("Gateway", "edge"), (r.Kind, r.Name)));
        Assert.Equal(("Valid", "good"), (results["shop"].Status, results["shop"].SecretName));
        Assert.Equal(["shop.example"], results["shop"].Hosts);
        Assert.Equal("Expired", results["old"].Status);
        Assert.Equal("HostMismatch", results["wrong"].Status);
        Assert.Equal("SecretNotFound", results["gone"].Status);
        Assert.Equal(("Valid", FindingIds.Passthrough), (results["pass"].Status, Assert.Single(results["pass"].Findings).Id));
    }

    [ServerOnlyFact]
    public async Task Istio_gateways_are_read_at_an_older_version_when_v1_is_not_served_and_at_the_newest_only()
    {
        var good = TestCertificates.Create("CN=shop.example", ["shop.example"]);
        await using (var older = await TestCluster.StartAsync(new KubeApiServerOptions { IstioGatewayVersions = ["v1beta1", "v1alpha3"] }))
        {
            string ns = await older.CreateNamespaceAsync("istio-old-");
            await older.CreateAsync(ClusterObjects.TlsSecret(ns, "good", good));
            await older.CreateAsync(IstioGateway(ns, "v1beta1", IstioServer("shop", "shop.example", new JsonObject { ["credentialName"] = "good" })));
            await older.CreateAsync(IstioGateway(ns, "v1alpha3", IstioServer("alpha", "shop.example", new JsonObject { ["credentialName"] = "good" })));
            var result = Assert.Single(await older.Connect().ScanAsync(Now, [ns]));
            Assert.Equal(("Gateway", "shop", "Valid"), (result.Kind, result.Listener, result.Status));
        }

        // A real CRD lists the same objects at every version: written at each here, it still counts once.
        await using var all = await TestCluster.StartAsync(new KubeApiServerOptions { IstioGatewayVersions = ["v1", "v1beta1", "v1alpha3"] });
        string both = await all.CreateNamespaceAsync("istio-all-");
        await all.CreateAsync(ClusterObjects.TlsSecret(both, "good", good));
        foreach (string version in new[] { "v1", "v1beta1", "v1alpha3" })
        {
            await all.CreateAsync(IstioGateway(both, version, IstioServer(version, "shop.example", new JsonObject { ["credentialName"] = "good" })));
        }

        all.RequireServer().RequestLog.Clear();
        Assert.Equal("v1", Assert.Single(await all.Connect().ScanAsync(Now, [both])).Listener);
        Assert.DoesNotContain(all.RequireServer().RequestLog.Snapshot(), e => e.PathAndQuery.Contains("networking.istio.io/v1beta1", StringComparison.Ordinal));
    }

    [ServedFact("networking.istio.io/v1")]
    public async Task Istio_credentials_are_read_in_the_gateway_workload_namespace_and_a_mutual_servers_ca_is_reported()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("istio-gw-");
        string workload = await cluster.CreateNamespaceAsync("istio-system-");
        var root = TestCertificates.Create("CN=Client Root", [], ca: true, validDays: 400);
        var good = TestCertificates.Create("CN=shop.example", ["shop.example"]);
        await cluster.CreateAsync(ClusterObjects.TlsSecret(workload, "good", good));
        await cluster.CreateAsync(new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Secret",
            ["type"] = "Opaque",
            ["metadata"] = new JsonObject { ["name"] = "good-cacert", ["namespace"] = workload },
            ["data"] = new JsonObject { ["cacert"] = Convert.ToBase64String(root.CertificateBytes) },
        });
        var stale = TestCertificates.Create("CN=shop.example", ["shop.example"]);
        await cluster.CreateAsync(GenericSecret(workload, "both",
            ("tls.crt", stale.CertificateBytes), ("tls.key", stale.KeyBytes), ("cert", good.CertificateBytes), ("key", good.KeyBytes)));
        await cluster.CreateAsync(IstioGateway(ns, "v1",
            IstioServer("simple", "shop.example", new JsonObject { ["credentialName"] = "good" }),
            IstioServer("mutual", "shop.example", new JsonObject { ["mode"] = "MUTUAL", ["credentialName"] = "good" }),
            IstioServer("both", "shop.example", new JsonObject { ["credentialName"] = "both" })));

        var own = (await cluster.Connect().ScanAsync(Now, [ns])).ToDictionary(r => r.Listener!);
        Assert.Equal(("SecretNotFound", ns), (own["simple"].Status, own["simple"].SecretNamespace));

        var options = Now with { IstioGatewayNamespace = workload };
        var results = (await cluster.Connect().ScanAsync(options, [ns])).ToDictionary(r => r.Listener!);
        Assert.Equal(("Valid", workload, "good"), (results["simple"].Status, results["simple"].SecretNamespace, results["simple"].SecretName));
        Assert.Equal("Valid", results["mutual"].Status);
        var ca = Assert.Single(results["mutual"].Findings, f => f.Id == FindingIds.ClientValidation).Message;
        Assert.Contains($"CA bundle in Secret {workload}/good-cacert: 'CN=Client Root'", ca, StringComparison.Ordinal);
        Assert.DoesNotContain(results["simple"].Findings, f => f.Id == FindingIds.ClientValidation);

        // A Secret with both pairs: Istio serves cert and key (pilot/pkg/credentials/kube ExtractCertInfo), not tls.*.
        Assert.Equal(good.Certificate.Thumbprint, results["both"].Thumbprint);
    }

    [ServedFact("projectcontour.io/v1")]
    public async Task Http_proxies_are_reported_with_every_status_and_delegations_from_namespaces_outside_the_scan()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("contour-");
        string certs = await cluster.CreateNamespaceAsync("contour-certs-");
        var good = TestCertificates.Create("CN=shop.example", ["shop.example"]);
        var expired = TestCertificates.Create("CN=old.example", ["old.example"], validDays: -2, daysAgo: 30);
        await cluster.CreateAsync(ClusterObjects.TlsSecret(ns, "good", good));
        await cluster.CreateAsync(ClusterObjects.TlsSecret(ns, "old", expired));
        await cluster.CreateAsync(ClusterObjects.TlsSecret(certs, "shared", good));
        await cluster.CreateAsync(ClusterObjects.TlsSecret(certs, "private", good));
        await cluster.CreateAsync(Delegation(certs, "shared", ns));
        await cluster.CreateAsync(Proxy(ns, "web", "shop.example", new JsonObject { ["secretName"] = "good" }));
        await cluster.CreateAsync(Proxy(ns, "old", "old.example", new JsonObject { ["secretName"] = "old" }));
        await cluster.CreateAsync(Proxy(ns, "wrong", "api.example", new JsonObject { ["secretName"] = "good" }));
        await cluster.CreateAsync(Proxy(ns, "gone", "gone.example", new JsonObject { ["secretName"] = "gone" }));
        await cluster.CreateAsync(Proxy(ns, "delegated", "shop.example", new JsonObject { ["secretName"] = $"{certs}/shared" }));
        await cluster.CreateAsync(Proxy(ns, "undelegated", "shop.example", new JsonObject { ["secretName"] = $"{certs}/private" }));
        await cluster.CreateAsync(Proxy(ns, "pass", "db.example", new JsonObject { ["passthrough"] = true }));
        await cluster.CreateAsync(Proxy(ns, "plain", "plain.example", null));
        await cluster.CreateAsync(Proxy(ns, "nosecret", "none.example", new JsonObject { ["minimumProtocolVersion"] = "1.3" }));

        var results = (await cluster.Connect().ScanAsync(Now, [ns])).ToDictionary(r => r.Name);

        Assert.Equal(["delegated", "gone", "nosecret", "old", "pass", "undelegated", "web", "wrong"], results.Keys.Order());
        Assert.All(results.Values, r => Assert.Equal("HTTPProxy", r.Kind));
        Assert.Equal(("Valid", "good"), (results["web"].Status, results["web"].SecretName));
        Assert.Equal(["shop.example"], results["web"].Hosts);
        Assert.Equal("Expired", results["old"].Status);
        Assert.Equal("HostMismatch", results["wrong"].Status);
        Assert.Equal("SecretNotFound", results["gone"].Status);
        Assert.Equal(("Valid", certs, "shared"), (results["delegated"].Status, results["delegated"].SecretNamespace, results["delegated"].SecretName));
        Assert.Equal("ReferenceNotPermitted", results["undelegated"].Status);
        Assert.Equal(("Valid", FindingIds.Passthrough), (results["pass"].Status, Assert.Single(results["pass"].Findings).Id));

        // Contour marks a tls with neither secretName nor passthrough invalid (TLSConfigNotValid) and serves nothing for it.
        Assert.Equal(("SecretNotFound", FindingIds.TlsConfigNotValid), (results["nosecret"].Status, Assert.Single(results["nosecret"].Findings).Id));

        // Scanning everything reads the delegations once, cluster-wide, with the same answers.
        var everything = (await cluster.Connect().ScanAsync(Now, null)).Where(r => r.Namespace == ns).ToDictionary(r => r.Name);
        Assert.Equal(("Valid", "ReferenceNotPermitted"), (everything["delegated"].Status, everything["undelegated"].Status));
    }
}
