using IngressCerts.Engine.Certificates;
using static IngressCerts.Engine.Tests.Certificates.SharedPki;

namespace IngressCerts.Engine.Tests.Certificates;

/// <summary>
/// Which keys of a Secret each controller reads (Istio's pilot/pkg/credentials/kube/secrets.go: cert and key when both
/// have a value, else tls.crt and tls.key; cacert, else ca.crt), and findings that name the field the data came from.
/// </summary>
public class SecretReadingTests
{
    private static byte[] B(string text) => TestPki.Bytes(text);

    private static Dictionary<string, byte[]> BothPairs(TestCert tls, TestCert generic) => new()
    {
        ["tls.crt"] = B(ChainPem(tls)),
        ["tls.key"] = B(tls.Key.Pkcs8Pem()),
        ["cert"] = B(ChainPem(generic)),
        ["key"] = B(generic.Key.Pkcs8Pem()),
    };

    [Fact]
    public void A_secret_with_both_pairs_is_read_as_cert_and_key_by_istio_and_as_tls_crt_and_tls_key_by_every_other_controller()
    {
        using var tls = Leaf("tls.example.com");
        using var generic = Leaf("generic.example.com");

        var istio = TlsSecretParser.Parse(BothPairs(tls, generic), SecretReading.Istio);
        var others = TlsSecretParser.Parse(BothPairs(tls, generic), SecretReading.Tls);

        Assert.Equal((generic.Certificate.Thumbprint, true, "cert", "key"), (istio.Leaf!.Thumbprint, istio.KeyMatchesLeaf, istio.Fields.Certificate, istio.Fields.Key));
        Assert.Equal((tls.Certificate.Thumbprint, true, SecretFields.Tls), (others.Leaf!.Thumbprint, others.KeyMatchesLeaf, others.Fields));
    }

    [Fact]
    public void Istio_reads_tls_crt_and_tls_key_when_a_generic_value_is_empty()
    {
        using var tls = Leaf("tls.example.com");
        using var generic = Leaf("generic.example.com");
        var data = BothPairs(tls, generic);
        data["key"] = [];

        var istio = TlsSecretParser.Parse(data, SecretReading.Istio);

        Assert.Equal(tls.Certificate.Thumbprint, istio.Leaf!.Thumbprint);
        Assert.Empty(istio.Problems);
    }

    [Fact]
    public void Istio_reads_no_half_of_a_pair_and_says_which_pairs_it_reads()
    {
        using var leaf = Leaf("a.example.com");

        var certOnly = TlsSecretParser.Parse(new Dictionary<string, byte[]> { ["cert"] = B(ChainPem(leaf)) }, SecretReading.Istio);
        var halves = TlsSecretParser.Parse(new Dictionary<string, byte[]> { ["tls.crt"] = B(ChainPem(leaf)), ["key"] = B(leaf.Key.Pkcs8Pem()) }, SecretReading.Istio);

        var missing = Assert.Single(certOnly.Problems, p => p.Id == FindingIds.MissingKey);
        Assert.Equal("the secret has no key (Istio reads cert and key, or tls.crt and tls.key, both with a value)", missing.Message);
        Assert.Null(halves.KeyMatchesLeaf);
        Assert.StartsWith("the secret has no tls.key (Istio reads", Assert.Single(halves.Problems, p => p.Id == FindingIds.MissingKey).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Istio_takes_the_ca_bundle_from_cacert_before_ca_crt_whichever_pair_it_reads()
    {
        using var leaf = Leaf("a.example.com");
        var data = new Dictionary<string, byte[]>
        {
            ["tls.crt"] = B(ChainPem(leaf)),
            ["tls.key"] = B(leaf.Key.Pkcs8Pem()),
            ["ca.crt"] = B(Intermediate.Pem),
            ["cacert"] = B(Root.Pem),
        };

        var istio = TlsSecretParser.Parse(data, SecretReading.Istio);
        var ingress = TlsSecretParser.Parse(data, SecretReading.Tls);

        Assert.Equal(Root.Certificate.Thumbprint, Assert.Single(istio.CaCertificates).Thumbprint);
        Assert.Equal(("tls.crt", "cacert"), (istio.Fields.Certificate, istio.Fields.Ca));
        Assert.Equal(Intermediate.Certificate.Thumbprint, Assert.Single(ingress.CaCertificates).Thumbprint);
    }

    [Fact]
    public void An_ingress_reference_reads_no_generic_pair()
    {
        using var leaf = Leaf("a.example.com");
        var data = new Dictionary<string, byte[]> { ["cert"] = B(ChainPem(leaf)), ["key"] = B(leaf.Key.Pkcs8Pem()) };

        var ingress = TlsSecretParser.Parse(data, SecretReading.Tls);

        Assert.Null(ingress.Leaf);
        Assert.Equal(["the secret has no tls.crt", "the secret has no tls.key"], ingress.Problems.Select(p => p.Message));
        Assert.Equal(leaf.Certificate.Thumbprint, TlsSecretParser.Parse(data).Leaf!.Thumbprint); // no controller known: as before
    }

    // ---- messages name the field ----

    private static CertificateEvaluator Evaluator => new(TestPki.Now, 30, [Root.Certificate]);

    [Fact]
    public void A_key_mismatch_in_a_generic_secret_names_key()
    {
        using var leaf = Leaf("a.example.com");
        using var other = Leaf("a.example.com");
        var data = new Dictionary<string, byte[]> { ["cert"] = B(ChainPem(leaf)), ["key"] = B(other.Key.Pkcs8Pem()) };

        var finding = Assert.Single(Evaluator.Evaluate(TlsSecretParser.Parse(data, SecretReading.Istio), ["a.example.com"]).Findings, f => f.Id == FindingIds.KeyMismatch);

        Assert.StartsWith("key does not belong to certificate", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Findings_of_an_inline_certificate_name_the_routes_fields()
    {
        using var leaf = Leaf("a.example.com");
        using var other = Leaf("a.example.com");
        var data = new Dictionary<string, byte[]> { ["tls.crt"] = B(TestPki.Pem(Intermediate, leaf)), ["tls.key"] = B(other.Key.Pkcs8Pem()) };

        var findings = Evaluator.Evaluate(TlsSecretParser.Parse(data, SecretReading.Tls, names: SecretFields.RouteInline), ["a.example.com"]).Findings;
        var missing = TlsSecretParser.Parse(new Dictionary<string, byte[]> { ["tls.key"] = B(other.Key.Pkcs8Pem()) }, SecretReading.Tls, names: SecretFields.RouteInline);

        Assert.StartsWith("spec.tls.key does not belong to certificate", Assert.Single(findings, f => f.Id == FindingIds.KeyMismatch).Message, StringComparison.Ordinal);
        Assert.StartsWith("spec.tls.certificate is out of order", Assert.Single(findings, f => f.Id == FindingIds.ChainOutOfOrder).Message, StringComparison.Ordinal);
        Assert.Equal("the Route has no spec.tls.certificate", Assert.Single(missing.Problems).Message);
    }

    [Fact]
    public void A_missing_issuer_names_the_bundle_it_is_missing_from()
    {
        using var leaf = Leaf("a.example.com");
        var data = new Dictionary<string, byte[]> { ["cert"] = B(leaf.Pem), ["key"] = B(leaf.Key.Pkcs8Pem()) };
        var evaluator = new CertificateEvaluator(TestPki.Now, 30);

        var generic = evaluator.Evaluate(TlsSecretParser.Parse(data, SecretReading.Istio), ["a.example.com"]).Findings;
        var tls = evaluator.Evaluate(Parse(leaf.Pem, leaf.Key.Pkcs8Pem()), ["a.example.com"]).Findings;

        Assert.Contains("is neither in cert nor a trusted root", Assert.Single(generic, f => f.Id == FindingIds.MissingIssuer).Message, StringComparison.Ordinal);
        Assert.Contains("is neither in tls.crt nor a trusted root", Assert.Single(tls, f => f.Id == FindingIds.MissingIssuer).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ingress_messages_are_unchanged()
    {
        using var leaf = Leaf("a.example.com");
        using var other = Leaf("a.example.com");

        var findings = Evaluator.Evaluate(Parse(TestPki.Pem(Intermediate, leaf), other.Key.Pkcs8Pem()), ["a.example.com"]).Findings;

        Assert.StartsWith("tls.key does not belong to certificate '", Assert.Single(findings, f => f.Id == FindingIds.KeyMismatch).Message, StringComparison.Ordinal);
        Assert.StartsWith("tls.crt is out of order: it must list the leaf first", Assert.Single(findings, f => f.Id == FindingIds.ChainOutOfOrder).Message, StringComparison.Ordinal);
        Assert.Equal(["the secret has no tls.crt", "the secret has no tls.key"], Parse(null, null).Problems.Select(p => p.Message));
    }
}
