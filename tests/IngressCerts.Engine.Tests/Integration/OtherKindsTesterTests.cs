using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using IngressCerts.Engine.Certificates;
using IngressCerts.Engine.Inventory;
using IngressCerts.Engine.Kubernetes;
using IngressCerts.Engine.Tests.Probing;
using IngressCerts.Engine.Tests.Support;
using IngressCerts.Engine.Validation;
using IngressCerts.TestServer;
using IngressCerts.TestServer.Testing;
using static IngressCerts.Engine.Tests.Integration.OtherKindObjects;

namespace IngressCerts.Engine.Tests.Integration;

/// <summary>
/// Test-IngressCertificate's engine on the other controllers' kinds (OpenShift Routes, Traefik IngressRoutes, Contour
/// HTTPProxies, Istio Gateways): the checks an Ingress gets wherever they apply, and each kind's own.
/// </summary>
public sealed class OtherKindsTesterTests
{
    private static readonly string[] SecretChecks = ["SecretPresent", "KeyMatches", "CoversHosts", "ChainComplete", "ChainTrusted", "NotExpired", "DaysRemaining"];

    /// <summary>Now, with <paramref name="trusted"/>'s self-signed certificate trusted, so that a good one passes every check.</summary>
    private static TestOptions Trusting(TestCertificates.Issued trusted) =>
        new(DateTimeOffset.UtcNow, TrustedRoots: new X509Certificate2Collection(trusted.Certificate));

    private static TestTarget Target(string ns, string name, string kind, string? group = null, string? listener = null, string? istioNamespace = null,
        string? thumbprint = null) =>
        new(ns, name, ns, null, null, thumbprint, Kind: kind, ApiGroup: group, Listener: listener, IstioGatewayNamespace: istioNamespace);

    private static async Task<IReadOnlyList<CertificateTestResult>> TestAsync(ClusterConnection connection, TestOptions options, params TestTarget[] targets) =>
        await new CertificateTester(connection, options).TestAsync(targets, CancellationToken.None);

    private static CertificateCheck Check(CertificateTestResult result, string name) => Assert.Single(result.Checks, c => c.Name == name);

    private static string Failures(CertificateTestResult result) => string.Join("; ", result.Checks.Where(c => !c.Passed));

    // ---- OpenShift Route ----

    [ServedFact("route.openshift.io/v1")]
    public async Task An_inline_route_certificate_gets_every_check_a_secret_gets_from_spec_tls()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("rt-inline-");
        var good = TestCertificates.Create("CN=shop.example", ["shop.example"]);
        await cluster.CreateAsync(Route(ns, "inline", "shop.example", Inline(good)));

        var result = Assert.Single(await TestAsync(cluster.Connect(), Trusting(good), Target(ns, "inline", "Route", thumbprint: good.Certificate.Thumbprint)));

        Assert.True(result.Passed, Failures(result));
        Assert.Equal(["InlineCertificate", .. SecretChecks.Skip(1), "ExpectedCertificate"], result.Checks.Select(c => c.Name));
        Assert.Equal(("Route", "route.openshift.io", "Valid"), (result.Kind, result.ApiGroup, result.Status));
        Assert.Null(result.SecretName);
        Assert.Equal("spec.tls.key belongs to the certificate in spec.tls.certificate.", Check(result, "KeyMatches").Message);
        Assert.Equal($"spec.tls of Route {ns}/inline holds the expected certificate.", Check(result, "ExpectedCertificate").Message);
        Assert.Contains(result.Findings, f => f.Id == FindingIds.InlineCertificate);
    }

    [ServedFact("route.openshift.io/v1")]
    public async Task An_inline_route_certificate_that_is_wrong_fails_the_check_that_says_how()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("rt-bad-");
        var good = TestCertificates.Create("CN=shop.example", ["shop.example"]);
        var other = TestCertificates.Create("CN=api.example", ["api.example"]);
        var expired = TestCertificates.Create("CN=old.example", ["old.example"], validDays: -2, daysAgo: 30);
        await cluster.CreateAsync(Route(ns, "wrongkey", "shop.example", Inline(good, keyOf: other)));
        await cluster.CreateAsync(Route(ns, "mismatch", "shop.example", Inline(other)));
        await cluster.CreateAsync(Route(ns, "expired", "old.example", Inline(expired)));

        var results = (await TestAsync(cluster.Connect(), new TestOptions(DateTimeOffset.UtcNow, TrustedRoots: new X509Certificate2Collection(new[] { good.Certificate, other.Certificate, expired.Certificate })),
            Target(ns, "wrongkey", "Route"), Target(ns, "mismatch", "Route"), Target(ns, "expired", "Route", thumbprint: good.Certificate.Thumbprint))).ToDictionary(r => r.Name!);

        Assert.Equal(["KeyMatches"], results["wrongkey"].FailedChecks);
        Assert.Equal("KeyMismatch", results["wrongkey"].Status);
        Assert.Equal(["CoversHosts"], results["mismatch"].FailedChecks);
        Assert.Equal("HostMismatch", results["mismatch"].Status);
        Assert.Equal(["NotExpired", "DaysRemaining", "ExpectedCertificate"], results["expired"].FailedChecks);
        Assert.Equal($"spec.tls of Route {ns}/expired holds {expired.Certificate.Thumbprint}, not {good.Certificate.Thumbprint}.", Check(results["expired"], "ExpectedCertificate").Message);
    }

    [ServedFact("route.openshift.io/v1")]
    public async Task A_route_external_certificate_is_tested_in_its_secret_and_a_passthrough_route_says_the_router_holds_none()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("rt-ext-");
        var good = TestCertificates.Create("CN=shop.example", ["shop.example"]);
        await cluster.CreateAsync(ClusterObjects.TlsSecret(ns, "ext-tls", good));
        await cluster.CreateAsync(Route(ns, "external", "shop.example", new JsonObject { ["termination"] = "edge", ["externalCertificate"] = new JsonObject { ["name"] = "ext-tls" } }));
        await cluster.CreateAsync(Route(ns, "missing", "shop.example", new JsonObject { ["termination"] = "reencrypt", ["externalCertificate"] = new JsonObject { ["name"] = "gone" } }));
        await cluster.CreateAsync(Route(ns, "pass", "db.example", new JsonObject { ["termination"] = "passthrough" }));
        await cluster.CreateAsync(Route(ns, "plain", "plain.example", null));

        var results = (await TestAsync(cluster.Connect(), Trusting(good),
            Target(ns, "external", "Route"), Target(ns, "missing", "Route"), Target(ns, "pass", "Route"), Target(ns, "plain", "Route"), Target(ns, "nope", "Route"))).ToDictionary(r => r.Name!);

        Assert.True(results["external"].Passed, Failures(results["external"]));
        Assert.Equal(SecretChecks, results["external"].Checks.Select(c => c.Name));
        Assert.Equal(("ext-tls", $"Secret {ns}/ext-tls"), (results["external"].SecretName, Check(results["external"], "SecretPresent").Expected));
        Assert.Equal(["SecretPresent"], results["missing"].FailedChecks);
        Assert.Equal("SecretNotFound", results["missing"].Status);

        var pass = Assert.Single(results["pass"].Checks);
        Assert.Equal((FindingIds.Passthrough, true), (pass.Name, pass.Passed));
        Assert.Contains("the router holds no certificate", pass.Message, StringComparison.Ordinal);
        Assert.Equal("Valid", results["pass"].Status);

        Assert.Equal(["TlsConfigured"], results["plain"].FailedChecks);
        Assert.Equal(["Found"], results["nope"].FailedChecks);
        Assert.Equal($"Route {ns}/nope does not exist in '{cluster.Connect().ContextName}'.", Check(results["nope"], "Found").Message);
        Assert.Equal(("Route", "route.openshift.io"), (results["nope"].Kind, results["nope"].ApiGroup));
    }

    // Server only: the status (the router's canonical host name) is seeded, as a router would write it.
    [ServerOnlyFact]
    public async Task A_route_is_probed_at_its_routers_canonical_host_name_with_its_host_as_SNI_and_a_passthrough_route_is_not_probed()
    {
        await using var cluster = await TestCluster.StartAsync();
        var server = cluster.RequireServer();
        string ns = await cluster.CreateNamespaceAsync("rt-live-");
        var good = TestCertificates.Create("CN=shop.example", ["shop.example"]);
        var route = Route(ns, "inline", "shop.example", Inline(good));
        route["status"] = new JsonObject { ["ingress"] = new JsonArray(new JsonObject { ["host"] = "shop.example", ["routerCanonicalHostname"] = "router-default.apps.example" }) };
        server.Seed([route, Route(ns, "pass", "db.example", new JsonObject { ["termination"] = "passthrough" })]);
        var probe = new RecordingProbe(good.Certificate);

        var results = (await new CertificateTester(cluster.Connect(), Trusting(good) with { Live = true }, probe)
            .TestAsync([Target(ns, "inline", "Route"), Target(ns, "pass", "Route")], CancellationToken.None)).ToDictionary(r => r.Name!);

        Assert.True(Check(results["inline"], "Served:shop.example").Passed);
        Assert.Equal([("router-default.apps.example", "shop.example")], probe.Requests);
        Assert.DoesNotContain(results["pass"].Checks, c => c.Name.StartsWith("Served", StringComparison.Ordinal));
    }

    // ---- Traefik IngressRoute ----

    [ServedFact("traefik.io/v1alpha1")]
    public async Task An_ingress_route_is_tested_in_its_secret_for_the_hosts_of_its_rule()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("tr-");
        var good = TestCertificates.Create("CN=shop.example", ["shop.example"]);
        await cluster.CreateAsync(ClusterObjects.TlsSecret(ns, "good", good));
        await cluster.CreateAsync(IngressRoute(ns, "web", "Host(`shop.example`) && !(Host(`api.example`) || Host(`old.example`))", new JsonObject { ["secretName"] = "good" }));
        await cluster.CreateAsync(IngressRoute(ns, "wrong", "Host(`api.example`)", new JsonObject { ["secretName"] = "good" }));
        await cluster.CreateAsync(IngressRoute(ns, "gone", "Host(`shop.example`)", new JsonObject { ["secretName"] = "gone" }));
        await cluster.CreateAsync(IngressRoute(ns, "acme", "Host(`acme.example`)", new JsonObject { ["certResolver"] = "le" }));

        var results = (await TestAsync(cluster.Connect(), Trusting(good),
            Target(ns, "web", "IngressRoute"), Target(ns, "wrong", "IngressRoute"), Target(ns, "gone", "IngressRoute"), Target(ns, "acme", "IngressRoute"))).ToDictionary(r => r.Name!);

        Assert.True(results["web"].Passed, Failures(results["web"]));
        Assert.Equal(SecretChecks, results["web"].Checks.Select(c => c.Name));
        Assert.Equal(("IngressRoute", "traefik.io", "shop.example"), (results["web"].Kind, results["web"].ApiGroup, results["web"].Host));
        Assert.Equal(["CoversHosts"], results["wrong"].FailedChecks);
        Assert.Equal(["SecretPresent"], results["gone"].FailedChecks);
        var acme = Assert.Single(results["acme"].Checks);
        Assert.Equal((FindingIds.ControllerManagedCertificate, true), (acme.Name, acme.Passed));
        Assert.Contains("certResolver 'le'", acme.Message, StringComparison.Ordinal);
    }

    [ServerOnlyFact]
    public async Task A_kind_is_looked_up_by_a_list_narrowed_to_its_name_so_a_crowded_namespace_is_not_read_whole()
    {
        await using var cluster = await TestCluster.StartAsync();
        var server = cluster.RequireServer();
        string ns = await cluster.CreateNamespaceAsync("tr-crowd-");
        var good = TestCertificates.Create("CN=shop.example", ["shop.example"]);
        await cluster.CreateAsync(ClusterObjects.TlsSecret(ns, "good", good));
        for (int i = 0; i < 3; i++)
        {
            await cluster.CreateAsync(IngressRoute(ns, $"other-{i}", $"Host(`other-{i}.example`)", new JsonObject { ["secretName"] = "good" }));
        }

        await cluster.CreateAsync(IngressRoute(ns, "web", "Host(`shop.example`)", new JsonObject { ["secretName"] = "good" }));
        server.RequestLog.Clear();

        var result = Assert.Single(await TestAsync(cluster.Connect(), Trusting(good), Target(ns, "web", "IngressRoute", "traefik.io")));

        Assert.True(result.Passed, Failures(result));
        var list = Assert.Single(server.RequestLog.Snapshot(), e => e.PathAndQuery.Contains("/ingressroutes", StringComparison.Ordinal));
        Assert.Contains("fieldSelector=metadata.name%3Dweb", list.PathAndQuery, StringComparison.Ordinal);
    }

    [ServedFact("traefik.containo.us/v1alpha1")]
    public async Task An_ingress_route_of_the_older_group_is_found_without_its_group_and_with_it()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("tr-old-");
        var good = TestCertificates.Create("CN=shop.example", ["shop.example"]);
        await cluster.CreateAsync(ClusterObjects.TlsSecret(ns, "good", good));
        await cluster.CreateAsync(IngressRoute(ns, "legacy", "Host(`shop.example`)", new JsonObject { ["secretName"] = "good" }, "traefik.containo.us"));

        var results = await TestAsync(cluster.Connect(), Trusting(good), Target(ns, "legacy", "IngressRoute"), Target(ns, "legacy", "IngressRoute", "traefik.containo.us"));

        Assert.All(results, r => Assert.True(r.Passed, Failures(r)));
        Assert.All(results, r => Assert.Equal("traefik.containo.us", r.ApiGroup));
        var wrongGroup = Assert.Single(await TestAsync(cluster.Connect(), Trusting(good), Target(ns, "legacy", "IngressRoute", "traefik.io")));
        Assert.Equal(["Found"], wrongGroup.FailedChecks);
    }

    // ---- Contour HTTPProxy ----

    [ServedFact("projectcontour.io/v1")]
    public async Task An_http_proxy_secret_in_another_namespace_must_be_delegated()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("hp-");
        string certs = await cluster.CreateNamespaceAsync("hp-certs-");
        var good = TestCertificates.Create("CN=shop.example", ["shop.example"]);
        await cluster.CreateAsync(ClusterObjects.TlsSecret(ns, "good", good));
        await cluster.CreateAsync(ClusterObjects.TlsSecret(certs, "shared", good));
        await cluster.CreateAsync(ClusterObjects.TlsSecret(certs, "private", good));
        await cluster.CreateAsync(Delegation(certs, "shared", ns));
        await cluster.CreateAsync(Proxy(ns, "web", "shop.example", new JsonObject { ["secretName"] = "good" }));
        await cluster.CreateAsync(Proxy(ns, "delegated", "shop.example", new JsonObject { ["secretName"] = $"{certs}/shared" }));
        await cluster.CreateAsync(Proxy(ns, "undelegated", "shop.example", new JsonObject { ["secretName"] = $"{certs}/private" }));
        await cluster.CreateAsync(Proxy(ns, "wrong", "api.example", new JsonObject { ["secretName"] = "good" }));
        await cluster.CreateAsync(Proxy(ns, "pass", "db.example", new JsonObject { ["passthrough"] = true }));
        await cluster.CreateAsync(Proxy(ns, "nosecret", "none.example", new JsonObject { ["minimumProtocolVersion"] = "1.3" }));

        var results = (await TestAsync(cluster.Connect(), Trusting(good), Target(ns, "web", "HTTPProxy"), Target(ns, "delegated", "HTTPProxy"),
            Target(ns, "undelegated", "HTTPProxy"), Target(ns, "wrong", "HTTPProxy"), Target(ns, "pass", "HTTPProxy"), Target(ns, "nosecret", "HTTPProxy")))
            .ToDictionary(r => r.Name!);

        Assert.True(results["web"].Passed, Failures(results["web"]));
        Assert.Equal(("HTTPProxy", "projectcontour.io"), (results["web"].Kind, results["web"].ApiGroup));
        Assert.True(results["delegated"].Passed, Failures(results["delegated"]));
        Assert.Equal($"Secret {certs}/shared", Check(results["delegated"], "SecretPresent").Expected);

        Assert.Equal(["ReferencePermitted"], results["undelegated"].FailedChecks);
        var permitted = Check(results["undelegated"], "ReferencePermitted");
        Assert.Equal("a reference the HTTPProxy may use", permitted.Expected);
        Assert.Contains($"no TLSCertificateDelegation in '{certs}' delegates it to '{ns}'", permitted.Message, StringComparison.Ordinal);
        Assert.Equal("ReferenceNotPermitted", results["undelegated"].Status);

        Assert.Equal(["CoversHosts"], results["wrong"].FailedChecks);
        Assert.Equal((FindingIds.Passthrough, true), (Assert.Single(results["pass"].Checks).Name, results["pass"].Passed));

        // Contour rejects a tls with neither secretName nor passthrough: nothing is served, not its default certificate.
        Assert.Equal(["SecretPresent"], results["nosecret"].FailedChecks);
        Assert.Contains("Contour marks it invalid (TLSConfigNotValid", Check(results["nosecret"], "SecretPresent").Message, StringComparison.Ordinal);
        Assert.Equal("SecretNotFound", results["nosecret"].Status);
    }

    // Server only: the load balancer address is seeded in the status, as Contour writes it.
    [ServerOnlyFact]
    public async Task An_http_proxy_is_probed_at_its_load_balancer_address()
    {
        await using var cluster = await TestCluster.StartAsync();
        var server = cluster.RequireServer();
        string ns = await cluster.CreateNamespaceAsync("hp-live-");
        var good = TestCertificates.Create("CN=shop.example", ["shop.example"]);
        var other = TestCertificates.Create("CN=shop.example", ["shop.example"]);
        await cluster.CreateAsync(ClusterObjects.TlsSecret(ns, "good", good));
        var proxy = Proxy(ns, "web", "shop.example", new JsonObject { ["secretName"] = "good" });
        proxy["status"] = new JsonObject { ["loadBalancer"] = new JsonObject { ["ingress"] = new JsonArray(new JsonObject { ["ip"] = "192.0.2.10" }) } };
        server.Seed([proxy]);
        var probe = new RecordingProbe(other.Certificate);

        var result = Assert.Single(await new CertificateTester(cluster.Connect(), Trusting(good) with { Live = true }, probe)
            .TestAsync([Target(ns, "web", "HTTPProxy")], CancellationToken.None));

        Assert.Equal([("192.0.2.10", "shop.example")], probe.Requests);
        var served = Check(result, "Served:shop.example");
        Assert.False(served.Passed);
        Assert.Equal(other.Certificate.Thumbprint, served.Actual);
    }

    // ---- Istio Gateway ----

    [ServedFact("networking.istio.io/v1")]
    public async Task An_istio_gateway_is_tested_per_server_in_the_workload_namespace_with_generic_secrets_and_its_mutual_ca()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("is-");
        string workload = await cluster.CreateNamespaceAsync("is-system-");
        var good = TestCertificates.Create("CN=shop.example", ["shop.example"]);
        var root = TestCertificates.Create("CN=Client Root", [], ca: true, validDays: 400);
        await cluster.CreateAsync(ClusterObjects.TlsSecret(workload, "good", good));
        await cluster.CreateAsync(GenericSecret(workload, "generic", ("cert", good.CertificateBytes), ("key", good.KeyBytes)));
        await cluster.CreateAsync(GenericSecret(workload, "good-cacert", ("cacert", root.CertificateBytes)));
        var stale = TestCertificates.Create("CN=shop.example", ["shop.example"], validDays: -2, daysAgo: 30);
        await cluster.CreateAsync(GenericSecret(workload, "both", ("tls.crt", stale.CertificateBytes), ("tls.key", stale.KeyBytes), ("cert", good.CertificateBytes), ("key", good.KeyBytes)));
        await cluster.CreateAsync(IstioGateway(ns, "v1",
            IstioServer("both", "shop.example", new JsonObject { ["mode"] = "SIMPLE", ["credentialName"] = "both" }),
            IstioServer("simple", $"{ns}/shop.example", new JsonObject { ["mode"] = "SIMPLE", ["credentialName"] = "good" }),
            IstioServer("generic", "shop.example", new JsonObject { ["mode"] = "SIMPLE", ["credentialName"] = "generic" }),
            IstioServer("mutual", "shop.example", new JsonObject { ["mode"] = "MUTUAL", ["credentialName"] = "good" }),
            IstioServer("noca", "shop.example", new JsonObject { ["mode"] = "MUTUAL", ["credentialName"] = "generic" }),
            IstioServer("pass", "db.example", new JsonObject { ["mode"] = "PASSTHROUGH" })));
        var connection = cluster.Connect();

        var results = (await TestAsync(connection, Trusting(good), Target(ns, "edge", "Gateway", ApiGroups.Istio, istioNamespace: workload)))
            .ToDictionary(r => r.Listener!);

        Assert.Equal(["both", "generic", "mutual", "noca", "pass", "simple"], results.Keys.Order());
        Assert.All(results.Values, r => Assert.Equal(("Gateway", ApiGroups.Istio), (r.Kind, r.ApiGroup)));
        Assert.True(results["simple"].Passed, Failures(results["simple"]));
        Assert.Equal($"Secret {workload}/good", Check(results["simple"], "SecretPresent").Expected);
        Assert.True(results["generic"].Passed, Failures(results["generic"]));
        Assert.Equal("key belongs to the certificate in cert.", Check(results["generic"], "KeyMatches").Message);

        // Both pairs: Istio serves cert and key (the good certificate), never the expired tls.crt beside them.
        Assert.True(results["both"].Passed, Failures(results["both"]));
        Assert.Equal("key belongs to the certificate in cert.", Check(results["both"], "KeyMatches").Message);

        var ca = Check(results["mutual"], "ClientCaBundle");
        Assert.True(ca.Passed);
        Assert.Contains($"CA bundle in Secret {workload}/good-cacert: 'CN=Client Root'", ca.Message, StringComparison.Ordinal);
        Assert.Contains(results["mutual"].Findings, f => f.Id == FindingIds.ClientValidation && f.Message.Contains("CN=Client Root", StringComparison.Ordinal));
        Assert.Equal(["ClientCaBundle"], results["noca"].FailedChecks);
        Assert.Contains("no CA bundle was found", Check(results["noca"], "ClientCaBundle").Message, StringComparison.Ordinal);
        Assert.DoesNotContain(results["simple"].Checks, c => c.Name == "ClientCaBundle");
        Assert.Equal((FindingIds.Passthrough, true), (Assert.Single(results["pass"].Checks).Name, results["pass"].Passed));

        // Without the workload namespace the Secret is looked for in the Gateway's own, as Istio's default install reads it.
        var own = Assert.Single(await TestAsync(connection, Trusting(good), Target(ns, "edge", "Gateway", ApiGroups.Istio, listener: "simple")));
        Assert.Equal(["SecretPresent"], own.FailedChecks);
        Assert.Equal($"Secret {ns}/good", Check(own, "SecretPresent").Expected);
    }

    [ServedFact("networking.istio.io/v1")]
    public async Task An_istio_gateway_is_never_looked_up_as_a_gateway_api_one_and_a_missing_one_is_named_as_istios()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("is-kind-");
        var good = TestCertificates.Create("CN=shop.example", ["shop.example"]);
        await cluster.CreateAsync(ClusterObjects.TlsSecret(ns, "good", good));
        await cluster.CreateAsync(IstioGateway(ns, "v1", IstioServer("simple", "shop.example", new JsonObject { ["credentialName"] = "good" })));

        var results = await TestAsync(cluster.Connect(), Trusting(good), Target(ns, "edge", "Gateway", ApiGroups.Istio), Target(ns, "other", "Gateway", ApiGroups.Istio));

        Assert.True(results[0].Passed, Failures(results[0]));
        Assert.Equal($"Istio Gateway {ns}/other does not exist in '{cluster.Connect().ContextName}'.", Check(results[1], "Found").Message);
        Assert.Equal(ApiGroups.Istio, results[1].ApiGroup);
    }

    // ---- cert-manager, and what is not served ----

    [ServerOnlyFact]
    public async Task The_cert_manager_ready_check_applies_to_the_secret_of_any_kind()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("cm-kinds-");
        var good = TestCertificates.Create("CN=shop.example", ["shop.example"]);
        await cluster.CreateAsync(ClusterObjects.TlsSecret(ns, "shop-tls", good));
        await cluster.CreateAsync(Proxy(ns, "web", "shop.example", new JsonObject { ["secretName"] = "shop-tls" }));
        await cluster.CreateAsync(ClusterObjects.CertManagerCertificate(ns, "shop", "shop-tls", "letsencrypt"));
        await cluster.SetCertificateStatusAsync(ns, "shop", ClusterObjects.CertManagerStatus("False", "Failed", "rate limited"));

        var result = Assert.Single(await TestAsync(cluster.Connect(), Trusting(good), Target(ns, "web", "HTTPProxy")));

        Assert.Equal(["CertManagerReady"], result.FailedChecks);
    }

    [ServerOnlyFact]
    public async Task A_kind_whose_api_is_not_served_is_an_error_naming_the_object_and_has_no_result()
    {
        await using var cluster = await TestCluster.StartAsync(new KubeApiServerOptions { ServeOtherKinds = false });
        string ns = await cluster.CreateNamespaceAsync("unserved-");
        var good = TestCertificates.Create("CN=shop.example", ["shop.example"]);
        await cluster.CreateAsync(ClusterObjects.TlsSecret(ns, "good", good));
        var errors = new List<KindNotServedException>();

        var results = await new CertificateTester(cluster.Connect(), Trusting(good), notServed: errors.Add)
            .TestAsync([Target(ns, "web", "Route"), Target(ns, "edge", "Gateway", ApiGroups.Istio), new TestTarget(ns, null, ns, "good", null)], CancellationToken.None);

        Assert.Equal([null], results.Select(r => r.Name));
        Assert.Equal([$"Route {ns}/web", $"Istio Gateway {ns}/edge"], errors.Select(e => e.Object));
        Assert.Contains("does not serve route.openshift.io/v1 routes", errors[0].Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<KindNotServedException>(() => TestAsync(cluster.Connect(), Trusting(good), Target(ns, "web", "HTTPProxy")));
    }

    [Fact]
    public async Task A_secret_row_of_get_is_tested_as_the_secret_it_names()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("secret-row-");
        var good = TestCertificates.Create("CN=shop.example", ["shop.example"]);
        await cluster.CreateAsync(ClusterObjects.TlsSecret(ns, "spare", good));

        var result = Assert.Single(await TestAsync(cluster.Connect(), Trusting(good), new TestTarget(ns, "spare", ns, "spare", null, Kind: "Secret")));

        Assert.True(result.Passed, Failures(result));
        Assert.Equal(SecretChecks, result.Checks.Select(c => c.Name));
        Assert.Equal((null, null, "spare"), (result.Name, result.Kind, result.SecretName));
    }

    [Theory]
    [InlineData("""{"status":{"addresses":[{"type":"IPAddress","value":"192.0.2.1"},{"value":"lb.example"}]}}""", "192.0.2.1,lb.example")]
    [InlineData("""{"status":{"loadBalancer":{"ingress":[{"ip":"192.0.2.2"},{"hostname":"elb.example"},{}]}}}""", "192.0.2.2,elb.example")]
    [InlineData("""{"status":{"ingress":[{"host":"shop.example","routerCanonicalHostname":"router.apps.example"},{"host":"shop.example","routerCanonicalHostname":"router.apps.example"}]}}""", "router.apps.example")]
    [InlineData("""{"status":{"conditions":[]}}""", "")]
    [InlineData("""{"spec":{}}""", "")]
    public void The_addresses_to_probe_come_from_whichever_status_shape_the_controller_writes(string json, string expected) =>
        Assert.Equal(expected, string.Join(",", ObjectLookup.Addresses(System.Text.Json.JsonDocument.Parse(json).RootElement)));

    [Theory]
    [InlineData("Gateway", null, "gateway.networking.k8s.io,networking.istio.io")]
    [InlineData("gateway", "networking.istio.io", "networking.istio.io")]
    [InlineData("IngressRoute", null, "traefik.io,traefik.containo.us")]
    [InlineData("Route", "", "route.openshift.io")]
    [InlineData("Gateway", "route.openshift.io", "")]
    [InlineData("VirtualService", null, "")]
    public void A_kind_is_looked_for_in_the_group_given_else_in_each_of_its_apis_in_turn(string kind, string? group, string expected) =>
        Assert.Equal(expected, string.Join(",", ObjectLookup.Candidates(kind, group).Select(a => a.Group)));

    /// <summary>A probe that serves one certificate and records where (the endpoint's host) and for which SNI it was asked.</summary>
    private sealed class RecordingProbe(X509Certificate2 serving) : Engine.Probing.ITlsProbe
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<(string, string)> _requests = new();

        public IReadOnlyList<(string Host, string Sni)> Requests => _requests.ToArray();

        public Task<Engine.Probing.ProbeResult> ProbeAsync(Engine.Probing.ProbeRequest request, TimeSpan timeout, CancellationToken cancellationToken = default)
        {
            _requests.Enqueue((request.Endpoint.Host, request.EffectiveSni ?? string.Empty));
            return Task.FromResult(new Engine.Probing.ProbeResult { Endpoint = request.Endpoint, Sni = request.EffectiveSni, Leaf = serving, Tag = request.Tag });
        }
    }
}
