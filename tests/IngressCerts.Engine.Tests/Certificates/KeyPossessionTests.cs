using System.Text;
using IngressCerts.Engine.Certificates;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using static IngressCerts.Engine.Tests.Certificates.SharedPki;

namespace IngressCerts.Engine.Tests.Certificates;

/// <summary>
/// A key that carries the certificate's public half but not a working private half is caught by Publish's preflight
/// and by Test's secret parsing, which sign with it and verify with the certificate; the inventory's parse compares
/// public halves only.
/// </summary>
public class KeyPossessionTests
{
    private static readonly string[] Host = ["a.example.com"];

    private static TestCert RsaLeaf() => Leaf(new CertSpec { Key = KeyKind.Rsa2048, DnsNames = Host });

    private static TestCert EcLeaf() => Leaf(new CertSpec { Key = KeyKind.EcP256, DnsNames = Host });

    private static byte[] ForeignScalarKey(TestCert leaf)
    {
        using var foreign = new TestKey(KeyKind.EcP256);
        return CorruptKeys.EcWithForeignScalar(leaf.Key.Ecdsa!, foreign.Ecdsa!);
    }

    private static CertificateBundle Bundle(TestCert leaf, byte[] pkcs8) =>
        CertificateBundle.FromPem(Encoding.ASCII.GetBytes(ChainPem(leaf)), Encoding.ASCII.GetBytes(CorruptKeys.Pem(pkcs8)));

    private static Dictionary<string, byte[]> SecretData(TestCert leaf, byte[] pkcs8) => new()
    {
        ["tls.crt"] = Encoding.ASCII.GetBytes(ChainPem(leaf)),
        ["tls.key"] = Encoding.ASCII.GetBytes(CorruptKeys.Pem(pkcs8)),
    };

    [Fact]
    public void An_EC_key_with_the_certificates_point_and_another_scalar_fails_preflight_as_KeyMismatch()
    {
        using var leaf = EcLeaf();
        using var bundle = Bundle(leaf, ForeignScalarKey(leaf));

        var failure = Assert.Single(bundle.Preflight(Host, TestPki.Now));
        Assert.Equal(PreflightCheckIds.KeyMismatch, failure.Id);
        Assert.Contains("has the public key of certificate", failure.Message);
        Assert.False(bundle.KeyMatchesLeaf);
    }

    [Theory]
    [InlineData(RsaPart.D)]
    [InlineData(RsaPart.P)]
    [InlineData(RsaPart.Q)]
    [InlineData(RsaPart.DP)]
    [InlineData(RsaPart.DQ)]
    [InlineData(RsaPart.InverseQ)]
    public void An_RSA_key_with_the_right_n_and_e_and_a_corrupt_private_part_fails_preflight_as_KeyMismatch(RsaPart part)
    {
        using var leaf = RsaLeaf();
        using var bundle = Bundle(leaf, CorruptKeys.Rsa(leaf.Key.Rsa!, part));

        var failure = Assert.Single(bundle.Preflight(Host, TestPki.Now));
        Assert.Equal(PreflightCheckIds.KeyMismatch, failure.Id);
        Assert.False(bundle.KeyMatchesLeaf);
    }

    [Fact]
    public void A_corrupt_d_is_caught_even_where_the_platform_signs_with_the_CRT_parts_only()
    {
        // Linux's import refuses a corrupt d; Windows and macOS may not, and sign with the CRT parts. Signing with d
        // alone must then round-trip through e, whatever the platform checks.
        using var leaf = RsaLeaf();

        Assert.False(KeyPossession.PrivateExponentWorks(CorruptKeys.Rsa(leaf.Key.Rsa!, RsaPart.D)));
        Assert.True(KeyPossession.PrivateExponentWorks(CorruptKeys.Rsa(leaf.Key.Rsa!, RsaPart.DP)));
        Assert.True(KeyPossession.PrivateExponentWorks(leaf.Key.Pkcs8Der()));
    }

    [Theory]
    [InlineData(KeyKind.Rsa2048)]
    [InlineData(KeyKind.EcP256)]
    [InlineData(KeyKind.EcP384)]
    [InlineData(KeyKind.EcP521)]
    [InlineData(KeyKind.Ed25519)]
    public void A_working_key_proves_possession(KeyKind kind)
    {
        using var leaf = Leaf(new CertSpec { Key = kind, DnsNames = Host });

        Assert.Null(KeyPossession.CheckPkcs8(leaf.Key.Pkcs8Der(), leaf.Certificate));
        using var bundle = CertificateBundle.FromPem(ChainPem(leaf), leaf.Key.Pkcs8Pem());
        Assert.Empty(bundle.Preflight(Host, TestPki.Now));
        Assert.True(TlsSecretParser.ParseProvingKey(SecretData(leaf, leaf.Key.Pkcs8Der())).KeyMatchesLeaf);
    }

    [Fact]
    public void PKCS1_and_SEC1_keys_prove_possession_too()
    {
        using var rsa = RsaLeaf();
        using var ec = EcLeaf();

        Assert.Null(KeyPossession.Check(Encoding.ASCII.GetBytes(rsa.Key.Pkcs1Pem()), rsa.Certificate));
        Assert.Null(KeyPossession.Check(Encoding.ASCII.GetBytes(ec.Key.Sec1Pem()), ec.Certificate));
    }

    [Fact]
    public void A_PFX_holding_a_corrupt_key_fails_preflight_as_KeyMismatch()
    {
        using var leaf = RsaLeaf();
        var store = new Pkcs12StoreBuilder().Build();
        var certificate = new X509CertificateEntry(new Org.BouncyCastle.X509.X509CertificateParser().ReadCertificate(leaf.Certificate.RawData));
        store.SetKeyEntry("leaf", new AsymmetricKeyEntry(PrivateKeyFactory.CreateKey(CorruptKeys.Rsa(leaf.Key.Rsa!, RsaPart.D))), [certificate]);
        using var stream = new MemoryStream();
        store.Save(stream, "pfx-pass".ToCharArray(), new SecureRandom());

        using var bundle = CertificateBundle.FromPfx(stream.ToArray(), "pfx-pass");

        Assert.Equal([PreflightCheckIds.KeyMismatch], bundle.Preflight(Host, TestPki.Now).Select(f => f.Id));
    }

    [Fact]
    public void Test_parsing_reports_a_corrupt_key_as_KeyMismatch_and_the_inventory_parse_does_not_look()
    {
        using var leaf = EcLeaf();
        var data = SecretData(leaf, ForeignScalarKey(leaf));

        var proven = TlsSecretParser.ParseProvingKey(data);
        Assert.False(proven.KeyMatchesLeaf);
        var evaluation = new CertificateEvaluator(TestPki.Now, 30, [Root.Certificate]).Evaluate(proven, Host);
        var finding = Assert.Single(evaluation.Findings, f => f.Id == FindingIds.KeyMismatch);
        Assert.Equal(CertificateStatus.KeyMismatch, finding.Status);
        Assert.Contains("it has the certificate's public key, but", finding.Message);

        // The inventory keeps the structural comparison, for speed (documented in Get-IngressCertificate's help).
        Assert.True(TlsSecretParser.Parse(data).KeyMatchesLeaf);
    }

    [Fact]
    public void Messages_about_a_corrupt_key_never_quote_it()
    {
        using var leaf = RsaLeaf();
        var pkcs8 = CorruptKeys.Rsa(leaf.Key.Rsa!, RsaPart.D);
        using var bundle = Bundle(leaf, pkcs8);
        var message = string.Join(" ", bundle.Preflight(Host, TestPki.Now).Select(f => f.Message))
            + TlsSecretParser.ParseProvingKey(SecretData(leaf, pkcs8)).KeyPossessionProblem;

        var body = CorruptKeys.Pem(pkcs8).Split('\n')[1];
        Assert.DoesNotContain(body[..20], message);
        Assert.DoesNotContain(Convert.ToHexString(leaf.Key.Rsa!.ExportParameters(true).D!)[..16], message, StringComparison.OrdinalIgnoreCase);
    }
}
