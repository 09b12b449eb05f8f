using System.Text;
using IngressCerts.Engine.Inventory;
using IngressCerts.Engine.Tests.Support;

namespace IngressCerts.Engine.Tests.Inventory;

public sealed class ManifestScannerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ic-scan-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private IReadOnlyList<IngressCertificate> Scan(string yaml, DateTimeOffset? asOf = null)
    {
        string file = Path.Combine(_dir, "m.yaml");
        File.WriteAllText(file, yaml);
        var (objects, error) = ManifestReader.ReadFile(file);
        Assert.Null(error);
        return new ManifestScanner(new InventoryOptions(asOf ?? DateTimeOffset.UtcNow)).Scan(objects).ToList();
    }

    private static string Secret(string ns, string name, TestCertificates.Issued cert, TestCertificates.Issued? keyOf = null) =>
        $"---\napiVersion: v1\nkind: Secret\ntype: kubernetes.io/tls\nmetadata:\n  name: {name}\n  namespace: {ns}\ndata:\n" +
        $"  tls.crt: {Convert.ToBase64String(cert.CertificateBytes)}\n  tls.key: {Convert.ToBase64String((keyOf ?? cert).KeyBytes)}\n";

    private static string Ingress(string ns, string name, string host, string? secret) =>
        $"---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n  tls:\n  - hosts: [{host}]\n" +
        (secret is null ? string.Empty : $"    secretName: {secret}\n");

    [Fact]
    public void A_reference_is_resolved_against_a_secret_in_the_same_inputs()
    {
        var cert = TestCertificates.Create("CN=a.example", new[] { "a.example" });
        var result = Assert.Single(Scan(Ingress("n", "i", "a.example", "a-tls") + Secret("n", "a-tls", cert)));
        Assert.Equal("Valid", result.Status);
        Assert.Equal(cert.Certificate.Thumbprint, result.Thumbprint);
        Assert.Equal("Ingress", result.Kind);
    }

    [Fact]
    public void A_secret_in_another_namespace_does_not_satisfy_a_reference()
    {
        var cert = TestCertificates.Create("CN=a.example", new[] { "a.example" });
        Assert.Equal("SecretNotFound", Assert.Single(Scan(Ingress("n", "i", "a.example", "a-tls") + Secret("other", "a-tls", cert))).Status);
    }

    [Fact]
    public void A_tls_entry_without_secret_name_is_served_the_default_certificate() =>
        Assert.Equal("DefaultCertificate", Assert.Single(Scan(Ingress("n", "i", "a.example", null))).Status);

    [Fact]
    public void Objects_without_namespace_are_in_default()
    {
        var cert = TestCertificates.Create("CN=a.example", new[] { "a.example" });
        string yaml = Ingress("default", "i", "a.example", "a-tls").Replace("  namespace: default\n", string.Empty)
            + Secret("default", "a-tls", cert).Replace("  namespace: default\n", string.Empty);
        var result = Assert.Single(Scan(yaml));
        Assert.Equal("Valid", result.Status);
        Assert.Equal("default", result.Namespace);
    }

    [Fact]
    public void A_key_of_another_certificate_is_a_key_mismatch()
    {
        var cert = TestCertificates.Create("CN=a.example", new[] { "a.example" });
        var other = TestCertificates.Create("CN=b.example", new[] { "b.example" });
        Assert.Equal("KeyMismatch", Assert.Single(Scan(Ingress("n", "i", "a.example", "a-tls") + Secret("n", "a-tls", cert, other))).Status);
    }

    [Fact]
    public void Undecodable_base64_is_an_invalid_secret()
    {
        string yaml = Ingress("n", "i", "a.example", "a-tls") + "---\napiVersion: v1\nkind: Secret\ntype: kubernetes.io/tls\nmetadata: {name: a-tls, namespace: n}\ndata:\n  tls.crt: '%%%'\n  tls.key: '%%%'\n";
        var result = Assert.Single(Scan(yaml));
        Assert.Equal("InvalidSecret", result.Status);
        Assert.Contains(result.Issues, i => i.Contains("base64", StringComparison.Ordinal));
    }

    [Fact]
    public void StringData_counts_as_data()
    {
        var cert = TestCertificates.Create("CN=a.example", new[] { "a.example" });
        string pemIndented(string pem) => string.Join("\n", pem.Split('\n').Select(l => "    " + l));
        string yaml = Ingress("n", "i", "a.example", "a-tls") +
            $"---\napiVersion: v1\nkind: Secret\ntype: kubernetes.io/tls\nmetadata: {{name: a-tls, namespace: n}}\nstringData:\n  tls.crt: |\n{pemIndented(cert.CertificatePem)}\n  tls.key: |\n{pemIndented(cert.KeyPem)}\n";
        Assert.Equal("Valid", Assert.Single(Scan(yaml)).Status);
    }

    [Fact]
    public void A_cross_namespace_gateway_reference_without_a_grant_is_reported()
    {
        var cert = TestCertificates.Create("CN=*.a.example", new[] { "*.a.example" });
        string gateway = "---\napiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: edge}\nspec:\n  listeners:\n" +
            "  - name: https\n    protocol: HTTPS\n    port: 443\n    hostname: '*.a.example'\n    tls:\n      certificateRefs:\n      - {kind: Secret, name: wild, namespace: certs}\n" +
            "  - name: passthrough\n    protocol: TLS\n    port: 8443\n    tls:\n      mode: Passthrough\n  - name: http\n    protocol: HTTP\n    port: 80\n";
        var denied = Assert.Single(Scan(gateway + Secret("certs", "wild", cert)));
        Assert.Equal("ReferenceNotPermitted", denied.Status);
        Assert.Equal("https", denied.Listener);
        var finding = Assert.Single(denied.Findings);
        Assert.Equal(("ReferenceNotPermitted", "ReferenceNotPermitted"), (finding.Id, finding.Status));
        Assert.Contains("no ReferenceGrant in 'certs' allows Gateways from 'edge'", finding.Message, StringComparison.Ordinal);
        Assert.Contains("listener 'https' of Gateway edge/gw", finding.Message, StringComparison.Ordinal);
        Assert.Equal([finding.Message], denied.Issues);

        // The Gateway does not serve the Secret: nothing of its certificate is reported as if it were.
        Assert.Null(denied.NotAfter);
        Assert.Null(denied.DaysRemaining);
        Assert.Null(denied.Thumbprint);
        Assert.Null(denied.Subject);
        Assert.Null(denied.GetCertificate());
        Assert.Equal(0, denied.ChainLength);

        string grant = "---\napiVersion: gateway.networking.k8s.io/v1beta1\nkind: ReferenceGrant\nmetadata: {name: g, namespace: certs}\nspec:\n" +
            "  from: [{group: gateway.networking.k8s.io, kind: Gateway, namespace: edge}]\n  to: [{group: '', kind: Secret, name: wild}]\n";
        var allowed = Assert.Single(Scan(gateway + Secret("certs", "wild", cert) + grant));
        Assert.Equal("Valid", allowed.Status);
        Assert.Equal("certs", allowed.SecretNamespace);
    }

    [Fact]
    public void A_grant_for_another_secret_name_does_not_allow_the_reference()
    {
        var index = new ReferenceGrantIndex();
        index.Add(System.Text.Json.JsonDocument.Parse(
            "{\"metadata\":{\"namespace\":\"certs\"},\"spec\":{\"from\":[{\"group\":\"gateway.networking.k8s.io\",\"kind\":\"Gateway\",\"namespace\":\"edge\"}],\"to\":[{\"group\":\"\",\"kind\":\"Secret\",\"name\":\"one\"}]}}").RootElement);
        Assert.True(index.Allows("edge", "certs", "one"));
        Assert.False(index.Allows("edge", "certs", "two"));
        Assert.False(index.Allows("other", "certs", "one"));
    }

    [Fact]
    public void Each_secret_is_parsed_once_for_many_references()
    {
        var cert = TestCertificates.Create("CN=a.example", new[] { "a.example", "b.example" });
        var results = Scan(Ingress("n", "i", "a.example", "t") + Ingress("n", "j", "b.example", "t") + Secret("n", "t", cert));
        Assert.Equal(2, results.Count);
        Assert.Same(results[0].GetCertificate(), results[1].GetCertificate());
    }

    [Fact]
    public void A_certificate_copied_into_several_secrets_is_shared_once_it_recurs_and_judged_per_secret()
    {
        var cert = TestCertificates.Create("CN=*.a.example", new[] { "*.a.example" });
        var other = TestCertificates.Create("CN=other", new[] { "other.example" });
        var results = Scan(Ingress("n1", "i", "x.a.example", "wild") + Secret("n1", "wild", cert)
            + Ingress("n2", "j", "y.a.example", "wild") + Secret("n2", "wild", cert, keyOf: other)
            + Ingress("n3", "k", "z.a.example", "wild") + Secret("n3", "wild", cert));
        Assert.Equal(3, results.Count);

        // Read on first sight, read again and kept on the second, shared from then on.
        Assert.Same(results[1].GetCertificate(), results[2].GetCertificate());
        Assert.All(results, r => Assert.Equal(cert.Certificate.Thumbprint, r.Thumbprint));
        Assert.Equal(["Valid", "KeyMismatch", "Valid"], results.Select(r => r.Status));
    }

    [Fact]
    public void AsOf_moves_the_evaluation_in_time()
    {
        var cert = TestCertificates.Create("CN=a.example", new[] { "a.example" }, validDays: 90);
        string yaml = Ingress("n", "i", "a.example", "t") + Secret("n", "t", cert);
        Assert.Equal("Expiring", Assert.Single(Scan(yaml, DateTimeOffset.UtcNow.AddDays(70))).Status);
        Assert.Equal("Expired", Assert.Single(Scan(yaml, DateTimeOffset.UtcNow.AddDays(91))).Status);
    }
}
