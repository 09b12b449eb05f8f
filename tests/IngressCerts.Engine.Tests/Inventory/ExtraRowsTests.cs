using IngressCerts.Engine.Inventory;
using IngressCerts.Engine.Tests.Support;

namespace IngressCerts.Engine.Tests.Inventory;

/// <summary>-IncludeUnprotected and -IncludeUnreferenced on manifests: hosts with no TLS, Secrets nothing refers to.</summary>
public sealed class ExtraRowsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ic-extra-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private List<IngressCertificate> Scan(string yaml, bool unprotected = false, bool unreferenced = false)
    {
        string file = Path.Combine(_dir, "m.yaml");
        File.WriteAllText(file, yaml);
        var (objects, error) = ManifestReader.ReadFile(file);
        Assert.Null(error);
        var options = new InventoryOptions(DateTimeOffset.UtcNow, IncludeUnprotected: unprotected, IncludeUnreferenced: unreferenced);
        return new ManifestScanner(options).Scan(objects).ToList();
    }

    private static string Secret(string name, TestCertificates.Issued cert, TestCertificates.Issued? keyOf = null, string type = "kubernetes.io/tls", string labels = "") =>
        $"---\napiVersion: v1\nkind: Secret\ntype: {type}\nmetadata:\n  name: {name}\n  namespace: n\n{labels}data:\n" +
        $"  tls.crt: {Convert.ToBase64String(cert.CertificateBytes)}\n  tls.key: {Convert.ToBase64String((keyOf ?? cert).KeyBytes)}\n";

    private const string MixedIngress = """
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {name: web, namespace: n}
        spec:
          tls:
          - hosts: [a.example, "*.apps.example"]
            secretName: a-tls
          rules:
          - host: a.example
          - host: b.example
          - host: shop.apps.example
          - http: {paths: []}
          - host: B.example

        """;

    private const string HttpGateway = """
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: gw, namespace: n}
        spec:
          listeners:
          - {name: plain, protocol: HTTP, port: 80}
          - {name: named, protocol: HTTP, port: 8080, hostname: c.example}
          - {name: tls, protocol: HTTPS, port: 443, hostname: d.example, tls: {certificateRefs: [{name: a-tls}]}}

        """;

    [Fact]
    public void Without_the_switches_nothing_changes()
    {
        var cert = TestCertificates.Create("CN=a.example", new[] { "a.example", "*.apps.example" });
        var results = Scan(MixedIngress + HttpGateway + Secret("a-tls", cert) + Secret("spare", cert));
        Assert.Equal(2, results.Count);
        Assert.All(results, r => Assert.Equal("a-tls", r.SecretName));
    }

    [Fact]
    public void Rule_hosts_no_tls_entry_covers_are_one_NoTls_row_per_Ingress()
    {
        var cert = TestCertificates.Create("CN=a.example", new[] { "a.example", "*.apps.example" });
        var row = Assert.Single(Scan(MixedIngress + Secret("a-tls", cert), unprotected: true), r => r.Status == "NoTls");

        // A wildcard TLS host covers shop.apps.example; hosts compare without case; a rule without host serves any host.
        Assert.Equal(new[] { "b.example", "*" }, row.Hosts);
        Assert.Equal(("Ingress", "n", "web"), (row.Kind, row.Namespace, row.Name));
        Assert.Null(row.SecretName);
        Assert.Null(row.Thumbprint);
        Assert.Null(row.NotAfter);
        Assert.Contains("over plain HTTP ('*': a rule without host or the defaultBackend serves any host)", Assert.Single(row.Issues), StringComparison.Ordinal);
    }

    [Fact]
    public void An_Ingress_whose_every_host_has_tls_has_no_NoTls_row()
    {
        var cert = TestCertificates.Create("CN=a.example", new[] { "a.example" });
        string yaml = "---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web, namespace: n}\nspec:\n  tls:\n  - hosts: [a.example]\n    secretName: a-tls\n  rules:\n  - host: a.example\n";
        Assert.Equal("Valid", Assert.Single(Scan(yaml + Secret("a-tls", cert), unprotected: true)).Status);
    }

    [Fact]
    public void A_defaultBackend_without_tls_serves_any_host_in_plain_HTTP()
    {
        string yaml = "---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: catch-all, namespace: n}\nspec:\n  defaultBackend:\n    service: {name: web, port: {number: 80}}\n";
        var row = Assert.Single(Scan(yaml, unprotected: true));
        Assert.Equal("NoTls", row.Status);
        Assert.Equal(new[] { "*" }, row.Hosts);
    }

    [Fact]
    public void Each_HTTP_listener_is_a_NoTls_row_and_one_without_hostname_serves_any_host()
    {
        var cert = TestCertificates.Create("CN=d.example", new[] { "d.example" });
        var rows = Scan(HttpGateway + Secret("a-tls", cert), unprotected: true).Where(r => r.Status == "NoTls").ToList();

        Assert.Equal(new[] { "plain", "named" }, rows.Select(r => r.Listener));
        Assert.All(rows, r => Assert.Equal(("Gateway", "gw"), (r.Kind, r.Name)));
        Assert.Equal(new[] { "*" }, rows[0].Hosts);
        Assert.Contains("it has no hostname: '*'", Assert.Single(rows[0].Issues), StringComparison.Ordinal);
        Assert.Equal(new[] { "c.example" }, rows[1].Hosts);
    }

    [Fact]
    public void A_tls_Secret_nothing_refers_to_is_a_Secret_row_evaluated_like_a_referenced_one()
    {
        var cert = TestCertificates.Create("CN=a.example", new[] { "a.example", "*.apps.example" });
        var other = TestCertificates.Create("CN=o.example", new[] { "o.example" });
        var results = Scan(MixedIngress + Secret("a-tls", cert) + Secret("spare", other, keyOf: cert), unreferenced: true);

        var row = Assert.Single(results, r => r.Kind == "Secret");
        Assert.Equal(("n", "spare", "n", "spare"), (row.Namespace, row.Name, row.SecretNamespace, row.SecretName));
        Assert.Equal("KeyMismatch", row.Status);
        Assert.Equal(other.Certificate.Thumbprint, row.Thumbprint);
        Assert.Empty(row.Hosts);
        Assert.Contains(row.Issues, i => i.Contains("no Ingress or Gateway refers to", StringComparison.Ordinal));
    }

    [Fact]
    public void Module_made_and_non_tls_Secrets_are_not_unreferenced_certificates()
    {
        var cert = TestCertificates.Create("CN=o.example", new[] { "o.example" });
        string yaml = Secret("pending", cert, labels: "  labels: {ingresscerts.io/request: web}\n")
            + Secret("opaque", cert, type: "Opaque")
            + Secret("loose", cert);
        var row = Assert.Single(Scan(yaml, unreferenced: true));
        Assert.Equal(("Secret", "loose", "Valid"), (row.Kind, row.Name, row.Status));
    }
}
