using IngressCerts.Engine.Certificates;
using IngressCerts.Engine.Inventory;
using IngressCerts.Engine.Tests.Support;

namespace IngressCerts.Engine.Tests.Inventory.Kinds;

/// <summary>The other controllers' kinds read offline, as Get-IngressCertificate -Path reads manifest files.</summary>
public sealed class OtherKindsManifestTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ic-kinds-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private List<IngressCertificate> Scan(string yaml)
    {
        string file = Path.Combine(_dir, "m.yaml");
        File.WriteAllText(file, yaml);
        var (objects, error) = ManifestReader.ReadFile(file);
        Assert.Null(error);
        return new ManifestScanner(new InventoryOptions(DateTimeOffset.UtcNow)).Scan(objects).ToList();
    }

    /// <summary>A PEM as a YAML block scalar at <paramref name="indent"/> spaces.</summary>
    private static string Block(string pem, int indent) =>
        "|\n" + string.Join("\n", pem.Trim().Split('\n').Select(l => new string(' ', indent) + l.TrimEnd('\r'))) + "\n";

    private static string Secret(string ns, string name, TestCertificates.Issued cert) =>
        $"---\napiVersion: v1\nkind: Secret\ntype: kubernetes.io/tls\nmetadata: {{name: {name}, namespace: {ns}}}\ndata:\n" +
        $"  tls.crt: {Convert.ToBase64String(cert.CertificateBytes)}\n  tls.key: {Convert.ToBase64String(cert.KeyBytes)}\n";

    // ---- OpenShift Route ----

    private static string Route(string name, string host, string tls) =>
        $"---\napiVersion: route.openshift.io/v1\nkind: Route\nmetadata: {{name: {name}, namespace: shop}}\nspec:\n  host: {host}\n  to: {{kind: Service, name: web}}\n" + tls;

    private static string InlineTls(TestCertificates.Issued cert) =>
        $"  tls:\n    termination: edge\n    certificate: {Block(cert.CertificatePem, 6)}    key: {Block(cert.KeyPem, 6)}";

    [Fact]
    public void A_route_with_an_inline_certificate_is_evaluated_like_a_secret_and_says_inline()
    {
        var cert = TestCertificates.Create("CN=shop.example", ["shop.example"]);
        var result = Assert.Single(Scan(Route("web", "shop.example", InlineTls(cert))));
        Assert.Equal("Valid", result.Status);
        Assert.Equal("Route", result.Kind);
        Assert.Equal(["shop.example"], result.Hosts);
        Assert.Null(result.SecretName);
        Assert.Equal(cert.Certificate.Thumbprint, result.Thumbprint);
        var inline = Assert.Single(result.Findings, f => f.Id == FindingIds.InlineCertificate);
        Assert.Contains("inline in spec.tls of Route shop/web", inline.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_inline_certificate_that_has_expired_or_misses_the_host_says_so()
    {
        var expired = TestCertificates.Create("CN=shop.example", ["shop.example"], validDays: -2, daysAgo: 30);
        var other = TestCertificates.Create("CN=api.example", ["api.example"]);
        var results = Scan(Route("old", "shop.example", InlineTls(expired)) + Route("wrong", "shop.example", InlineTls(other))).ToDictionary(r => r.Name);
        Assert.Equal("Expired", results["old"].Status);
        Assert.Equal("HostMismatch", results["wrong"].Status);
    }

    [Fact]
    public void An_inline_key_of_another_certificate_is_a_key_mismatch()
    {
        var cert = TestCertificates.Create("CN=shop.example", ["shop.example"]);
        var other = TestCertificates.Create("CN=shop.example", ["shop.example"]);
        string tls = $"  tls:\n    termination: reencrypt\n    certificate: {Block(cert.CertificatePem, 6)}    key: {Block(other.KeyPem, 6)}";
        var result = Assert.Single(Scan(Route("web", "shop.example", tls)));
        Assert.Equal("KeyMismatch", result.Status);

        // The finding names the Route's field, not a Secret's tls.key.
        Assert.StartsWith("spec.tls.key does not belong to certificate", Assert.Single(result.Findings, f => f.Id == FindingIds.KeyMismatch).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_route_with_an_external_certificate_reads_the_secret_in_its_namespace()
    {
        var cert = TestCertificates.Create("CN=shop.example", ["shop.example"]);
        string tls = "  tls:\n    termination: edge\n    externalCertificate: {name: shop-tls}\n";
        var found = Assert.Single(Scan(Route("web", "shop.example", tls) + Secret("shop", "shop-tls", cert)));
        Assert.Equal("Valid", found.Status);
        Assert.Equal(("shop", "shop-tls"), (found.SecretNamespace, found.SecretName));
        Assert.DoesNotContain(found.Findings, f => f.Id == FindingIds.InlineCertificate);

        Assert.Equal("SecretNotFound", Assert.Single(Scan(Route("web", "shop.example", tls) + Secret("other", "shop-tls", cert))).Status);
    }

    [Fact]
    public void A_passthrough_route_has_no_certificate_at_the_router_and_says_so()
    {
        var result = Assert.Single(Scan(Route("db", "db.example", "  tls: {termination: passthrough}\n")));
        Assert.Equal("Valid", result.Status);
        Assert.Equal(FindingIds.Passthrough, Assert.Single(result.Findings).Id);
        Assert.Contains("passes TLS through", Assert.Single(result.Issues), StringComparison.Ordinal);
        Assert.Null(result.Thumbprint);
        Assert.Null(result.NotAfter);
    }

    [Fact]
    public void A_route_without_tls_is_no_reference_and_an_edge_route_without_certificate_gets_the_router_default()
    {
        Assert.Empty(Scan(Route("plain", "plain.example", string.Empty)));
        Assert.Equal("DefaultCertificate", Assert.Single(Scan(Route("edge", "edge.example", "  tls: {termination: edge}\n"))).Status);
    }

    // ---- Traefik IngressRoute ----

    private static string IngressRoute(string name, string match, string tls, string group = "traefik.io") =>
        $"---\napiVersion: {group}/v1alpha1\nkind: IngressRoute\nmetadata: {{name: {name}, namespace: shop}}\nspec:\n" +
        $"  routes:\n  - match: '{match}'\n    kind: Rule\n    services: [{{name: web, port: 80}}]\n" + tls;

    [Fact]
    public void A_secret_only_an_ingress_route_uses_is_not_unreferenced()
    {
        var good = TestCertificates.Create("CN=shop.example", ["shop.example"]);
        string file = Path.Combine(_dir, "m.yaml");
        File.WriteAllText(file, IngressRoute("web", "Host(`shop.example`)", "  tls: {secretName: good}\n") + Secret("shop", "good", good) + Secret("shop", "spare", good));
        var (objects, error) = ManifestReader.ReadFile(file);
        Assert.Null(error);
        var results = new ManifestScanner(new InventoryOptions(DateTimeOffset.UtcNow, IncludeUnreferenced: true)).Scan(objects).ToList();

        Assert.Equal(["IngressRoute web good", "Secret spare spare"], results.Select(r => $"{r.Kind} {r.Name} {r.SecretName}").Order());
    }

    [Theory]
    [InlineData("Host(`a.example`)", "a.example")]
    [InlineData("Host(`a.example`, `b.example`) && PathPrefix(`/api`)", "a.example,b.example")]
    [InlineData("Host(\"a.example\") || HostSNI(`b.example`)", "a.example,b.example")]
    [InlineData("PathPrefix(`/x`) && (Host(`a.example`) || HostHeader(`c.example`))", "a.example,c.example")]
    [InlineData("HostSNI(`*`)", "")]
    [InlineData("HostRegexp(`^(a|b)\\.example$`)", "")]
    [InlineData("Host(`a.example`) && !Host(`b.example`)", "a.example")]
    [InlineData("!HostSNI(`b.example`) || ! Host(`c.example`)", "")]
    [InlineData("HostSNIRegexp(`^.+\\.example$`)", "")]
    [InlineData("!(Host(`a.example`) || Host(`b.example`))", "")]
    [InlineData("Host(`c.example`) && !(Host(`a.example`) || Host(`b.example`))", "c.example")]
    [InlineData("!(Host(`a.example`) && !Host(`b.example`))", "b.example")]
    [InlineData("!(PathPrefix(`/x`) || (Host(`a.example`) && (Host(`b.example`))))", "")]
    [InlineData("(!(Host(`a.example`))) || ((Host(`b.example`)))", "b.example")]
    [InlineData("!!Host(`a.example`)", "a.example")]
    [InlineData("! ( Host(`a.example`) ) || Host(`c.example`)", "c.example")]
    [InlineData("!PathPrefix(`/x`) && Host(`a.example`)", "a.example")]
    [InlineData("PathPrefix(`/a(b`) && !Path(`/c)`) && Host(`a.example`)", "a.example")]
    [InlineData("!(Host(`a.example`, `b.example`)) || Host(`c.example`, \"d.example\")", "c.example,d.example")]
    [InlineData("!(HostSNI(`a.example`) || HostHeader(`b.example`)) && HostSNI(`c.example`)", "c.example")]
    [InlineData("MyHost(`x.example`) || Host(`a.example`)", "a.example")]
    public void Traefik_rules_give_the_hosts_of_their_host_matchers(string rule, string expected) =>
        Assert.Equal(expected, string.Join(",", Engine.Inventory.Kinds.TraefikIngressRoutes.Hosts(rule).Hosts));

    [Theory]
    [InlineData("HostRegexp(`^(a|b)\\.example$`)", "^(a|b)\\.example$")]
    [InlineData("HostSNIRegexp(`^.+\\.example$`) && Host(`x.example`)", "^.+\\.example$")]
    [InlineData("!HostRegexp(`^a$`)", "")]
    [InlineData("!(HostRegexp(`^a$`) || Host(`b.example`)) && HostRegexp(`{sub:[a-z]+}.example`)", "{sub:[a-z]+}.example")]
    [InlineData("!(Host(`x.example`) && !HostRegexp(`^(a|b)$`))", "^(a|b)$")]
    public void Traefik_host_patterns_are_kept_apart_and_a_negated_one_is_none(string rule, string expected) =>
        Assert.Equal(expected, string.Join(",", Engine.Inventory.Kinds.TraefikIngressRoutes.Hosts(rule).Patterns));

    [Fact]
    public void An_ingress_route_reads_its_secret_and_hosts_in_both_groups()
    {
        var good = TestCertificates.Create("CN=shop.example", ["shop.example", "www.shop.example"]);
        var expired = TestCertificates.Create("CN=old.example", ["old.example"], validDays: -2, daysAgo: 30);
        string yaml = IngressRoute("web", "Host(`shop.example`) || Host(`www.shop.example`)", "  tls: {secretName: good}\n")
            + IngressRoute("legacy", "Host(`shop.example`)", "  tls: {secretName: good}\n", "traefik.containo.us")
            + IngressRoute("old", "Host(`old.example`)", "  tls: {secretName: old}\n")
            + IngressRoute("wrong", "Host(`api.example`)", "  tls: {secretName: good}\n")
            + IngressRoute("gone", "Host(`gone.example`)", "  tls: {secretName: gone}\n")
            + IngressRoute("plain", "Host(`plain.example`)", string.Empty)
            + Secret("shop", "good", good) + Secret("shop", "old", expired);
        var results = Scan(yaml).ToDictionary(r => r.Name);

        Assert.Equal(["gone", "legacy", "old", "web", "wrong"], results.Keys.Order());
        Assert.All(results.Values, r => Assert.Equal("IngressRoute", r.Kind));
        Assert.Equal(("Valid", "good"), (results["web"].Status, results["web"].SecretName));
        Assert.Equal(["shop.example", "www.shop.example"], results["web"].Hosts);
        Assert.Equal("Valid", results["legacy"].Status);
        Assert.Equal("Expired", results["old"].Status);
        Assert.Equal("HostMismatch", results["wrong"].Status);
        Assert.Equal("SecretNotFound", results["gone"].Status);
    }

    [Fact]
    public void A_cert_resolver_is_traefiks_own_certificate_and_a_host_pattern_is_noted()
    {
        var acme = Assert.Single(Scan(IngressRoute("acme", "Host(`shop.example`)", "  tls: {certResolver: letsencrypt}\n")));
        Assert.Equal("Valid", acme.Status);
        var note = Assert.Single(acme.Findings);
        Assert.Equal(FindingIds.ControllerManagedCertificate, note.Id);
        Assert.Contains("certResolver 'letsencrypt'", note.Message, StringComparison.Ordinal);

        var cert = TestCertificates.Create("CN=shop.example", ["shop.example"]);
        var pattern = Assert.Single(Scan(IngressRoute("re", "Host(`shop.example`) || HostRegexp(`^.+\\.shop\\.example$`)", "  tls: {secretName: s}\n") + Secret("shop", "s", cert)));
        Assert.Equal("Valid", pattern.Status);
        Assert.Equal(["shop.example"], pattern.Hosts);
        Assert.Contains(pattern.Findings, f => f.Id == FindingIds.HostPattern);

        Assert.Equal("DefaultCertificate", Assert.Single(Scan(IngressRoute("dflt", "Host(`shop.example`)", "  tls: {}\n"))).Status);
    }

    // ---- Istio Gateway ----

    private const string IstioGateway =
        "---\napiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: edge, namespace: shop}\nspec:\n  selector: {istio: ingressgateway}\n  servers:\n" +
        "  - port: {number: 443, name: https-shop, protocol: HTTPS}\n    hosts: [shop/shop.example, '*']\n    tls: {mode: SIMPLE, credentialName: shop-cred}\n" +
        "  - port: {number: 8443, name: https-generic, protocol: HTTPS}\n    hosts: [generic.example]\n    tls: {mode: MUTUAL, credentialName: generic}\n" +
        "  - port: {number: 9443, name: https-gone, protocol: HTTPS}\n    hosts: [gone.example]\n    tls: {credentialName: gone}\n" +
        "  - port: {number: 15443, name: tls-pass, protocol: TLS}\n    hosts: [db.example]\n    tls: {mode: PASSTHROUGH}\n" +
        "  - port: {number: 15444, name: mesh, protocol: TLS}\n    hosts: [mesh.example]\n    tls: {mode: ISTIO_MUTUAL}\n" +
        "  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: [shop.example]\n    tls: {httpsRedirect: true}\n";

    [Fact]
    public void An_istio_gateway_reports_each_server_with_a_credential_by_its_port_name()
    {
        var shop = TestCertificates.Create("CN=shop.example", ["shop.example"]);
        var generic = TestCertificates.Create("CN=generic.example", ["generic.example"]);
        string genericSecret = "---\napiVersion: v1\nkind: Secret\ntype: Opaque\nmetadata: {name: generic, namespace: shop}\ndata:\n" +
            $"  cert: {Convert.ToBase64String(generic.CertificateBytes)}\n  key: {Convert.ToBase64String(generic.KeyBytes)}\n";
        var results = Scan(IstioGateway + Secret("shop", "shop-cred", shop) + genericSecret).ToDictionary(r => r.Listener!);

        Assert.Equal(["https-generic", "https-gone", "https-shop", "mesh", "tls-pass"], results.Keys.Order());
        Assert.All(results.Values, r => Assert.Equal(("Gateway", "edge"), (r.Kind, r.Name)));
        Assert.Equal(("Valid", "shop-cred", "shop"), (results["https-shop"].Status, results["https-shop"].SecretName, results["https-shop"].SecretNamespace));
        Assert.Equal(["shop.example"], results["https-shop"].Hosts);
        Assert.Equal("Valid", results["https-generic"].Status);
        Assert.Equal(generic.Certificate.Thumbprint, results["https-generic"].Thumbprint);
        Assert.Equal("SecretNotFound", results["https-gone"].Status);
        Assert.Equal(("Valid", FindingIds.Passthrough), (results["tls-pass"].Status, Assert.Single(results["tls-pass"].Findings).Id));
        Assert.Equal(FindingIds.ControllerManagedCertificate, Assert.Single(results["mesh"].Findings).Id);
    }

    [Fact]
    public void A_secret_with_both_pairs_is_read_by_istio_as_cert_and_key_and_by_an_ingress_as_tls_crt_and_tls_key()
    {
        var tls = TestCertificates.Create("CN=shop.example", ["shop.example"]);
        var generic = TestCertificates.Create("CN=shop.example", ["shop.example"]);
        string both = "---\napiVersion: v1\nkind: Secret\ntype: Opaque\nmetadata: {name: both, namespace: shop}\ndata:\n" +
            $"  tls.crt: {Convert.ToBase64String(tls.CertificateBytes)}\n  tls.key: {Convert.ToBase64String(tls.KeyBytes)}\n" +
            $"  cert: {Convert.ToBase64String(generic.CertificateBytes)}\n  key: {Convert.ToBase64String(generic.KeyBytes)}\n";
        string ingress = "---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web, namespace: shop}\nspec:\n  tls:\n  - hosts: [shop.example]\n    secretName: both\n";

        var results = Scan(Istio("v1", IstioServer("https", "shop.example", "{mode: SIMPLE, credentialName: both}")) + ingress + both).ToDictionary(r => r.Kind);

        // Istio's secret controller takes cert and key when both have a value (pilot/pkg/credentials/kube ExtractCertInfo).
        Assert.Equal(generic.Certificate.Thumbprint, results["Gateway"].Thumbprint);
        Assert.Equal(tls.Certificate.Thumbprint, results["Ingress"].Thumbprint);
        Assert.All(results.Values, r => Assert.Equal("Valid", r.Status));
    }

    [Fact]
    public void An_ingress_does_not_read_the_generic_pair_that_istio_reads()
    {
        var generic = TestCertificates.Create("CN=shop.example", ["shop.example"]);
        string secret = "---\napiVersion: v1\nkind: Secret\ntype: Opaque\nmetadata: {name: generic, namespace: shop}\ndata:\n" +
            $"  cert: {Convert.ToBase64String(generic.CertificateBytes)}\n  key: {Convert.ToBase64String(generic.KeyBytes)}\n";
        string ingress = "---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web, namespace: shop}\nspec:\n  tls:\n  - hosts: [shop.example]\n    secretName: generic\n";

        var result = Assert.Single(Scan(ingress + secret));

        Assert.Equal("InvalidSecret", result.Status);
        Assert.Contains(result.Findings, f => f.Message == "the secret has no tls.crt");
    }

    [Fact]
    public void An_istio_credential_that_has_expired_or_misses_the_host_says_so()
    {
        var expired = TestCertificates.Create("CN=shop.example", ["shop.example"], validDays: -2, daysAgo: 30);
        var other = TestCertificates.Create("CN=generic.example", ["other.example"]);
        var results = Scan(IstioGateway + Secret("shop", "shop-cred", expired) + Secret("shop", "generic", other)).ToDictionary(r => r.Listener!);
        Assert.Equal("Expired", results["https-shop"].Status);
        Assert.Equal("HostMismatch", results["https-generic"].Status);
    }

    private List<IngressCertificate> Scan(string yaml, InventoryOptions options)
    {
        string file = Path.Combine(_dir, "o.yaml");
        File.WriteAllText(file, yaml);
        var (objects, error) = ManifestReader.ReadFile(file);
        Assert.Null(error);
        return new ManifestScanner(options).Scan(objects).ToList();
    }

    private static string IstioServer(string port, string host, string tls) =>
        $"  - port: {{number: 443, name: {port}, protocol: HTTPS}}\n    hosts: [{host}]\n    tls: {tls}\n";

    private static string Istio(string version, params string[] servers) =>
        $"---\napiVersion: networking.istio.io/{version}\nkind: Gateway\nmetadata: {{name: edge, namespace: shop}}\nspec:\n  servers:\n" + string.Concat(servers);

    [Fact]
    public void Istio_credentials_are_looked_for_where_the_gateway_workload_runs_and_older_versions_are_read()
    {
        var shop = TestCertificates.Create("CN=shop.example", ["shop.example"]);
        string yaml = Istio("v1beta1", IstioServer("https", "shop.example", "{mode: SIMPLE, credentialName: shop-cred}")) + Secret("istio-system", "shop-cred", shop);

        var own = Assert.Single(Scan(yaml));
        Assert.Equal(("SecretNotFound", "shop"), (own.Status, own.SecretNamespace));
        var there = Assert.Single(Scan(yaml, new InventoryOptions(DateTimeOffset.UtcNow, IstioGatewayNamespace: "istio-system")));
        Assert.Equal(("Valid", "istio-system", "shop-cred", "shop"), (there.Status, there.SecretNamespace, there.SecretName, there.Namespace));
    }

    [Fact]
    public void A_mutual_server_reports_its_client_ca_from_the_secret_or_the_cacert_secret_or_its_absence()
    {
        var root = TestCertificates.Create("CN=Client Root", [], ca: true, validDays: 400);
        var shop = TestCertificates.Create("CN=shop.example", ["shop.example"]);
        string withCa = $"---\napiVersion: v1\nkind: Secret\ntype: kubernetes.io/tls\nmetadata: {{name: with-ca, namespace: shop}}\ndata:\n" +
            $"  tls.crt: {Convert.ToBase64String(shop.CertificateBytes)}\n  tls.key: {Convert.ToBase64String(shop.KeyBytes)}\n  ca.crt: {Convert.ToBase64String(root.CertificateBytes)}\n";
        string cacert = $"---\napiVersion: v1\nkind: Secret\ntype: Opaque\nmetadata: {{name: plain-cacert, namespace: shop}}\ndata:\n  cacert: {Convert.ToBase64String(root.CertificateBytes)}\n";
        var results = Scan(
            Istio("v1",
                IstioServer("own", "shop.example", "{mode: MUTUAL, credentialName: with-ca}"),
                IstioServer("separate", "shop.example", "{mode: MUTUAL, credentialName: plain}"),
                IstioServer("none", "shop.example", "{mode: OPTIONAL_MUTUAL, credentialName: bare}"),
                IstioServer("simple", "shop.example", "{mode: SIMPLE, credentialName: with-ca}"))
            + withCa + Secret("shop", "plain", shop) + cacert + Secret("shop", "bare", shop)).ToDictionary(r => r.Listener!);

        Assert.All(results.Values, r => Assert.Equal("Valid", r.Status));
        string expiry = root.Certificate.NotAfter.ToUniversalTime().ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var own = Assert.Single(results["own"].Findings, f => f.Id == FindingIds.ClientValidation).Message;
        Assert.Contains("CA bundle in Secret shop/with-ca: 'CN=Client Root', expires " + expiry, own, StringComparison.Ordinal);
        var separate = Assert.Single(results["separate"].Findings, f => f.Id == FindingIds.ClientValidation).Message;
        Assert.Contains("CA bundle in Secret shop/plain-cacert: 'CN=Client Root'", separate, StringComparison.Ordinal);
        var none = Assert.Single(results["none"].Findings, f => f.Id == FindingIds.ClientValidation).Message;
        Assert.Contains("no CA bundle was found", none, StringComparison.Ordinal);
        Assert.Contains("shop/bare-cacert", none, StringComparison.Ordinal);
        Assert.DoesNotContain(results["simple"].Findings, f => f.Id == FindingIds.ClientValidation);

        // A CA Secret kept as kubernetes.io/tls is used, not forgotten: no -IncludeUnreferenced row.
        string tlsCa = Secret("shop", "plain-cacert", root);
        var unreferenced = Scan(Istio("v1", IstioServer("separate", "shop.example", "{mode: MUTUAL, credentialName: plain}")) + Secret("shop", "plain", shop) + tlsCa,
            new InventoryOptions(DateTimeOffset.UtcNow, IncludeUnreferenced: true));
        Assert.DoesNotContain(unreferenced, r => r.Kind == "Secret");
    }

    // ---- Contour HTTPProxy ----

    private static string Proxy(string ns, string name, string fqdn, string tls) =>
        $"---\napiVersion: projectcontour.io/v1\nkind: HTTPProxy\nmetadata: {{name: {name}, namespace: {ns}}}\nspec:\n  virtualhost:\n    fqdn: {fqdn}\n" +
        (tls.Length == 0 ? string.Empty : $"    tls: {tls}\n") + "  routes: [{services: [{name: web, port: 80}]}]\n";

    private static string Delegation(string ns, string secret, params string[] targets) =>
        $"---\napiVersion: projectcontour.io/v1\nkind: TLSCertificateDelegation\nmetadata: {{name: d-{secret}, namespace: {ns}}}\nspec:\n" +
        $"  delegations:\n  - secretName: {secret}\n    targetNamespaces: [{string.Join(", ", targets.Select(t => $"'{t}'"))}]\n";

    [Fact]
    public void An_http_proxy_reads_its_secret_and_fqdn_with_every_status()
    {
        var shop = TestCertificates.Create("CN=shop.example", ["shop.example"]);
        var expired = TestCertificates.Create("CN=old.example", ["old.example"], validDays: -2, daysAgo: 30);
        var results = Scan(
            Secret("shop", "shop-tls", shop) + Secret("shop", "old-tls", expired) +
            Proxy("shop", "web", "shop.example", "{secretName: shop-tls}") +
            Proxy("shop", "old", "old.example", "{secretName: old-tls}") +
            Proxy("shop", "wrong", "api.example", "{secretName: shop-tls}") +
            Proxy("shop", "gone", "gone.example", "{secretName: gone}") +
            Proxy("shop", "plain", "plain.example", string.Empty) +
            "---\napiVersion: projectcontour.io/v1\nkind: HTTPProxy\nmetadata: {name: child, namespace: shop}\nspec:\n  routes: [{services: [{name: web, port: 80}]}]\n")
            .ToDictionary(r => r.Name);

        Assert.Equal(["gone", "old", "web", "wrong"], results.Keys.Order());
        Assert.All(results.Values, r => Assert.Equal("HTTPProxy", r.Kind));
        Assert.Equal(("Valid", "shop", "shop-tls"), (results["web"].Status, results["web"].SecretNamespace, results["web"].SecretName));
        Assert.Equal(["shop.example"], results["web"].Hosts);
        Assert.Equal("Expired", results["old"].Status);
        Assert.Equal("HostMismatch", results["wrong"].Status);
        Assert.Equal("SecretNotFound", results["gone"].Status);
    }

    [Fact]
    public void An_http_proxy_tls_with_neither_or_both_of_secret_name_and_passthrough_is_invalid_and_serves_nothing()
    {
        var results = Scan(
            Proxy("shop", "nosecret", "shop.example", "{clientValidation: {caSecret: client-ca}}") +
            Proxy("shop", "blank", "blank.example", "{secretName: ' '}") +
            Proxy("shop", "both", "both.example", "{secretName: shop-tls, passthrough: true}"))
            .ToDictionary(r => r.Name);

        // Contour (internal/dag/httpproxy_processor.go) sets TLSConfigNotValid and does not program the proxy at all:
        // no default certificate, no backend's; as severe as a Secret that is missing, which Contour treats alike.
        Assert.All(results.Values, r => Assert.Equal(("SecretNotFound", FindingIds.TlsConfigNotValid, (string?)null), (r.Status, Assert.Single(r.Findings).Id, r.Thumbprint)));
        Assert.Equal(
            "HTTPProxy shop/nosecret has spec.virtualhost.tls with neither secretName nor passthrough: Contour marks it invalid "
            + "(TLSConfigNotValid: \"Spec.VirtualHost.TLS: neither Passthrough nor SecretName were specified\") and serves nothing for shop.example, over TLS or plain HTTP",
            results["nosecret"].Findings[0].Message);
        Assert.Contains("both Passthrough and SecretName were specified", results["both"].Findings[0].Message, StringComparison.Ordinal);
        Assert.DoesNotContain(results.Values.SelectMany(r => r.Findings), f => f.Id is FindingIds.DefaultCertificate or FindingIds.Passthrough);
    }

    [Fact]
    public void A_reference_with_notes_but_no_certificate_is_served_the_default_one_unless_a_note_says_the_controller_holds_none()
    {
        var results = Scan(
            IngressRoute("pattern", "HostRegexp(`^.+\\.example$`)", "  tls: {}\n") +
            IngressRoute("acme", "HostRegexp(`^.+\\.example$`)", "  tls: {certResolver: le}\n"))
            .ToDictionary(r => r.Name);

        Assert.Equal("DefaultCertificate", results["pattern"].Status);
        Assert.Contains(results["pattern"].Findings, f => f.Id == FindingIds.HostPattern);
        Assert.Equal("Valid", results["acme"].Status);
        Assert.Equal([FindingIds.ControllerManagedCertificate, FindingIds.HostPattern], results["acme"].Findings.Select(f => f.Id));
    }

    [Fact]
    public void A_secret_of_another_namespace_is_used_only_where_a_delegation_allows_it()
    {
        var shop = TestCertificates.Create("CN=*.shop.example", ["*.shop.example"]);
        var results = Scan(
            Secret("certs", "wild", shop) + Secret("certs", "narrow", shop) + Secret("certs", "undelegated", shop) +
            Delegation("certs", "wild", "*") + Delegation("certs", "narrow", "shop") +
            Delegation("elsewhere", "undelegated", "*") +
            Proxy("shop", "any", "a.shop.example", "{secretName: certs/wild}") +
            Proxy("blog", "any", "b.shop.example", "{secretName: certs/wild}") +
            Proxy("shop", "narrow", "c.shop.example", "{secretName: certs/narrow}") +
            Proxy("blog", "narrow", "d.shop.example", "{secretName: certs/narrow}") +
            Proxy("shop", "none", "e.shop.example", "{secretName: certs/undelegated}"))
            .ToDictionary(r => $"{r.Namespace}/{r.Name}");

        Assert.Equal("Valid", results["shop/any"].Status);
        Assert.Equal("Valid", results["blog/any"].Status);
        Assert.Equal(("Valid", "certs", "narrow"), (results["shop/narrow"].Status, results["shop/narrow"].SecretNamespace, results["shop/narrow"].SecretName));
        Assert.Equal("ReferenceNotPermitted", results["blog/narrow"].Status);
        var finding = Assert.Single(results["shop/none"].Findings);
        Assert.Equal(FindingIds.ReferenceNotPermitted, finding.Id);
        Assert.Contains("no TLSCertificateDelegation in 'certs' delegates it to 'shop'", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_passthrough_proxy_holds_no_certificate_and_client_validation_is_noted()
    {
        var shop = TestCertificates.Create("CN=shop.example", ["shop.example"]);
        var results = Scan(
            Secret("shop", "shop-tls", shop) +
            Proxy("shop", "pass", "db.example", "{passthrough: true}") +
            Proxy("shop", "mtls", "shop.example", "{secretName: shop-tls, clientValidation: {caSecret: client-ca}}") +
            Proxy("shop", "none", "none.example", "{minimumProtocolVersion: '1.3'}"))
            .ToDictionary(r => r.Name);

        Assert.Equal(("Valid", FindingIds.Passthrough), (results["pass"].Status, Assert.Single(results["pass"].Findings).Id));
        Assert.Contains("Envoy holds no certificate", results["pass"].Findings[0].Message, StringComparison.Ordinal);
        Assert.Null(results["pass"].SecretName);
        Assert.Equal("Valid", results["mtls"].Status);
        Assert.Contains("Secret shop/client-ca", Assert.Single(results["mtls"].Findings, f => f.Id == FindingIds.ClientValidation).Message, StringComparison.Ordinal);
        Assert.Equal(("SecretNotFound", FindingIds.TlsConfigNotValid), (results["none"].Status, Assert.Single(results["none"].Findings).Id)); // Contour: TLSConfigNotValid
    }
}
