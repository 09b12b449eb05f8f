using IngressCerts.Engine.Inventory;
using IngressCerts.Engine.Tests.Support;

namespace IngressCerts.Engine.Tests.Inventory.Kinds;

/// <summary>cert-manager Certificates in manifest files (a kubectl dump keeps their status), as Get-IngressCertificate -Path reads them.</summary>
public sealed class CertManagerManifestTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ic-cm-").FullName;
    private readonly TestCertificates.Issued _cert = TestCertificates.Create("CN=shop.example", ["shop.example"]);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Dictionary<string, IngressCertificate> Scan(string text, string fileName = "m.yaml")
    {
        string file = Path.Combine(_dir, fileName);
        File.WriteAllText(file, text);
        var (objects, error) = ManifestReader.ReadFile(file);
        Assert.Null(error);
        return new ManifestScanner(new InventoryOptions(DateTimeOffset.UtcNow)).Scan(objects).ToDictionary(r => r.Name);
    }

    private string Secret(string name, string annotations = "") =>
        $"---\napiVersion: v1\nkind: Secret\ntype: kubernetes.io/tls\nmetadata:\n  name: {name}\n  namespace: shop\n{annotations}data:\n" +
        $"  tls.crt: {Convert.ToBase64String(_cert.CertificateBytes)}\n  tls.key: {Convert.ToBase64String(_cert.KeyBytes)}\n";

    private static string Ingress(string name, string secret) =>
        $"---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {{name: {name}, namespace: shop}}\nspec:\n  tls:\n  - hosts: [shop.example]\n    secretName: {secret}\n";

    // As kubectl get -o yaml writes it: keys in order, status last.
    private static string Certificate(string name, string secret, string issuerRef, string status) =>
        $"---\napiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {{name: {name}, namespace: shop}}\nspec:\n  secretName: {secret}\n  dnsNames: [shop.example]\n" +
        $"  issuerRef: {issuerRef}\n{status}";

    private static string Status(string ready, string reason, string message, string? renewal = null) =>
        "status:\n  conditions:\n" +
        $"  - {{type: Issuing, status: \"False\", reason: Done, message: none}}\n" +
        $"  - {{type: Ready, status: \"{ready}\", reason: {reason}, message: \"{message}\", lastTransitionTime: \"2026-11-01T10:00:00Z\"}}\n" +
        (renewal is null ? string.Empty : $"  renewalTime: \"{renewal}\"\n");

    [Fact]
    public void A_reference_shows_the_certificate_that_manages_its_secret_with_issuer_ready_and_renewal_time()
    {
        var results = Scan(
            Ingress("shop", "shop-tls") + Ingress("api", "api-tls") + Ingress("plain", "plain-tls") +
            Secret("shop-tls") + Secret("api-tls") + Secret("plain-tls") +
            Certificate("shop", "shop-tls", "{name: letsencrypt, kind: ClusterIssuer, group: cert-manager.io}",
                Status("True", "Ready", "Certificate is up to date and has not expired", "2027-02-03T04:05:06Z")) +
            Certificate("api", "api-tls", "{name: vault, kind: VaultIssuer, group: example.io}",
                Status("False", "Failed", "The certificate request has failed to complete and will be retried")));

        var shop = results["shop"];
        Assert.Equal(("cert-manager", "shop", "ClusterIssuer/letsencrypt", "cert-manager.io"), (shop.ManagedBy, shop.CertManagerCertificate, shop.CertManagerIssuer, shop.CertManagerIssuerGroup));
        Assert.Equal(("True", "Ready", "Certificate is up to date and has not expired"), (shop.CertManagerReady, shop.CertManagerReadyReason, shop.CertManagerReadyMessage));
        Assert.Equal(new DateTime(2027, 2, 3, 4, 5, 6, DateTimeKind.Utc), shop.CertManagerRenewalTime);

        // An external issuer keeps its own kind and group.
        var api = results["api"];
        Assert.Equal(("VaultIssuer/vault", "example.io"), (api.CertManagerIssuer, api.CertManagerIssuerGroup));
        Assert.Equal(("False", "Failed"), (api.CertManagerReady, api.CertManagerReadyReason));
        Assert.Null(api.CertManagerRenewalTime);

        Assert.Null(results["plain"].CertManagerCertificate);
        Assert.Equal(string.Empty, results["plain"].ManagedBy);
    }

    [Fact]
    public void Without_the_certificate_the_secret_annotations_name_it_and_its_issuer()
    {
        var annotations = "  annotations:\n    cert-manager.io/certificate-name: blog\n    cert-manager.io/issuer-name: letsencrypt\n    cert-manager.io/issuer-kind: ClusterIssuer\n";
        var result = Scan(Ingress("blog", "blog-tls") + Secret("blog-tls", annotations))["blog"];
        Assert.Equal(("cert-manager", "blog", "ClusterIssuer/letsencrypt", "cert-manager.io"), (result.ManagedBy, result.CertManagerCertificate, result.CertManagerIssuer, result.CertManagerIssuerGroup));
        Assert.Null(result.CertManagerReady);
        Assert.Null(result.CertManagerRenewalTime);
    }

    [Fact]
    public void A_kubectl_json_list_keeps_the_certificate_status_and_a_certificate_of_another_namespace_or_group_is_ignored()
    {
        string json = """
            {"apiVersion":"v1","kind":"List","items":[
              {"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"shop","namespace":"shop"},"spec":{"tls":[{"hosts":["shop.example"],"secretName":"shop-tls"}]}},
              {"apiVersion":"v1","kind":"Secret","type":"kubernetes.io/tls","metadata":{"name":"shop-tls","namespace":"shop"},
               "data":{"tls.crt":"CRT","tls.key":"KEY"}},
              {"status":{"conditions":[{"type":"Ready","status":"Unknown","reason":"Pending","message":"Issuing"}]},
               "apiVersion":"cert-manager.io/v1","kind":"Certificate","metadata":{"name":"shop","namespace":"shop"},"spec":{"secretName":"shop-tls","issuerRef":{"name":"ca"}}},
              {"apiVersion":"cert-manager.io/v1","kind":"Certificate","metadata":{"name":"elsewhere","namespace":"other"},"spec":{"secretName":"shop-tls","issuerRef":{"name":"x"}}},
              {"apiVersion":"example.io/v1","kind":"Certificate","metadata":{"name":"foreign","namespace":"shop"},"spec":{"secretName":"shop-tls","issuerRef":{"name":"y"}}}
            ]}
            """.Replace("CRT", Convert.ToBase64String(_cert.CertificateBytes), StringComparison.Ordinal).Replace("KEY", Convert.ToBase64String(_cert.KeyBytes), StringComparison.Ordinal);
        var result = Scan(json, "dump.json")["shop"];
        Assert.Equal(("shop", "Issuer/ca", "Unknown", "Pending"), (result.CertManagerCertificate, result.CertManagerIssuer, result.CertManagerReady, result.CertManagerReadyReason));
    }

    [Fact]
    public void A_certificate_with_fields_of_the_wrong_type_is_no_error_and_manages_nothing()
    {
        var results = Scan(Ingress("shop", "shop-tls") + Secret("shop-tls") +
            "---\napiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {name: bad, namespace: shop}\nspec:\n  secretName: [shop-tls]\n  issuerRef: 7\n" +
            "status: {conditions: [7, {type: Ready, status: [x]}], renewalTime: not-a-date}\n" +
            "---\napiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {name: odd, namespace: shop}\nspec:\n  secretName: shop-tls\n  issuerRef: 7\n" +
            "status: {conditions: [7, {type: Ready, status: [x]}], renewalTime: not-a-date}\n");
        var shop = results["shop"];
        Assert.Equal("odd", shop.CertManagerCertificate);
        Assert.Null(shop.CertManagerIssuer);
        Assert.Null(shop.CertManagerReady);
        Assert.Null(shop.CertManagerRenewalTime);
    }
}
