using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Text;
using IngressCerts.Engine.Certificates;
using static IngressCerts.Engine.Tests.Certificates.SharedPki;

namespace IngressCerts.Engine.Tests.Certificates;

public class TlsSecretParserTests
{
    // ---- tls.crt: order and form ----

    [Fact]
    public void Leaf_then_issuer_is_in_order()
    {
        using var leaf = Leaf("a.example.com");
        var secret = Parse(TestPki.Pem(leaf, Intermediate, Root), leaf.Key.Pkcs8Pem());

        Assert.True(secret.IsInOrder);
        Assert.Equal(leaf.Certificate.Thumbprint, secret.Leaf!.Thumbprint);
        Assert.Empty(secret.Problems);
    }

    [Fact]
    public void Leaf_is_found_when_listed_last_and_the_chain_is_sorted_leaf_first()
    {
        using var leaf = Leaf("a.example.com");
        var secret = Parse(TestPki.Pem(Root, Intermediate, leaf), leaf.Key.Pkcs8Pem());

        Assert.False(secret.IsInOrder);
        Assert.Equal(leaf.Certificate.Thumbprint, secret.Leaf!.Thumbprint);
        Assert.Equal(
            CertsOf(leaf, Intermediate, Root).Select(c => c.Thumbprint),
            secret.Chain.Select(c => c.Thumbprint));
        Assert.Equal(
            CertsOf(Root, Intermediate, leaf).Select(c => c.Thumbprint),
            secret.Certificates.Select(c => c.Thumbprint));
    }

    [Fact]
    public void Leaf_first_with_issuers_swapped_is_out_of_order()
    {
        using var leaf = Leaf("a.example.com");
        var secret = Parse(TestPki.Pem(leaf, Root, Intermediate), leaf.Key.Pkcs8Pem());

        Assert.False(secret.IsInOrder);
        Assert.Equal(leaf.Certificate.Thumbprint, secret.Leaf!.Thumbprint);
    }

    [Fact]
    public void Certificate_not_on_the_leafs_chain_makes_the_bundle_out_of_order()
    {
        using var leaf = Leaf("a.example.com");
        using var stranger = TestPki.Root("Unrelated CA");
        var secret = Parse(TestPki.Pem(leaf, Intermediate, stranger), leaf.Key.Pkcs8Pem());

        Assert.False(secret.IsInOrder);
        Assert.Equal(stranger.Certificate.Thumbprint, secret.Chain[^1].Thumbprint);
    }

    [Fact]
    public void Leaf_matching_the_key_is_preferred_among_several_end_entity_certificates()
    {
        using var first = Leaf("first.example.com");
        using var second = Leaf("second.example.com");
        var secret = Parse(TestPki.Pem(first, second, Intermediate), second.Key.Pkcs8Pem());

        Assert.Equal(second.Certificate.Thumbprint, secret.Leaf!.Thumbprint);
        Assert.True(secret.KeyMatchesLeaf);
    }

    [Fact]
    public void Non_CA_certificate_is_the_leaf_when_no_key_decides()
    {
        using var leaf = Leaf("a.example.com");
        using var otherRoot = TestPki.Root("Other Root");
        var secret = Parse(TestPki.Pem(otherRoot, leaf), key: null);

        Assert.Equal(leaf.Certificate.Thumbprint, secret.Leaf!.Thumbprint);
    }

    [Fact]
    public void Among_several_end_entity_certificates_and_no_key_the_first_listed_is_the_leaf()
    {
        using var first = Leaf("first.example.com");
        using var second = Leaf("second.example.com");

        Assert.Equal(first.Certificate.Thumbprint, Parse(TestPki.Pem(first, second, Intermediate), key: null).Leaf!.Thumbprint);
        Assert.Equal(second.Certificate.Thumbprint, Parse(TestPki.Pem(second, Intermediate, first), key: null).Leaf!.Thumbprint);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_pooled_buffer_a_PEM_key_is_decoded_into_is_wiped(bool withHeaders)
    {
        using var leaf = Leaf("a.example.com");
        var der = leaf.Key.Pkcs8Der();
        const string label = "PRIVATE" + " KEY";
        var pem = $"-----BEGIN {label}-----\n" + (withHeaders ? "Comment: from a vault\n\n" : string.Empty)
            + Convert.ToBase64String(der, Base64FormattingOptions.InsertLineBreaks).Replace("\r\n", "\n") + $"\n-----END {label}-----\n";

        Assert.True(Parse(ChainPem(leaf), pem).KeyMatchesLeaf);

        // The shared pool hands a thread its last returned array of a size class first: here, the key's buffer.
        var pooled = System.Buffers.ArrayPool<byte>.Shared.Rent(der.Length);
        try
        {
            Assert.DoesNotContain(pooled, b => b != 0);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(pooled);
        }
    }

    [Fact]
    public void CRLF_line_endings_are_read()
    {
        using var leaf = Leaf("a.example.com");
        var crt = TestPki.Pem(leaf, Intermediate).ReplaceLineEndings("\r\n");
        var key = leaf.Key.Pkcs8Pem().ReplaceLineEndings("\r\n");
        var secret = Parse(crt, key);

        Assert.Equal(2, secret.Certificates.Count);
        Assert.True(secret.KeyMatchesLeaf);
        Assert.Empty(secret.Problems);
    }

    [Fact]
    public void Text_around_and_between_blocks_is_ignored()
    {
        using var leaf = Leaf("a.example.com");
        var crt = $"""
            Bag Attributes
                localKeyID: 01 00 00 00
                friendlyName: a.example.com
            subject=CN = a.example.com
            issuer=CN = Test Intermediate CA

            {leaf.Pem}
            subject=CN = Test Intermediate CA
            issuer=CN = Test Root CA
            {Intermediate.Pem}
            trailing words
            """;
        var secret = Parse(crt, leaf.Key.Pkcs8Pem());

        Assert.Equal(2, secret.Certificates.Count);
        Assert.True(secret.IsInOrder);
        Assert.Empty(secret.Problems);
    }

    [Fact]
    public void Single_DER_certificate_is_read()
    {
        using var leaf = Leaf("a.example.com");
        var secret = TlsSecretParser.Parse(leaf.Certificate.RawData, TestPki.Bytes(leaf.Key.Pkcs8Pem()));

        Assert.Equal(leaf.Certificate.Thumbprint, secret.Leaf!.Thumbprint);
        Assert.Empty(secret.Problems);
    }

    [Fact]
    public void Certificates_come_without_private_keys()
    {
        using var leaf = Leaf("a.example.com");
        var secret = Parse(ChainPem(leaf), leaf.Key.Pkcs8Pem());

        Assert.All(secret.Certificates, c => Assert.False(c.HasPrivateKey));
    }

    [Fact]
    public void Data_map_is_read_by_its_kubernetes_keys()
    {
        using var leaf = Leaf("a.example.com");
        var secret = TlsSecretParser.Parse(new Dictionary<string, byte[]>
        {
            ["tls.crt"] = TestPki.Bytes(ChainPem(leaf)),
            ["tls.key"] = TestPki.Bytes(leaf.Key.Pkcs8Pem()),
            ["ca.crt"] = TestPki.Bytes(Root.Pem),
        });

        Assert.True(secret.KeyMatchesLeaf);
        Assert.Single(secret.CaCertificates);
    }

    [Fact]
    public void Disposing_a_parsed_secret_releases_its_certificates()
    {
        using var leaf = Leaf("a.example.com");
        var secret = Parse(ChainPem(leaf), leaf.Key.Pkcs8Pem(), ca: Root.Pem);
        var handedOut = secret.Certificates.Concat(secret.CaCertificates).ToList();

        secret.Dispose();

        Assert.Equal(3, handedOut.Count);
        Assert.All(handedOut, c => Assert.Equal(IntPtr.Zero, c.Handle));
        Assert.Equal(leaf.Certificate.Thumbprint, secret.Leaf!.Thumbprint); // asked for again: a new object
    }

    // ---- tls.crt: what makes a secret invalid ----

    [Fact]
    public void Missing_tls_crt_is_invalid()
    {
        using var leaf = Leaf("a.example.com");
        var secret = Parse(crt: null, leaf.Key.Pkcs8Pem());

        Assert.Null(secret.Leaf);
        Assert.Contains(FindingIds.MissingCertificate, secret.Ids());
    }

    [Fact]
    public void Empty_tls_crt_is_invalid()
    {
        var secret = Parse(" \n", key: null);
        Assert.Contains(secret.Problems, p => p.Id == FindingIds.MissingCertificate && p.Status == CertificateStatus.InvalidSecret);
    }

    [Fact]
    public void Text_that_is_neither_PEM_nor_DER_is_invalid()
    {
        var secret = Parse("not a certificate", key: null);
        Assert.Contains(secret.Problems, p => p.Id == FindingIds.UndecodableCertificate && p.Status == CertificateStatus.InvalidSecret);
    }

    [Fact]
    public void Binary_that_is_not_a_certificate_is_invalid()
    {
        var secret = TlsSecretParser.Parse([0x30, 0x82, 0xFF, 0x01, 0x02], null);
        Assert.Contains(FindingIds.UndecodableCertificate, secret.Ids());
    }

    [Fact]
    public void Value_encoded_twice_is_invalid_with_a_hint()
    {
        using var leaf = Leaf("a.example.com");
        var secret = Parse(Convert.ToBase64String(TestPki.Bytes(leaf.Pem)), key: null);

        var problem = Assert.Single(secret.Problems, p => p.Id == FindingIds.UndecodableCertificate);
        Assert.Contains("base64-encoded twice", problem.Message);
    }

    [Fact]
    public void PEM_without_a_certificate_block_is_invalid()
    {
        var secret = Parse("-----BEGIN X509 CRL-----\nMAA=\n-----END X509 CRL-----\n", key: null);
        var problem = Assert.Single(secret.Problems, p => p.Id == FindingIds.NotACertificate);
        Assert.Contains("X509 CRL", problem.Message);
    }

    [Fact]
    public void Certificate_block_with_broken_base64_is_invalid()
    {
        var secret = Parse("-----BEGIN CERTIFICATE-----\nMIIB$%^&\n-----END CERTIFICATE-----\n", key: null);
        Assert.Contains(FindingIds.UndecodableCertificate, secret.Ids());
    }

    [Fact]
    public void Certificate_block_holding_something_else_is_invalid()
    {
        var secret = Parse(PemEncoding.WriteString("CERTIFICATE", [0x30, 0x03, 0x02, 0x01, 0x00]), key: null);
        Assert.Contains(FindingIds.UndecodableCertificate, secret.Ids());
    }

    [Fact]
    public void Block_without_its_END_line_is_invalid()
    {
        using var leaf = Leaf("a.example.com");
        var pem = leaf.Pem;
        var secret = Parse(pem[..pem.IndexOf("-----END", StringComparison.Ordinal)], key: null);
        Assert.Contains(FindingIds.UndecodableCertificate, secret.Ids());
    }

    [Fact]
    public void One_broken_certificate_among_good_ones_is_invalid_but_the_rest_is_read()
    {
        using var leaf = Leaf("a.example.com");
        var secret = Parse(leaf.Pem + "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", leaf.Key.Pkcs8Pem());

        Assert.NotNull(secret.Leaf);
        Assert.Contains(FindingIds.UndecodableCertificate, secret.Ids());
    }

    [Fact]
    public void Private_key_inside_tls_crt_is_noted()
    {
        using var leaf = Leaf("a.example.com");
        var secret = Parse(ChainPem(leaf) + leaf.Key.Pkcs8Pem(), leaf.Key.Pkcs8Pem());

        var note = Assert.Single(secret.Problems);
        Assert.Equal(FindingIds.KeyInCertificateFile, note.Id);
        Assert.True(note.IsNote);
    }

    // ---- tls.key: every format, every algorithm ----

    [Theory]
    [InlineData(KeyKind.Rsa2048)]
    [InlineData(KeyKind.EcP256)]
    [InlineData(KeyKind.EcP384)]
    [InlineData(KeyKind.EcP521)]
    [InlineData(KeyKind.Ed25519)]
    public void PKCS8_key_matches_its_certificate(KeyKind kind)
    {
        using var leaf = Leaf(new CertSpec { Key = kind, DnsNames = ["a.example.com"] });
        var secret = Parse(ChainPem(leaf), leaf.Key.Pkcs8Pem());

        Assert.True(secret.KeyMatchesLeaf);
        Assert.Empty(secret.Problems);
    }

    [Theory]
    [InlineData(KeyKind.Rsa2048)]
    [InlineData(KeyKind.EcP256)]
    [InlineData(KeyKind.EcP384)]
    [InlineData(KeyKind.EcP521)]
    [InlineData(KeyKind.Ed25519)]
    public void Another_key_of_the_same_kind_does_not_match(KeyKind kind)
    {
        using var leaf = Leaf(new CertSpec { Key = kind, DnsNames = ["a.example.com"] });
        using var otherKey = new TestKey(kind);
        var secret = Parse(ChainPem(leaf), otherKey.Pkcs8Pem());

        Assert.False(secret.KeyMatchesLeaf);
        Assert.Empty(secret.Problems);
    }

    [Fact]
    public void Key_of_another_algorithm_does_not_match()
    {
        using var leaf = Leaf(new CertSpec { Key = KeyKind.Rsa2048, DnsNames = ["a.example.com"] });
        using var ecKey = new TestKey(KeyKind.EcP256);
        Assert.False(Parse(ChainPem(leaf), ecKey.Pkcs8Pem()).KeyMatchesLeaf);
    }

    [Fact]
    public void Key_on_another_curve_does_not_match()
    {
        using var leaf = Leaf(new CertSpec { Key = KeyKind.EcP256, DnsNames = ["a.example.com"] });
        using var p384 = new TestKey(KeyKind.EcP384);
        Assert.False(Parse(ChainPem(leaf), p384.Pkcs8Pem()).KeyMatchesLeaf);
    }

    [Fact]
    public void PKCS1_RSA_key_matches_its_certificate()
    {
        using var leaf = Leaf(new CertSpec { Key = KeyKind.Rsa2048, DnsNames = ["a.example.com"] });
        var secret = Parse(ChainPem(leaf), leaf.Key.Pkcs1Pem());

        Assert.True(secret.KeyMatchesLeaf);
        Assert.Equal(KeyAlgorithm.RSA, secret.KeyAlgorithm);
    }

    [Fact]
    public void PKCS1_RSA_key_of_another_certificate_does_not_match()
    {
        using var leaf = Leaf(new CertSpec { Key = KeyKind.Rsa2048, DnsNames = ["a.example.com"] });
        using var other = new TestKey(KeyKind.Rsa2048);
        Assert.False(Parse(ChainPem(leaf), other.Pkcs1Pem()).KeyMatchesLeaf);
    }

    [Theory]
    [InlineData(KeyKind.EcP256)]
    [InlineData(KeyKind.EcP384)]
    [InlineData(KeyKind.EcP521)]
    public void SEC1_EC_key_matches_its_certificate(KeyKind kind)
    {
        using var leaf = Leaf(new CertSpec { Key = kind, DnsNames = ["a.example.com"] });
        var secret = Parse(ChainPem(leaf), leaf.Key.Sec1Pem());

        Assert.True(secret.KeyMatchesLeaf);
        Assert.Equal(KeyAlgorithm.ECDSA, secret.KeyAlgorithm);
    }

    [Fact]
    public void SEC1_key_after_an_EC_PARAMETERS_block_is_read()
    {
        using var leaf = Leaf("a.example.com");
        var key = "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n" + leaf.Key.Sec1Pem();
        Assert.True(Parse(ChainPem(leaf), key).KeyMatchesLeaf);
    }

    [Fact]
    public void SEC1_key_without_its_optional_public_key_still_matches()
    {
        using var leaf = Leaf("a.example.com");
        var parameters = leaf.Key.Ecdsa!.ExportParameters(true);
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteInteger(1);
            writer.WriteOctetString(parameters.D);
            using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true)))
            {
                writer.WriteObjectIdentifier(parameters.Curve.Oid.Value!);
            }
        }

        var secret = Parse(ChainPem(leaf), PemEncoding.WriteString("EC PRIVATE KEY", writer.Encode()));
        Assert.True(secret.KeyMatchesLeaf);
    }

    [Fact]
    public void DER_PKCS8_key_is_read()
    {
        using var leaf = Leaf("a.example.com");
        var secret = TlsSecretParser.Parse(TestPki.Bytes(ChainPem(leaf)), leaf.Key.Pkcs8Der());
        Assert.True(secret.KeyMatchesLeaf);
    }

    [Fact]
    public void DER_PKCS1_key_is_read()
    {
        using var leaf = Leaf(new CertSpec { Key = KeyKind.Rsa2048, DnsNames = ["a.example.com"] });
        var secret = TlsSecretParser.Parse(TestPki.Bytes(ChainPem(leaf)), leaf.Key.Rsa!.ExportRSAPrivateKey());
        Assert.True(secret.KeyMatchesLeaf);
    }

    [Fact]
    public void Key_with_CRLF_and_surrounding_text_is_read()
    {
        using var leaf = Leaf(new CertSpec { Key = KeyKind.Rsa2048, DnsNames = ["a.example.com"] });
        var key = ("Bag Attributes\n    localKeyID: 01\nKey Attributes: <No Attributes>\n" + leaf.Key.Pkcs1Pem() + "\n").ReplaceLineEndings("\r\n");
        Assert.True(Parse(ChainPem(leaf), key).KeyMatchesLeaf);
    }

    // ---- tls.key: what makes a secret invalid ----

    [Fact]
    public void Missing_tls_key_is_invalid()
    {
        using var leaf = Leaf("a.example.com");
        var secret = Parse(ChainPem(leaf), key: null);

        Assert.Null(secret.KeyMatchesLeaf);
        Assert.Contains(secret.Problems, p => p.Id == FindingIds.MissingKey && p.Status == CertificateStatus.InvalidSecret);
    }

    [Fact]
    public void Empty_tls_key_is_invalid()
    {
        using var leaf = Leaf("a.example.com");
        Assert.Contains(FindingIds.MissingKey, Parse(ChainPem(leaf), "").Ids());
    }

    [Fact]
    public void Encrypted_PKCS8_key_is_invalid()
    {
        using var leaf = Leaf("a.example.com");
        var secret = Parse(ChainPem(leaf), leaf.Key.EncryptedPkcs8Pem());

        var problem = Assert.Single(secret.Problems);
        Assert.Equal(FindingIds.EncryptedKey, problem.Id);
        Assert.Equal(CertificateStatus.InvalidSecret, problem.Status);
        Assert.Null(secret.KeyMatchesLeaf);
    }

    [Fact]
    public void Key_with_a_Proc_Type_ENCRYPTED_header_is_invalid()
    {
        using var leaf = Leaf(new CertSpec { Key = KeyKind.Rsa2048, DnsNames = ["a.example.com"] });
        var body = Convert.ToBase64String(RandomNumberGenerator.GetBytes(600), Base64FormattingOptions.InsertLineBreaks);
        // The label is assembled so that secret scanners reading the tree do not take this template for a committed key.
        const string label = "RSA " + "PRIVATE KEY";
        var key = $"-----BEGIN {label}-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,3F17F5316E2BAC89D6F2A5A4CDB1D1A4\n\n{body}\n-----END {label}-----\n";

        Assert.Equal(FindingIds.EncryptedKey, Assert.Single(Parse(ChainPem(leaf), key).Problems).Id);
    }

    [Fact]
    public void Key_in_an_unsupported_format_is_invalid()
    {
        using var leaf = Leaf("a.example.com");
        var key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n";
        Assert.Equal(FindingIds.UnsupportedKey, Assert.Single(Parse(ChainPem(leaf), key).Problems).Id);
    }

    [Fact]
    public void Corrupted_key_is_invalid()
    {
        using var leaf = Leaf("a.example.com");
        var key = PemEncoding.WriteString("PRIVATE KEY", [0x30, 0x05, 0x02, 0x01, 0x00, 0x30, 0x00]);
        Assert.Equal(FindingIds.UndecodableKey, Assert.Single(Parse(ChainPem(leaf), key).Problems).Id);
    }

    [Fact]
    public void Key_file_holding_only_a_certificate_is_invalid()
    {
        using var leaf = Leaf("a.example.com");
        var problem = Assert.Single(Parse(ChainPem(leaf), leaf.Pem).Problems);
        Assert.Equal(FindingIds.UndecodableKey, problem.Id);
        Assert.Contains("CERTIFICATE", problem.Message);
    }

    [Fact]
    public void Binary_key_that_is_no_known_structure_is_invalid()
    {
        using var leaf = Leaf("a.example.com");
        var secret = TlsSecretParser.Parse(TestPki.Bytes(ChainPem(leaf)), [0x30, 0x03, 0x02, 0x01, 0x05]);
        Assert.Equal(FindingIds.UndecodableKey, Assert.Single(secret.Problems).Id);
    }

    [Fact]
    public void Key_that_is_neither_PEM_nor_DER_is_invalid()
    {
        using var leaf = Leaf("a.example.com");
        Assert.Equal(FindingIds.UndecodableKey, Assert.Single(Parse(ChainPem(leaf), "garbage").Problems).Id);
    }

    [Fact]
    public void Truncated_certificates_and_keys_are_findings_not_exceptions()
    {
        using var leaf = Leaf(new CertSpec { Key = KeyKind.Rsa2048, DnsNames = ["a.example.com"] });
        var certificate = leaf.Certificate.RawData;
        var key = leaf.Key.Pkcs8Der();
        for (var length = 1; length < certificate.Length; length += 37)
        {
            var secret = TlsSecretParser.Parse(certificate[..length], key[..Math.Min(length, key.Length - 1)]);
            Assert.Contains(secret.Problems, p => p.Status == CertificateStatus.InvalidSecret);

            var pemSecret = Parse(PemEncoding.WriteString("CERTIFICATE", certificate[..length]), PemEncoding.WriteString("PRIVATE KEY", key[..Math.Min(length, key.Length - 1)]));
            Assert.Contains(pemSecret.Problems, p => p.Status == CertificateStatus.InvalidSecret);
        }
    }

    // ---- ca.crt ----

    [Fact]
    public void Unreadable_ca_crt_is_only_a_note()
    {
        using var leaf = Leaf("a.example.com");
        var secret = Parse(ChainPem(leaf), leaf.Key.Pkcs8Pem(), ca: "junk");

        var note = Assert.Single(secret.Problems);
        Assert.Equal(FindingIds.UnreadableCaCertificate, note.Id);
        Assert.True(note.IsNote);
    }

    // ---- key material stays out of results ----

    [Theory]
    [InlineData(KeyKind.Rsa2048)]
    [InlineData(KeyKind.EcP384)]
    [InlineData(KeyKind.Ed25519)]
    public void Parsed_secret_holds_no_private_key_bytes(KeyKind kind)
    {
        using var leaf = Leaf(new CertSpec { Key = kind, DnsNames = ["a.example.com"] });
        var secret = Parse(ChainPem(leaf), leaf.Key.Pkcs8Pem());

        Assert.True(secret.KeyMatchesLeaf);
        KeyMaterialProbe.AssertNotReachable(secret, KeyMaterialProbe.SecretOf(leaf.Key));
    }

    [Fact]
    public void Messages_about_a_broken_key_do_not_quote_it()
    {
        using var leaf = Leaf(new CertSpec { Key = KeyKind.Rsa2048, DnsNames = ["a.example.com"] });
        var pem = leaf.Key.Pkcs1Pem();
        var broken = pem.Replace("-----END RSA PRIVATE KEY-----", "-----END PRIVATE KEY-----");
        var lines = pem.Split('\n').Where(l => l.Length > 20 && !l.StartsWith('-')).ToArray();

        var secret = Parse(ChainPem(leaf), broken);

        var problem = Assert.Single(secret.Problems);
        Assert.All(lines, line => Assert.DoesNotContain(line, problem.Message));
        Assert.All(lines, line => Assert.DoesNotContain(line, secret.ToString()));
    }

    [Fact]
    public void Caller_buffers_are_left_as_they_were()
    {
        using var leaf = Leaf("a.example.com");
        var key = Encoding.ASCII.GetBytes(leaf.Key.Pkcs8Pem());
        var copy = key.ToArray();

        TlsSecretParser.Parse(TestPki.Bytes(ChainPem(leaf)), key);

        Assert.Equal(copy, key);
    }
}
