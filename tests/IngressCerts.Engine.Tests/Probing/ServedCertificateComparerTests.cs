using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IngressCerts.Engine.Probing;
using IngressCerts.Engine.Tests.TestTls;

namespace IngressCerts.Engine.Tests.Probing;

public sealed class ServedCertificateComparerTests
{
    private readonly TestCertificateAuthority _ca = TestCertificateAuthority.CreateRoot().CreateIntermediate();

    [Fact]
    public void The_same_certificate_is_expected()
    {
        var expected = _ca.IssueLeaf("app.example.test");
        var served = X509CertificateLoader.LoadCertificate(expected.RawData); // as read off the wire: no key

        var verdict = new ServedCertificateComparer(expected).Compare(served);

        Assert.Equal(ServedCertificateMatch.Expected, verdict.Match);
        Assert.True(verdict.SamePublicKey);
        Assert.Equal(expected.Thumbprint, verdict.ServedThumbprint);
        Assert.Equal(verdict.ServedThumbprint, verdict.ExpectedThumbprint);
    }

    [Fact]
    public void An_unrelated_certificate_is_different_and_says_what_it_is()
    {
        var expected = _ca.IssueLeaf("app.example.test");
        var served = _ca.IssueLeaf("other.example.test");

        var verdict = new ServedCertificateComparer(expected).Compare(served);

        Assert.Equal(ServedCertificateMatch.DifferentCertificate, verdict.Match);
        Assert.False(verdict.SamePublicKey);
        Assert.Contains("CN=other.example.test", verdict.Reason);
        Assert.Contains(expected.Thumbprint, verdict.Reason);
    }

    [Fact]
    public void A_reissue_with_the_same_key_is_different_but_flagged()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        X509Certificate2 Issue()
        {
            var request = new CertificateRequest("CN=app.example.test", key, HashAlgorithmName.SHA256);
            return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(Random.Shared.Next(30, 90)));
        }

        var verdict = new ServedCertificateComparer(Issue()).Compare(Issue());

        Assert.Equal(ServedCertificateMatch.DifferentCertificate, verdict.Match);
        Assert.True(verdict.SamePublicKey);
        Assert.Contains("same public key", verdict.Reason);
    }

    [Theory]
    [InlineData("sha1-plain")]
    [InlineData("sha1-colons-lower")]
    [InlineData("sha256")]
    public void A_certificate_from_history_is_known_older_however_its_thumbprint_is_written(string form)
    {
        var older = _ca.IssueLeaf("app.example.test");
        var expected = _ca.IssueLeaf("app.example.test");
        var thumbprint = form switch
        {
            "sha1-plain" => older.Thumbprint,
            "sha1-colons-lower" => string.Join(':', older.Thumbprint.Chunk(2).Select(c => new string(c))).ToLowerInvariant(),
            _ => Convert.ToHexString(older.GetCertHash(HashAlgorithmName.SHA256)).ToLowerInvariant(),
        };

        var verdict = new ServedCertificateComparer(expected, ["0000", thumbprint]).Compare(older);

        Assert.Equal(ServedCertificateMatch.KnownOlderCertificate, verdict.Match);
        Assert.Contains("has not picked up", verdict.Reason);
    }

    [Theory]
    [InlineData("CN=Kubernetes Ingress Controller Fake Certificate, O=Acme Co", "ingress-nginx")]
    [InlineData("CN=TRAEFIK DEFAULT CERT", "Traefik")]
    [InlineData("CN=NGINXIngressController", "NGINX Ingress Controller")]
    [InlineData("C=US, ST=California, L=San Francisco, O=Kong, OU=IT Department, CN=localhost", "Kong")]
    [InlineData("CN=Acme Ingress Controller Default, O=Example", "unknown controller (self-signed placeholder)")]
    [InlineData("CN=some-gateway Fake Certificate", "unknown controller (self-signed placeholder)")]
    public void A_controller_placeholder_is_a_default_fake_certificate(string subject, string controller)
    {
        var served = TestCertificateAuthority.CreateSelfSignedLeaf(subject, "ingress.local");

        var verdict = new ServedCertificateComparer(_ca.IssueLeaf("app.example.test")).Compare(served);

        Assert.Equal(ServedCertificateMatch.DefaultFakeCertificate, verdict.Match);
        Assert.Equal(controller, verdict.DefaultCertificateOf);
        Assert.Contains("default certificate", verdict.Reason);
    }

    [Theory]
    [InlineData("Gateway", "https", "listener 'https' of Gateway edge/gw", "ReferenceGrant")]
    [InlineData("Ingress", null, "Ingress shop/storefront", "TLS entry")]
    public void A_default_certificate_is_explained_in_terms_of_what_should_serve_the_host(string kind, string? listener, string named, string hint)
    {
        var served = TestCertificateAuthority.CreateSelfSignedLeaf("CN=Kubernetes Ingress Controller Fake Certificate, O=Acme Co", "ingress.local");
        var ns = kind == "Gateway" ? "edge" : "shop";
        var name = kind == "Gateway" ? "gw" : "storefront";

        var verdict = new ServedCertificateComparer(_ca.IssueLeaf("app.example.test"), source: new ServingSource(kind, ns, name, listener)).Compare(served);

        Assert.Contains($"the Secret of {named}", verdict.Reason);
        Assert.Contains(hint, verdict.Reason);
        Assert.DoesNotContain("Ingress's", verdict.Reason);
    }

    [Fact]
    public void A_default_certificate_for_an_unknown_source_names_no_kind()
    {
        var served = TestCertificateAuthority.CreateSelfSignedLeaf("CN=Kubernetes Ingress Controller Fake Certificate, O=Acme Co", "ingress.local");

        var verdict = new ServedCertificateComparer(_ca.IssueLeaf("app.example.test")).Compare(served);

        Assert.DoesNotContain("Ingress's", verdict.Reason);
        Assert.Contains("the expected Secret", verdict.Reason);
    }

    [Theory]
    [InlineData("CN=localhost")] // Kong's CN alone is too common to be telling
    [InlineData("CN=Kubernetes Ingress Controller Fake Certificate, O=Someone Else")]
    public void Look_alikes_are_not_called_defaults_when_ca_issued(string subject)
    {
        var served = _ca.IssueLeaf(["app.example.test"], subject);

        var verdict = new ServedCertificateComparer(_ca.IssueLeaf("app.example.test")).Compare(served);

        Assert.Equal(ServedCertificateMatch.DifferentCertificate, verdict.Match);
        Assert.Null(verdict.DefaultCertificateOf);
    }

    [Fact]
    public void Expected_wins_over_history_that_lists_the_same_certificate()
    {
        var expected = _ca.IssueLeaf("app.example.test");

        Assert.Equal(
            ServedCertificateMatch.Expected,
            new ServedCertificateComparer(expected, [expected.Thumbprint]).Compare(expected).Match);
    }

    [Fact]
    public void Thumbprints_normalise_separators_and_case() =>
        Assert.Equal("AB01CD", ServedCertificateComparer.NormalizeThumbprint(" ab:01-cd "));
}
