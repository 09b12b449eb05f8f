using IngressCerts.Engine.Certificates;
using static IngressCerts.Engine.Tests.Certificates.TestPki;

namespace IngressCerts.Engine.Tests.Certificates;

public sealed class CertificateCacheTests
{
    private static readonly TestCert Root = TestPki.Root();
    private static readonly TestCert Intermediate = TestPki.Intermediate(Root);

    [Fact]
    public void A_tls_crt_that_recurs_is_read_once_it_is_kept()
    {
        using var leaf = Leaf(Intermediate, "shop.example.com");
        var crt = Bytes(Pem(leaf, Intermediate));
        var ca = Bytes(Pem(Root));
        var key = Bytes(leaf.Key.Pkcs8Pem());
        var cache = new CertificateCache();

        // First sight reads, second sight reads again and keeps, every later one is shared.
        var first = TlsSecretParser.Parse(crt, key, ca, cache);
        var second = TlsSecretParser.Parse(crt, key, ca, cache);
        var decoded = cache.Count;
        var third = TlsSecretParser.Parse(crt, key, ca, cache);

        Assert.Equal(decoded, cache.Count);
        Assert.Same(second.CertificateInfos, third.CertificateInfos); // the whole file's reading is shared, not only its certificates
        Assert.Same(second.CaCertificateInfos, third.CaCertificateInfos);
        Assert.Equal(first.CertificateInfos.Select(c => c.Sha256Fingerprint), third.CertificateInfos.Select(c => c.Sha256Fingerprint));
        Assert.Equal(first.KeyMatchesLeaf, third.KeyMatchesLeaf);
        Assert.True(third.KeyMatchesLeaf);
    }

    [Fact]
    public void The_same_bytes_as_tls_crt_and_as_ca_crt_keep_their_own_findings()
    {
        // Not a certificate: an error in tls.crt, only a note in ca.crt. Shared content must not share the verdict.
        var junk = Bytes("-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n");
        using var leaf = Leaf(Intermediate, "shop.example.com");
        var key = Bytes(leaf.Key.Pkcs8Pem());
        var cache = new CertificateCache();

        for (var i = 0; i < 3; i++)
        {
            var asCrt = TlsSecretParser.Parse(junk, key, null, cache);
            Assert.Contains(asCrt.Problems, f => f.Id == FindingIds.UndecodableCertificate && f.Status == CertificateStatus.InvalidSecret);

            var asCa = TlsSecretParser.Parse(Bytes(Pem(leaf, Intermediate)), key, junk, cache);
            var note = Assert.Single(asCa.Problems, f => f.Id == FindingIds.UnreadableCaCertificate);
            Assert.Equal(CertificateStatus.Valid, note.Status);
            Assert.Contains("ca.crt", note.Message);
        }
    }
}
