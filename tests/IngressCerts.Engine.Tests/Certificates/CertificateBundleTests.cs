using System.Security.Cryptography.X509Certificates;
using System.Text;
using IngressCerts.Engine.Certificates;
using static IngressCerts.Engine.Tests.Certificates.SharedPki;

namespace IngressCerts.Engine.Tests.Certificates;

public class CertificateBundleTests
{
    // Split so that secret scanners reading the tree do not take the expected header for a committed key.
    private const string Pkcs8Header = "-----BEGIN " + "PRIVATE KEY-----";

    private static readonly string[] Host = ["a.example.com"];

    private static string[] Thumbprints(IEnumerable<X509Certificate2> certificates) => certificates.Select(c => c.Thumbprint).ToArray();

    private static string[] Thumbprints(params TestCert[] certificates) => certificates.Select(c => c.Certificate.Thumbprint).ToArray();

    /// <summary>Parses what the bundle would publish, as a scan would read it back.</summary>
    private static ParsedTlsSecret Republished(CertificateBundle bundle) =>
        TlsSecretParser.Parse(bundle.GetTlsCrtPemBytes(), bundle.GetTlsKeyPemBytes());

    // ---- From a certificate with its key ----

    [Theory]
    [InlineData(KeyKind.Rsa2048)]
    [InlineData(KeyKind.EcP256)]
    [InlineData(KeyKind.EcP384)]
    public void Certificate_with_key_gives_PKCS8_that_parses_back_and_matches(KeyKind kind)
    {
        using var leaf = Leaf(new CertSpec { Key = kind, DnsNames = Host });
        using var withKey = leaf.WithPrivateKey();
        using var bundle = CertificateBundle.FromCertificate(withKey, [Intermediate.Certificate]);

        Assert.StartsWith(Pkcs8Header + "\n", bundle.TlsKeyPem);
        var republished = Republished(bundle);
        Assert.True(republished.KeyMatchesLeaf);
        Assert.True(republished.IsInOrder);
        Assert.Empty(republished.Problems);
    }

    [Fact]
    public void Extra_chain_certificates_in_any_order_are_sorted_leaf_first_without_the_root()
    {
        using var leaf = Leaf("a.example.com");
        using var withKey = leaf.WithPrivateKey();
        using var bundle = CertificateBundle.FromCertificate(withKey, [Root.Certificate, Intermediate.Certificate]);

        Assert.Equal(Thumbprints(leaf, Intermediate), Thumbprints(bundle.Chain));
    }

    [Fact]
    public void Root_is_kept_when_asked_for()
    {
        using var leaf = Leaf("a.example.com");
        using var withKey = leaf.WithPrivateKey();
        using var bundle = CertificateBundle.FromCertificate(withKey, [Root.Certificate, Intermediate.Certificate], includeRoot: true);

        Assert.Equal(Thumbprints(leaf, Intermediate, Root), Thumbprints(bundle.Chain));
    }

    [Fact]
    public void Published_certificates_carry_no_private_key()
    {
        using var leaf = Leaf("a.example.com");
        using var withKey = leaf.WithPrivateKey();
        using var bundle = CertificateBundle.FromCertificate(withKey);

        Assert.All(bundle.Chain, c => Assert.False(c.HasPrivateKey));
        Assert.False(bundle.Leaf.HasPrivateKey);
    }

    [Fact]
    public void Certificate_without_key_gives_a_bundle_that_fails_preflight()
    {
        using var leaf = Leaf("a.example.com");
        using var bundle = CertificateBundle.FromCertificate(leaf.Certificate, [Intermediate.Certificate]);

        Assert.False(bundle.HasPrivateKey);
        Assert.Equal([PreflightCheckIds.NoPrivateKey], bundle.Preflight(Host, TestPki.Now).Select(f => f.Id));
        Assert.Throws<InvalidOperationException>(() => bundle.TlsKeyPem);
    }

    // ---- From a PFX ----

    [Fact]
    public void PFX_round_trip_keeps_the_chain_and_the_key()
    {
        using var leaf = Leaf(new CertSpec { Key = KeyKind.Rsa2048, DnsNames = Host });
        using var withKey = leaf.WithPrivateKey();
        var pfx = new X509Certificate2Collection(new[] { Root.Certificate, withKey, Intermediate.Certificate }).Export(X509ContentType.Pkcs12, "pfx-pass")!;

        using var bundle = CertificateBundle.FromPfx(pfx, "pfx-pass");

        Assert.Equal(Thumbprints(leaf, Intermediate), Thumbprints(bundle.Chain));
        Assert.Equal(KeyAlgorithm.RSA, bundle.PrivateKeyAlgorithm);
        Assert.True(Republished(bundle).KeyMatchesLeaf);
        Assert.Empty(bundle.Preflight(Host, TestPki.Now));
    }

    [Fact]
    public void PFX_with_an_Ed25519_key_is_read()
    {
        using var leaf = Leaf(new CertSpec { Key = KeyKind.Ed25519, DnsNames = Host });
        var pfx = TestPki.Ed25519Pfx(leaf, "pfx-pass", Intermediate);

        using var bundle = CertificateBundle.FromPfx(pfx, "pfx-pass");

        Assert.Equal(KeyAlgorithm.Ed25519, bundle.PrivateKeyAlgorithm);
        Assert.Equal(Thumbprints(leaf, Intermediate), Thumbprints(bundle.Chain));
        Assert.True(Republished(bundle).KeyMatchesLeaf);
    }

    [Fact]
    public void PFX_with_a_wrong_password_is_refused_without_echoing_it()
    {
        using var leaf = Leaf("a.example.com");
        using var withKey = leaf.WithPrivateKey();
        var pfx = withKey.Export(X509ContentType.Pkcs12, "right-password");

        var error = Assert.Throws<CertificateBundleException>(() => CertificateBundle.FromPfx(pfx, "wrong-password"));
        Assert.DoesNotContain("password-", error.Message);
        Assert.DoesNotContain("wrong-password", error.ToString());
    }

    [Fact]
    public void PFX_file_is_read()
    {
        using var leaf = Leaf("a.example.com");
        using var withKey = leaf.WithPrivateKey();
        var path = Path.Combine(Path.GetTempPath(), $"bundle-{Guid.NewGuid():N}.pfx");
        File.WriteAllBytes(path, withKey.Export(X509ContentType.Pkcs12, "pfx-pass"));
        try
        {
            using var bundle = CertificateBundle.FromPfxFile(path, "pfx-pass");
            Assert.True(bundle.KeyMatchesLeaf);
        }
        finally
        {
            File.Delete(path);
        }
    }

    // ---- From PEM ----

    [Fact]
    public void PEM_chain_in_reverse_order_is_sorted_leaf_first()
    {
        using var leaf = Leaf("a.example.com");
        using var bundle = CertificateBundle.FromPem(TestPki.Pem(Root, Intermediate, leaf), leaf.Key.Pkcs8Pem());

        Assert.Equal(Thumbprints(leaf, Intermediate), Thumbprints(bundle.Chain));
        Assert.True(Republished(bundle).IsInOrder);
    }

    [Fact]
    public void Separate_chain_PEM_in_any_order_is_sorted_behind_the_leaf()
    {
        using var leaf = Leaf("a.example.com");
        using var bundle = CertificateBundle.FromPem(leaf.Pem, leaf.Key.Pkcs8Pem(), TestPki.Pem(Root, Intermediate), includeRoot: true);

        Assert.Equal(Thumbprints(leaf, Intermediate, Root), Thumbprints(bundle.Chain));
    }

    [Fact]
    public void PKCS1_key_is_published_as_PKCS8()
    {
        using var leaf = Leaf(new CertSpec { Key = KeyKind.Rsa2048, DnsNames = Host });
        using var bundle = CertificateBundle.FromPem(ChainPem(leaf), leaf.Key.Pkcs1Pem());

        Assert.StartsWith(Pkcs8Header, bundle.TlsKeyPem);
        Assert.True(Republished(bundle).KeyMatchesLeaf);
    }

    [Fact]
    public void SEC1_key_is_published_as_PKCS8()
    {
        using var leaf = Leaf(new CertSpec { Key = KeyKind.EcP521, DnsNames = Host });
        using var bundle = CertificateBundle.FromPem(ChainPem(leaf), leaf.Key.Sec1Pem());

        Assert.StartsWith(Pkcs8Header, bundle.TlsKeyPem);
        Assert.True(Republished(bundle).KeyMatchesLeaf);
    }

    [Fact]
    public void Ed25519_key_is_published_as_PKCS8()
    {
        using var leaf = Leaf(new CertSpec { Key = KeyKind.Ed25519, DnsNames = Host });
        using var bundle = CertificateBundle.FromPem(ChainPem(leaf), leaf.Key.Pkcs8Pem());

        Assert.StartsWith(Pkcs8Header, bundle.TlsKeyPem);
        Assert.Equal(KeyAlgorithm.Ed25519, bundle.PrivateKeyAlgorithm);
        Assert.True(Republished(bundle).KeyMatchesLeaf);
    }

    [Fact]
    public void PEM_input_may_be_bytes_with_CRLF()
    {
        using var leaf = Leaf("a.example.com");
        using var bundle = CertificateBundle.FromPem(
            Encoding.ASCII.GetBytes(ChainPem(leaf).ReplaceLineEndings("\r\n")),
            Encoding.ASCII.GetBytes(leaf.Key.Sec1Pem().ReplaceLineEndings("\r\n")));

        Assert.True(bundle.KeyMatchesLeaf);
    }

    [Fact]
    public void Encrypted_key_is_refused()
    {
        using var leaf = Leaf("a.example.com");
        var error = Assert.Throws<CertificateBundleException>(() => CertificateBundle.FromPem(ChainPem(leaf), leaf.Key.EncryptedPkcs8Pem()));
        Assert.Contains("encrypted", error.Message);
    }

    [Fact]
    public void Certificate_text_without_a_certificate_is_refused()
    {
        using var leaf = Leaf("a.example.com");
        Assert.Throws<CertificateBundleException>(() => CertificateBundle.FromPem("nothing here", leaf.Key.Pkcs8Pem()));
    }

    [Fact]
    public void Empty_key_gives_a_bundle_without_key()
    {
        using var leaf = Leaf("a.example.com");
        using var bundle = CertificateBundle.FromPem(ChainPem(leaf), "");

        Assert.False(bundle.HasPrivateKey);
    }

    // ---- Output and warnings ----

    [Fact]
    public void Certificate_PEM_has_LF_line_endings_leaf_first()
    {
        using var leaf = Leaf("a.example.com");
        using var bundle = CertificateBundle.FromPem(TestPki.Pem(Intermediate, leaf).ReplaceLineEndings("\r\n"), leaf.Key.Pkcs8Pem());

        Assert.DoesNotContain("\r", bundle.TlsCrtPem);
        Assert.DoesNotContain("\r", bundle.TlsKeyPem);
        Assert.EndsWith("-----END CERTIFICATE-----\n", bundle.TlsCrtPem);
        Assert.StartsWith(leaf.Certificate.ExportCertificatePem(), bundle.TlsCrtPem);
    }

    [Fact]
    public void Key_bytes_are_the_key_PEM_in_ASCII()
    {
        using var leaf = Leaf("a.example.com");
        using var bundle = CertificateBundle.FromPem(ChainPem(leaf), leaf.Key.Pkcs8Pem());

        Assert.Equal(Encoding.ASCII.GetBytes(bundle.TlsKeyPem), bundle.GetTlsKeyPemBytes());
    }

    [Fact]
    public void Complete_chain_to_a_trusted_root_gives_no_warnings()
    {
        using var leaf = Leaf("a.example.com");
        using var bundle = CertificateBundle.FromPem(TestPki.Pem(leaf, Intermediate, Root), leaf.Key.Pkcs8Pem());

        Assert.Empty(bundle.WarningsTrusting([Root.Certificate]));
    }

    [Fact]
    public void Complete_chain_to_a_root_not_trusted_here_is_published_with_a_warning_naming_TrustedRootPath()
    {
        // A private CA's chain: complete, so it is built (and published) as it is, with a warning.
        using var leaf = Leaf("a.example.com");
        using var bundle = CertificateBundle.FromPem(ChainPem(leaf), leaf.Key.Pkcs8Pem());

        Assert.Equal(Thumbprints(leaf, Intermediate), Thumbprints(bundle.Chain));
        var warning = Assert.Single(bundle.Warnings);
        Assert.Contains("'Test Root CA'", warning);
        Assert.Contains("-TrustedRootPath", warning);
    }

    [Fact]
    public void Missing_intermediate_is_warned_about()
    {
        using var leaf = Leaf("a.example.com");
        using var bundle = CertificateBundle.FromPem(leaf.Pem, leaf.Key.Pkcs8Pem());

        Assert.Contains("Test Intermediate CA", Assert.Single(bundle.Warnings));
    }

    [Fact]
    public void Certificate_off_the_chain_is_left_out_with_a_warning()
    {
        using var leaf = Leaf("a.example.com");
        using var stranger = TestPki.Root("Unrelated CA");
        using var bundle = CertificateBundle.FromPem(TestPki.Pem(leaf, stranger, Intermediate, Root), leaf.Key.Pkcs8Pem());

        Assert.Equal(Thumbprints(leaf, Intermediate), Thumbprints(bundle.Chain));
        Assert.Contains("Unrelated CA", Assert.Single(bundle.WarningsTrusting([Root.Certificate])));
    }

    [Fact]
    public void Duplicate_certificates_are_published_once()
    {
        using var leaf = Leaf("a.example.com");
        using var bundle = CertificateBundle.FromPem(TestPki.Pem(leaf, Intermediate, Intermediate), leaf.Key.Pkcs8Pem(), TestPki.Pem(Root, leaf));

        Assert.Equal(Thumbprints(leaf, Intermediate), Thumbprints(bundle.Chain));
        Assert.Empty(bundle.WarningsTrusting([Root.Certificate]));
    }

    // ---- Preflight ----

    [Fact]
    public void Good_bundle_passes_preflight()
    {
        using var leaf = Leaf("a.example.com");
        using var bundle = CertificateBundle.FromPem(ChainPem(leaf), leaf.Key.Pkcs8Pem());

        Assert.Empty(bundle.Preflight(Host, TestPki.Now));
    }

    [Theory]
    [InlineData(KeyKind.Rsa2048)]
    [InlineData(KeyKind.EcP256)]
    [InlineData(KeyKind.Ed25519)]
    public void Key_of_another_certificate_fails_preflight(KeyKind kind)
    {
        using var leaf = Leaf(new CertSpec { Key = kind, DnsNames = Host });
        using var other = new TestKey(kind);
        using var bundle = CertificateBundle.FromPem(ChainPem(leaf), other.Pkcs8Pem());

        Assert.False(bundle.KeyMatchesLeaf);
        Assert.Equal([PreflightCheckIds.KeyMismatch], bundle.Preflight(Host, TestPki.Now).Select(f => f.Id));
    }

    [Fact]
    public void Expired_certificate_fails_preflight()
    {
        using var leaf = Leaf("a.example.com");
        using var bundle = CertificateBundle.FromPem(ChainPem(leaf), leaf.Key.Pkcs8Pem());

        Assert.Equal([PreflightCheckIds.CertificateExpired], bundle.Preflight(Host, leaf.Certificate.NotAfter.AddDays(1)).Select(f => f.Id));
    }

    [Fact]
    public void Certificate_not_yet_valid_fails_preflight()
    {
        using var leaf = Leaf("a.example.com");
        using var bundle = CertificateBundle.FromPem(ChainPem(leaf), leaf.Key.Pkcs8Pem());

        Assert.Equal([PreflightCheckIds.CertificateNotYetValid], bundle.Preflight(Host, leaf.Certificate.NotBefore.AddDays(-1)).Select(f => f.Id));
    }

    [Fact]
    public void Uncovered_host_fails_preflight_naming_it()
    {
        using var leaf = Leaf("*.example.com");
        using var bundle = CertificateBundle.FromPem(ChainPem(leaf), leaf.Key.Pkcs8Pem());

        var failure = Assert.Single(bundle.Preflight(["www.example.com", "example.com"], TestPki.Now));
        Assert.Equal(PreflightCheckIds.HostNotCovered, failure.Id);
        Assert.Contains("'example.com'", failure.Message);
    }

    [Fact]
    public void Short_RSA_key_fails_preflight()
    {
        using var leaf = Leaf(new CertSpec { Key = KeyKind.Rsa1024, DnsNames = Host });
        using var bundle = CertificateBundle.FromPem(ChainPem(leaf), leaf.Key.Pkcs1Pem());

        Assert.Equal([PreflightCheckIds.WeakRsaKey], bundle.Preflight(Host, TestPki.Now).Select(f => f.Id));
    }

    // ---- Key material ----

    [Fact]
    public void Dispose_wipes_the_key()
    {
        using var leaf = Leaf(new CertSpec { Key = KeyKind.Rsa2048, DnsNames = Host });
        var bundle = CertificateBundle.FromPem(ChainPem(leaf), leaf.Key.Pkcs1Pem());
        var secret = KeyMaterialProbe.SecretOf(leaf.Key);
        Assert.ThrowsAny<Exception>(() => KeyMaterialProbe.AssertNotReachable(bundle, secret));

        bundle.Dispose();

        KeyMaterialProbe.AssertNotReachable(bundle, secret);
        Assert.Throws<ObjectDisposedException>(() => bundle.TlsKeyPem);
    }

    [Fact]
    public void Text_of_a_bundle_shows_no_key_material()
    {
        using var leaf = Leaf(new CertSpec { CommonName = "a.example.com", Key = KeyKind.Rsa2048, DnsNames = Host });
        using var bundle = CertificateBundle.FromPem(ChainPem(leaf), leaf.Key.Pkcs1Pem());
        var keyLines = bundle.TlsKeyPem.Split('\n').Where(l => l.Length > 0 && !l.StartsWith('-'));

        var text = bundle.ToString();

        Assert.DoesNotContain("PRIVATE KEY", text);
        Assert.All(keyLines, line => Assert.DoesNotContain(line, text));
        Assert.Contains("a.example.com", text);
    }
}
