using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IngressCerts.Engine.Certificates;
using static IngressCerts.Engine.Tests.Certificates.SharedPki;

namespace IngressCerts.Engine.Tests.Certificates;

/// <summary>
/// The chain verifier's shortcut for leaves of an issuer it has built a chain for: it must give exactly what a full
/// X509Chain build gives (checked against a fresh verifier per leaf), and build no more chains than it must.
/// </summary>
public sealed class ChainVerifierTests
{
    [Fact]
    public void Leaves_of_one_issuer_cost_one_chain_build_and_get_the_full_answer()
    {
        var verifier = new ChainVerifier([Root.Certificate], TestPki.Now);
        var kinds = new[] { KeyKind.EcP256, KeyKind.Rsa2048, KeyKind.EcP384 };
        for (var i = 0; i < 9; i++)
        {
            using var leaf = Leaf(new CertSpec { CommonName = $"app-{i}.example.com", DnsNames = [$"app-{i}.example.com"], Key = kinds[i % 3], Hash = i % 2 == 0 ? HashAlgorithmName.SHA256 : HashAlgorithmName.SHA384 });
            AssertSameAsFullBuild(verifier, ChainPem(leaf), [Root.Certificate]);
        }

        Assert.Equal(1, verifier.FullBuilds);
    }

    [Fact]
    public void Leaves_whose_intermediate_is_missing_share_the_build_and_each_is_named()
    {
        var verifier = new ChainVerifier([Root.Certificate], TestPki.Now);
        var buildsForTheFirst = 0;
        for (var i = 0; i < 5; i++)
        {
            using var leaf = Leaf($"lonely-{i}.example.com");
            var findings = AssertSameAsFullBuild(verifier, leaf.Pem, [Root.Certificate]);
            buildsForTheFirst = i == 0 ? verifier.FullBuilds : buildsForTheFirst;

            var missing = Assert.Single(findings);
            Assert.Equal(FindingIds.MissingIssuer, missing.Id);
            Assert.Contains($"'lonely-{i}.example.com'", missing.Message);
        }

        // The first leaf is tried against the system's roots and the extra ones: two builds, then none.
        Assert.Equal(2, buildsForTheFirst);
        Assert.Equal(buildsForTheFirst, verifier.FullBuilds);
    }

    [Fact]
    public void Leaves_under_an_untrusted_root_each_get_UntrustedRoot()
    {
        var verifier = new ChainVerifier([], TestPki.Now);
        for (var i = 0; i < 4; i++)
        {
            using var leaf = Leaf($"private-{i}.example.com");
            var findings = AssertSameAsFullBuild(verifier, TestPki.Pem(leaf, Intermediate, Root), []);
            var untrusted = Assert.Single(findings);
            Assert.Equal(FindingIds.UntrustedRoot, untrusted.Id);
            Assert.Equal(CertificateStatus.UntrustedRoot, untrusted.Status);
        }

        Assert.Equal(1, verifier.FullBuilds);

        // From the third leaf on, the path's findings are handed out as they are; a forged leaf still gets its own.
        using var forged = Leaf("forged.example.com");
        using var broken = TestPki.WithBrokenSignature(forged.Certificate);
        var forgedFindings = AssertSameAsFullBuild(verifier, TestPki.Pem(broken, Intermediate.Certificate, Root.Certificate), []);
        Assert.Contains(forgedFindings, f => f.Id == FindingIds.BadSignature);
    }

    [Fact]
    public void Leaves_below_an_issuer_that_is_no_CA_each_get_an_invalid_chain_naming_them()
    {
        // The path is shared, but its finding names the leaf: it must not be handed on to the next leaf as it is.
        using var notCa = TestPki.Issue(new CertSpec { CommonName = "Not A CA", NotBefore = TestPki.Now.AddYears(-1), NotAfter = TestPki.Now.AddYears(2) }, Root);
        var verifier = new ChainVerifier([Root.Certificate], TestPki.Now);
        for (var i = 0; i < 4; i++)
        {
            using var leaf = TestPki.Leaf(notCa, $"below-{i}.example.com");
            var findings = AssertSameAsFullBuild(verifier, TestPki.Pem(leaf, notCa), [Root.Certificate]);
            Assert.Contains(findings, f => f.Id == FindingIds.InvalidChain && f.Message.Contains($"'below-{i}.example.com'", StringComparison.Ordinal));
        }

        Assert.True(verifier.FullBuilds < 4, $"the shortcut was not taken ({verifier.FullBuilds} full builds)");
    }

    [Fact]
    public void A_forged_leaf_below_an_RSA_issuer_gets_a_full_build_that_says_so()
    {
        using var root = TestPki.Root("RSA Root", KeyKind.Rsa2048);
        using var intermediate = TestPki.Intermediate(root, "RSA Issuing CA", KeyKind.Rsa2048);
        var verifier = new ChainVerifier([root.Certificate], TestPki.Now);
        for (var i = 0; i < 3; i++)
        {
            using var good = TestPki.Leaf(intermediate, $"rsa-{i}.example.com");
            Assert.Empty(AssertSameAsFullBuild(verifier, TestPki.Pem(good, intermediate), [root.Certificate]));
        }

        Assert.Equal(1, verifier.FullBuilds);
        using var leaf = TestPki.Leaf(intermediate, "forged.example.com");
        using var broken = TestPki.WithBrokenSignature(leaf.Certificate);
        var findings = AssertSameAsFullBuild(verifier, TestPki.Pem(broken, intermediate.Certificate), [root.Certificate]);
        Assert.Contains(findings, f => f.Id == FindingIds.BadSignature);
    }

    [Theory]
    [InlineData(900)]
    [InlineData(3000)]
    public void Issuers_with_long_names_are_shared_like_any_other(int nameLength)
    {
        // The issuer path's key is hashed from a stack buffer of 1 KB, or a pooled one for longer names.
        using var intermediate = TestPki.Intermediate(Root, new string('x', nameLength));
        var verifier = new ChainVerifier([Root.Certificate], TestPki.Now);
        for (var i = 0; i < 3; i++)
        {
            using var leaf = TestPki.Leaf(intermediate, $"long-{i}.example.com");
            Assert.Empty(AssertSameAsFullBuild(verifier, TestPki.Pem(leaf, intermediate), [Root.Certificate]));
        }

        Assert.Equal(1, verifier.FullBuilds);
    }

    [Fact]
    public void Bundles_listing_the_same_other_certificates_in_another_order_share_one_build()
    {
        // X509Chain does not care in which order the bundle lists what is not on the leaf's chain, so the issuer path's
        // key must not either.
        using var strayA = TestPki.Root("Stray Root A");
        using var strayB = TestPki.Root("Stray Root B");
        var verifier = new ChainVerifier([Root.Certificate], TestPki.Now);
        for (var i = 0; i < 4; i++)
        {
            using var leaf = Leaf($"order-{i}.example.com");
            var crt = i % 2 == 0 ? TestPki.Pem(leaf, Intermediate, strayA, strayB) : TestPki.Pem(leaf, Intermediate, strayB, strayA);
            AssertSameAsFullBuild(verifier, crt, [Root.Certificate]);
        }

        Assert.Equal(1, verifier.FullBuilds);
    }

    [Fact]
    public void A_leaf_whose_signature_fails_gets_a_full_build_that_says_so()
    {
        var verifier = new ChainVerifier([Root.Certificate], TestPki.Now);
        using var good = Leaf("good.example.com");
        AssertSameAsFullBuild(verifier, ChainPem(good), [Root.Certificate]);
        using var leaf = Leaf("forged.example.com");
        using var broken = TestPki.WithBrokenSignature(leaf.Certificate);

        var findings = AssertSameAsFullBuild(verifier, TestPki.Pem(broken, Intermediate.Certificate), [Root.Certificate]);

        Assert.Contains("'forged.example.com'", Assert.Single(findings, f => f.Id == FindingIds.BadSignature).Message);
        Assert.Equal(2, verifier.FullBuilds);
    }

    [Fact]
    public void Leaves_below_a_name_constrained_intermediate_are_each_built_in_full()
    {
        using var intermediateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Constrained CA", intermediateKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Root.Certificate, true, false));
        request.CertificateExtensions.Add(PermittedDnsSubtree("inside.test"));
        using var rootWithKey = Root.WithPrivateKey();
        using var constrainedPublic = request.Create(rootWithKey, TestPki.Now.AddYears(-1), TestPki.Now.AddYears(2), [7, 7, 7]);
        using var constrained = constrainedPublic.CopyWithPrivateKey(intermediateKey);

        var verifier = new ChainVerifier([Root.Certificate], TestPki.Now);
        var outcomes = new List<bool>();
        foreach (var name in new[] { "a.inside.test", "b.outside.test", "c.inside.test" })
        {
            using var leaf = IssueWith(intermediateKey, constrained, name);
            var findings = AssertSameAsFullBuild(verifier, TestPki.Pem(leaf.Certificate, constrainedPublic), [Root.Certificate]);
            outcomes.Add(findings.Count == 0);
        }

        Assert.Equal([true, false, true], outcomes);
        Assert.Equal(3, verifier.FullBuilds);
    }

    [Fact]
    public void Leaves_signed_with_Ed25519_are_built_in_full()
    {
        using var root = TestPki.Root("Ed Root", KeyKind.Ed25519);
        using var intermediate = TestPki.Intermediate(root, "Ed Intermediate", KeyKind.Ed25519);
        var verifier = new ChainVerifier([root.Certificate], TestPki.Now);
        for (var i = 0; i < 3; i++)
        {
            using var leaf = TestPki.Leaf(intermediate, $"ed-{i}.example.com");
            AssertSameAsFullBuild(verifier, TestPki.Pem(leaf, intermediate), [root.Certificate]);
        }

        Assert.Equal(3, verifier.FullBuilds);
    }

    [Fact]
    public void A_leaf_that_is_a_CA_is_built_in_full()
    {
        var verifier = new ChainVerifier([Root.Certificate], TestPki.Now);
        for (var i = 0; i < 2; i++)
        {
            using var leaf = Leaf(new CertSpec { CommonName = $"ca-{i}.example.com", DnsNames = [$"ca-{i}.example.com"], IsCa = true });
            AssertSameAsFullBuild(verifier, ChainPem(leaf), [Root.Certificate]);
        }

        Assert.Equal(2, verifier.FullBuilds);
    }

    [Fact]
    public void A_known_root_changes_the_answer_for_the_same_bundle_and_is_cached_apart()
    {
        using var root = TestPki.Root("Private Root CA");
        var verifier = new ChainVerifier([], TestPki.Now);
        var knownRoot = Parse(root.Pem, key: null).Ordered!.Leaf;
        for (var i = 0; i < 3; i++)
        {
            using var leaf = TestPki.Leaf(root, $"direct-{i}.example.com");
            var ordered = Parse(leaf.Pem, key: null).Ordered!;

            Assert.Equal(FindingIds.UntrustedRoot, Assert.Single(verifier.Verify(ordered, [knownRoot])).Id);
            Assert.Equal(FindingIds.MissingIssuer, Assert.Single(verifier.Verify(ordered)).Id);
            Assert.Equal(FindingIds.UntrustedRoot, Assert.Single(verifier.Verify(ordered, [knownRoot])).Id);
        }
    }

    [Fact]
    public void A_leaf_shared_between_scans_gets_each_verifiers_own_answer()
    {
        using var leaf = Leaf("shared.example.com");
        var ordered = Parse(ChainPem(leaf), key: null).Ordered!;
        var trusting = new ChainVerifier([Root.Certificate], TestPki.Now);
        var plain = new ChainVerifier([], TestPki.Now);

        Assert.Empty(trusting.Verify(ordered));
        Assert.Empty(trusting.Verify(ordered)); // the leaf's remembered answer
        Assert.Equal(FindingIds.UntrustedRoot, Assert.Single(plain.Verify(ordered)).Id);
        Assert.Empty(trusting.Verify(ordered with { Unrelated = [] }));
        Assert.Equal(1, trusting.FullBuilds);
    }

    /// <summary>Verifies with <paramref name="verifier"/> and with a fresh one (a full build); both must say the same.</summary>
    private static IReadOnlyList<CertificateFinding> AssertSameAsFullBuild(ChainVerifier verifier, string crt, X509Certificate2[] extraRoots)
    {
        var ordered = Parse(crt, key: null).Ordered!;
        var findings = verifier.Verify(ordered);
        var reference = new ChainVerifier(extraRoots, TestPki.Now).Verify(Parse(crt, key: null).Ordered!);

        Assert.Equal(reference.Select(f => (f.Id, f.Status, f.Message)), findings.Select(f => (f.Id, f.Status, f.Message)));
        return findings;
    }

    private static TestCert IssueWith(ECDsa issuerKey, X509Certificate2 issuer, string dnsName)
    {
        var key = new TestKey(KeyKind.EcP256);
        var request = new CertificateRequest($"CN={dnsName}", key.Ecdsa!, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(dnsName);
        request.CertificateExtensions.Add(san.Build());
        var certificate = request.Create(issuer.SubjectName, X509SignatureGenerator.CreateForECDsa(issuerKey), TestPki.Now.AddDays(-1), TestPki.Now.AddDays(30), [1, 2, 3, 4]);
        return new TestCert(certificate, key);
    }

    /// <summary>NameConstraints ::= SEQUENCE { permittedSubtrees [0] SEQUENCE OF GeneralSubtree { dNSName [2] } }, critical.</summary>
    private static X509Extension PermittedDnsSubtree(string dnsName)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true)))
            {
                using (writer.PushSequence())
                {
                    writer.WriteCharacterString(UniversalTagNumber.IA5String, dnsName, new Asn1Tag(TagClass.ContextSpecific, 2));
                }
            }
        }

        return new X509Extension("2.5.29.30", writer.Encode(), critical: true);
    }
}
