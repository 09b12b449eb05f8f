using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IngressCerts.Engine.Certificates;
using static IngressCerts.Engine.Tests.Certificates.SharedPki;

namespace IngressCerts.Engine.Tests.Certificates;

public class CertificateEvaluatorTests
{
    private static readonly string[] Host = ["a.example.com"];

    // ---- Valid ----

    [Fact]
    public void Complete_chain_to_a_trusted_root_covering_its_hosts_is_Valid()
    {
        using var leaf = Leaf("a.example.com", "b.example.com");
        var evaluation = Evaluate(leaf, ["a.example.com", "b.example.com"]);

        Assert.Equal(CertificateStatus.Valid, evaluation.Status);
        Assert.Empty(evaluation.Issues);
    }

    [Theory]
    [InlineData(KeyKind.Rsa2048)]
    [InlineData(KeyKind.EcP384)]
    [InlineData(KeyKind.EcP521)]
    [InlineData(KeyKind.Ed25519)]
    public void Valid_secret_of_every_key_algorithm_is_Valid(KeyKind kind)
    {
        using var leaf = Leaf(new CertSpec { Key = kind, DnsNames = Host });
        Assert.Equal(CertificateStatus.Valid, Evaluate(leaf, Host).Status);
    }

    [Fact]
    public void Chain_signed_with_Ed25519_is_Valid()
    {
        using var root = TestPki.Root("Ed25519 Root", KeyKind.Ed25519);
        using var intermediate = TestPki.Intermediate(root, "Ed25519 Intermediate", KeyKind.Ed25519);
        using var leaf = TestPki.Leaf(intermediate, "a.example.com");
        var evaluation = new CertificateEvaluator(TestPki.Now, 30, [root.Certificate]).Evaluate(Parse(TestPki.Pem(leaf, intermediate), leaf.Key.Pkcs8Pem()), Host);

        Assert.Equal(CertificateStatus.Valid, evaluation.Status);
        Assert.Empty(evaluation.Findings);
    }

    [Fact]
    public void Entry_without_hosts_checks_everything_but_host_coverage()
    {
        using var leaf = Leaf("a.example.com");
        Assert.Equal(CertificateStatus.Valid, Evaluate(leaf, []).Status);
    }

    [Fact]
    public void Secret_data_map_can_be_evaluated_directly()
    {
        using var leaf = Leaf("a.example.com");
        var data = new Dictionary<string, byte[]>
        {
            ["tls.crt"] = TestPki.Bytes(ChainPem(leaf)),
            ["tls.key"] = TestPki.Bytes(leaf.Key.Pkcs8Pem()),
        };

        var evaluation = new CertificateEvaluator(TestPki.Now, 30, [Root.Certificate]).Evaluate(data, Host);

        Assert.Equal(CertificateStatus.Valid, evaluation.Status);
    }

    // ---- InvalidSecret ----

    [Fact]
    public void Missing_key_is_InvalidSecret_and_the_certificate_is_still_described()
    {
        using var leaf = Leaf("a.example.com");
        var evaluation = Evaluate(ChainPem(leaf), key: null, Host);

        Assert.Equal(CertificateStatus.InvalidSecret, evaluation.Status);
        Assert.Contains(FindingIds.MissingKey, evaluation.Ids());
        Assert.Equal("CN=a.example.com", evaluation.Facts!.Subject);
    }

    [Fact]
    public void Missing_certificate_is_InvalidSecret_without_facts()
    {
        using var leaf = Leaf("a.example.com");
        var evaluation = Evaluate(crt: null, leaf.Key.Pkcs8Pem(), Host);

        Assert.Equal(CertificateStatus.InvalidSecret, evaluation.Status);
        Assert.Null(evaluation.Facts);
    }

    [Fact]
    public void Encrypted_key_is_InvalidSecret()
    {
        using var leaf = Leaf("a.example.com");
        var evaluation = Evaluate(ChainPem(leaf), leaf.Key.EncryptedPkcs8Pem(), Host);

        Assert.Equal(CertificateStatus.InvalidSecret, evaluation.Status);
        Assert.Contains("encrypted", Assert.Single(evaluation.Issues));
    }

    // ---- KeyMismatch ----

    [Fact]
    public void Key_of_another_certificate_is_KeyMismatch()
    {
        using var leaf = Leaf("a.example.com");
        using var other = new TestKey(KeyKind.EcP256);
        var evaluation = Evaluate(ChainPem(leaf), other.Pkcs8Pem(), Host);

        Assert.Equal(CertificateStatus.KeyMismatch, evaluation.Status);
        Assert.Contains("a.example.com", Assert.Single(evaluation.Issues));
    }

    [Fact]
    public void Key_mismatch_names_both_key_types_when_they_differ()
    {
        using var leaf = Leaf(new CertSpec { Key = KeyKind.Rsa2048, DnsNames = Host });
        using var other = new TestKey(KeyKind.EcP384);
        var issue = Assert.Single(Evaluate(ChainPem(leaf), other.Pkcs8Pem(), Host).Issues);

        Assert.Contains("ECDSA P-384", issue);
        Assert.Contains("RSA 2048", issue);
    }

    [Fact]
    public void Key_of_the_intermediate_is_a_mismatch_that_says_so()
    {
        using var root = TestPki.Root();
        using var intermediate = TestPki.Intermediate(root);
        using var leaf = TestPki.Leaf(intermediate, "a.example.com");
        var evaluation = new CertificateEvaluator(TestPki.Now, 30, [root.Certificate])
            .Evaluate(Parse(TestPki.Pem(leaf, intermediate), intermediate.Key.Pkcs8Pem()), Host);

        Assert.Equal(CertificateStatus.KeyMismatch, evaluation.Status);
        Assert.Contains("Test Intermediate CA", Assert.Single(evaluation.Issues));
    }

    // ---- Expired, NotYetValid, Expiring ----

    [Fact]
    public void Certificate_past_its_end_is_Expired()
    {
        using var leaf = Leaf("a.example.com");
        var evaluation = Evaluate(leaf, Host, asOf: leaf.Certificate.NotAfter.AddDays(3));

        Assert.Equal(CertificateStatus.Expired, evaluation.Status);
        Assert.Contains("a.example.com", Assert.Single(evaluation.Issues));
        Assert.True(evaluation.Facts!.DaysRemaining < 0);
    }

    [Fact]
    public void Certificate_before_its_start_is_NotYetValid()
    {
        using var leaf = Leaf("a.example.com");
        var evaluation = Evaluate(leaf, Host, asOf: leaf.Certificate.NotBefore.AddDays(-1));

        Assert.Equal(CertificateStatus.NotYetValid, evaluation.Status);
        Assert.Equal(FindingIds.NotYetValid, Assert.Single(evaluation.Findings).Id);
    }

    [Fact]
    public void Certificate_ending_within_the_warning_window_is_Expiring()
    {
        using var leaf = Leaf("a.example.com");
        var evaluation = Evaluate(leaf, Host, asOf: leaf.Certificate.NotAfter.AddDays(-10));

        Assert.Equal(CertificateStatus.Expiring, evaluation.Status);
        Assert.Contains("in 10 days", Assert.Single(evaluation.Issues));
    }

    [Fact]
    public void Certificate_ending_after_the_warning_window_is_not_Expiring()
    {
        using var leaf = Leaf("a.example.com");
        Assert.Equal(CertificateStatus.Valid, Evaluate(leaf, Host, asOf: leaf.Certificate.NotAfter.AddDays(-31)).Status);
    }

    [Fact]
    public void Warning_window_is_configurable()
    {
        using var leaf = Leaf("a.example.com");
        var asOf = leaf.Certificate.NotAfter.AddDays(-45);

        Assert.Equal(CertificateStatus.Valid, Evaluate(leaf, Host, asOf).Status);
        Assert.Equal(CertificateStatus.Expiring, Evaluate(leaf, Host, asOf, expiringWithinDays: 60).Status);
    }

    [Fact]
    public void Same_secret_is_judged_at_the_time_given()
    {
        using var leaf = Leaf("a.example.com");
        Assert.Equal(CertificateStatus.NotYetValid, Evaluate(leaf, Host, TestPki.Now.AddDays(-30)).Status);
        Assert.Equal(CertificateStatus.Valid, Evaluate(leaf, Host, TestPki.Now).Status);
        Assert.Equal(CertificateStatus.Expiring, Evaluate(leaf, Host, TestPki.Now.AddDays(70)).Status);
        Assert.Equal(CertificateStatus.Expired, Evaluate(leaf, Host, TestPki.Now.AddDays(90)).Status);
    }

    [Fact]
    public void Expired_intermediate_makes_the_secret_Expired()
    {
        // A leaf cannot outlive the certificate that issued it, but it can outlive another
        // certificate of its issuer (same name, same key) that expired: bundle that one.
        using var root = TestPki.Root();
        using var intermediate = TestPki.Intermediate(root);
        using var expiredTwin = TestPki.Intermediate(root, spec: new CertSpec
        {
            ExistingKey = intermediate.Key,
            NotBefore = TestPki.Now.AddYears(-2),
            NotAfter = TestPki.Now.AddDays(-1),
        });
        using var leaf = TestPki.Leaf(intermediate, "a.example.com");
        var evaluation = new CertificateEvaluator(TestPki.Now, 30, [root.Certificate]).Evaluate(Parse(TestPki.Pem(leaf, expiredTwin), leaf.Key.Pkcs8Pem()), Host);

        Assert.Equal(CertificateStatus.Expired, evaluation.Status);
        Assert.Contains("intermediate certificate 'Test Intermediate CA'", Assert.Single(evaluation.Issues));
    }

    // ---- HostMismatch ----

    [Fact]
    public void Host_not_in_the_SANs_is_HostMismatch_naming_the_host()
    {
        using var leaf = Leaf("a.example.com");
        var evaluation = Evaluate(leaf, ["a.example.com", "shop.example.com"]);

        Assert.Equal(CertificateStatus.HostMismatch, evaluation.Status);
        Assert.Contains("'shop.example.com'", Assert.Single(evaluation.Issues));
    }

    [Fact]
    public void Every_uncovered_host_is_reported()
    {
        using var leaf = Leaf("a.example.com");
        var evaluation = Evaluate(leaf, ["x.example.com", "y.example.com"]);

        Assert.Equal(2, evaluation.Findings.Count(f => f.Id == FindingIds.HostMismatch));
    }

    [Fact]
    public void Certificate_without_SAN_is_HostMismatch_even_when_its_CN_matches()
    {
        using var leaf = Leaf(new CertSpec { CommonName = "a.example.com" });
        var evaluation = Evaluate(leaf, Host);

        Assert.Equal(CertificateStatus.HostMismatch, evaluation.Status);
        Assert.Contains("no subject alternative names", Assert.Single(evaluation.Issues));
    }

    [Fact]
    public void Unicode_host_is_covered_by_its_IDN_SAN()
    {
        using var leaf = Leaf(new CertSpec { DnsNames = ["bücher.example"] });
        Assert.Equal(CertificateStatus.Valid, Evaluate(leaf, ["bücher.example"]).Status);
    }

    [Fact]
    public void IP_host_is_covered_by_its_IP_SAN()
    {
        using var leaf = Leaf(new CertSpec { DnsNames = Host, IpAddresses = ["192.0.2.7", "2001:db8::7"] });
        Assert.Equal(CertificateStatus.Valid, Evaluate(leaf, ["192.0.2.7", "2001:db8::7"]).Status);
    }

    [Fact]
    public void Wildcard_SAN_covers_one_level_only()
    {
        using var leaf = Leaf("*.example.com");
        var evaluation = Evaluate(leaf, ["a.example.com", "a.b.example.com", "example.com"]);

        Assert.Equal(CertificateStatus.HostMismatch, evaluation.Status);
        Assert.Equal(2, evaluation.Findings.Count(f => f.Id == FindingIds.HostMismatch));
    }

    // ---- IncompleteChain ----

    [Fact]
    public void Leaf_without_its_intermediate_is_IncompleteChain()
    {
        using var leaf = Leaf("a.example.com");
        var evaluation = Evaluate(leaf.Pem, leaf.Key.Pkcs8Pem(), Host);

        Assert.Equal(CertificateStatus.IncompleteChain, evaluation.Status);
        var finding = Assert.Single(evaluation.Findings);
        Assert.Equal(FindingIds.MissingIssuer, finding.Id);
        Assert.Contains("Test Intermediate CA", finding.Message);
    }

    [Fact]
    public void Intermediate_before_the_leaf_is_IncompleteChain()
    {
        using var leaf = Leaf("a.example.com");
        var evaluation = Evaluate(TestPki.Pem(Intermediate, leaf), leaf.Key.Pkcs8Pem(), Host);

        Assert.Equal(CertificateStatus.IncompleteChain, evaluation.Status);
        Assert.Equal(FindingIds.ChainOutOfOrder, Assert.Single(evaluation.Findings).Id);
    }

    [Fact]
    public void Broken_signature_on_the_leaf_is_IncompleteChain()
    {
        using var leaf = Leaf("a.example.com");
        using var broken = TestPki.WithBrokenSignature(leaf.Certificate);
        var evaluation = Evaluate(TestPki.Pem(broken, Intermediate.Certificate), leaf.Key.Pkcs8Pem(), Host);

        Assert.Equal(CertificateStatus.IncompleteChain, evaluation.Status);
        var finding = Assert.Single(evaluation.Findings);
        Assert.Equal(FindingIds.BadSignature, finding.Id);
        Assert.Contains("'a.example.com'", finding.Message);
    }

    [Fact]
    public void Broken_signature_on_the_intermediate_is_IncompleteChain()
    {
        using var leaf = Leaf("a.example.com");
        using var broken = TestPki.WithBrokenSignature(Intermediate.Certificate);
        var evaluation = Evaluate(TestPki.Pem(leaf.Certificate, broken), leaf.Key.Pkcs8Pem(), Host);

        Assert.Equal(CertificateStatus.IncompleteChain, evaluation.Status);
        Assert.Contains("'Test Intermediate CA'", Assert.Single(evaluation.Findings, f => f.Id == FindingIds.BadSignature).Message);
    }

    [Fact]
    public void Intermediate_signed_by_an_impostor_with_the_same_name_is_IncompleteChain()
    {
        // Same issuer name, no key identifiers to tell them apart: only the signature shows it.
        using var root = TestPki.Root();
        using var realIntermediate = TestPki.Intermediate(root, spec: new CertSpec { NoKeyIdentifiers = true });
        using var impostor = TestPki.Intermediate(root, spec: new CertSpec { NoKeyIdentifiers = true });
        using var leaf = TestPki.Issue(new CertSpec { DnsNames = Host, NoKeyIdentifiers = true }, realIntermediate);
        var evaluation = new CertificateEvaluator(TestPki.Now, 30, [root.Certificate]).Evaluate(Parse(TestPki.Pem(leaf, impostor), leaf.Key.Pkcs8Pem()), Host);

        Assert.Equal(CertificateStatus.IncompleteChain, evaluation.Status);
        Assert.Contains(FindingIds.BadSignature, evaluation.Ids());
    }

    [Fact]
    public void Chain_to_an_extra_trusted_root_is_complete_without_the_root_in_the_bundle()
    {
        using var leaf = Leaf("a.example.com");
        var evaluator = new CertificateEvaluator(TestPki.Now, 30, [Root.Certificate]);
        Assert.Empty(evaluator.Evaluate(Parse(ChainPem(leaf), leaf.Key.Pkcs8Pem()), Host).Findings);
    }

    // ---- UntrustedRoot ----

    [Fact]
    public void Complete_chain_to_a_root_not_trusted_here_and_not_in_the_bundle_is_UntrustedRoot()
    {
        // A private CA's chain as it should be served: leaf and intermediate, the root left to the clients.
        using var leaf = Leaf("a.example.com");
        var evaluation = new CertificateEvaluator(TestPki.Now).Evaluate(Parse(ChainPem(leaf), leaf.Key.Pkcs8Pem()), Host);

        Assert.Equal(CertificateStatus.UntrustedRoot, evaluation.Status);
        var finding = Assert.Single(evaluation.Findings);
        Assert.Equal(FindingIds.UntrustedRoot, finding.Id);
        Assert.Contains("'Test Root CA'", finding.Message);
        Assert.Contains("-TrustedRootPath", finding.Message);
    }

    [Fact]
    public void Bundle_ending_in_a_root_not_trusted_here_is_UntrustedRoot()
    {
        using var leaf = Leaf("a.example.com");
        var evaluation = new CertificateEvaluator(TestPki.Now).Evaluate(Parse(TestPki.Pem(leaf, Intermediate, Root), leaf.Key.Pkcs8Pem()), Host);

        Assert.Equal(CertificateStatus.UntrustedRoot, evaluation.Status);
        var finding = Assert.Single(evaluation.Findings);
        Assert.Equal(FindingIds.UntrustedRoot, finding.Id);
        Assert.Contains("Test Root CA", finding.Message);
    }

    [Fact]
    public void Root_in_ca_crt_completes_the_chain_of_a_leaf_it_issued_but_is_not_trusted()
    {
        // The leaf's issuer is the root itself: tls.crt alone lacks it, ca.crt has it.
        using var root = TestPki.Root("Private Root CA");
        using var leaf = TestPki.Leaf(root, "a.example.com");
        var evaluator = new CertificateEvaluator(TestPki.Now);

        var withoutCa = evaluator.Evaluate(Parse(leaf.Pem, leaf.Key.Pkcs8Pem()), Host);
        var withCa = evaluator.Evaluate(Parse(leaf.Pem, leaf.Key.Pkcs8Pem(), ca: root.Pem), Host);

        Assert.Equal(CertificateStatus.IncompleteChain, withoutCa.Status);
        Assert.Equal(FindingIds.MissingIssuer, Assert.Single(withoutCa.Findings).Id);
        Assert.Equal(CertificateStatus.UntrustedRoot, withCa.Status);
        Assert.Contains("'Private Root CA'", Assert.Single(withCa.Findings).Message);
    }

    [Fact]
    public void Intermediate_in_ca_crt_does_not_complete_the_served_chain()
    {
        // ca.crt is not served: an intermediate found only there is still missing from what clients get.
        using var leaf = Leaf("a.example.com");
        var evaluation = new CertificateEvaluator(TestPki.Now).Evaluate(Parse(leaf.Pem, leaf.Key.Pkcs8Pem(), ca: Intermediate.Pem), Host);

        Assert.Equal(CertificateStatus.IncompleteChain, evaluation.Status);
        Assert.Equal(FindingIds.MissingIssuer, Assert.Single(evaluation.Findings).Id);
    }

    [Fact]
    public void Root_in_ca_crt_that_is_also_trusted_is_Valid()
    {
        using var leaf = Leaf("a.example.com");
        var evaluation = new CertificateEvaluator(TestPki.Now, 30, [Root.Certificate]).Evaluate(Parse(ChainPem(leaf), leaf.Key.Pkcs8Pem(), ca: Root.Pem), Host);

        Assert.Equal(CertificateStatus.Valid, evaluation.Status);
        Assert.Empty(evaluation.Findings);
    }

    [Fact]
    public void UntrustedRoot_ranks_below_IncompleteChain_and_above_Expiring()
    {
        using var leaf = Leaf(new CertSpec { DnsNames = Host, NotAfter = TestPki.Now.AddDays(9) });
        var untrusted = new CertificateEvaluator(TestPki.Now).Evaluate(Parse(ChainPem(leaf), leaf.Key.Pkcs8Pem()), Host);
        var incomplete = new CertificateEvaluator(TestPki.Now).Evaluate(Parse(TestPki.Pem(Intermediate, leaf), leaf.Key.Pkcs8Pem()), Host);

        Assert.Equal(CertificateStatus.UntrustedRoot, untrusted.Status);
        Assert.Equal([FindingIds.UntrustedRoot, FindingIds.Expiring], untrusted.Ids());
        Assert.Equal(CertificateStatus.IncompleteChain, incomplete.Status);
        Assert.Equal(FindingIds.ChainOutOfOrder, incomplete.Findings[0].Id);
    }

    [Fact]
    public void System_roots_still_count_when_extra_roots_are_given()
    {
        using var store = new X509Store(StoreName.Root, StoreLocation.LocalMachine);
        store.Open(OpenFlags.ReadOnly);
        var systemRoot = store.Certificates.First(c => c.NotAfter > DateTime.UtcNow.AddYears(1) && c.NotBefore < DateTime.UtcNow);
        var asOf = DateTimeOffset.UtcNow;

        var evaluation = new CertificateEvaluator(asOf, 30, [Root.Certificate])
            .Evaluate(TlsSecretParser.Parse(TestPki.Bytes(TestPki.Pem(systemRoot)), null), []);

        Assert.DoesNotContain(evaluation.Findings, f => f.Id is FindingIds.UntrustedRoot or FindingIds.SelfSignedLeaf or FindingIds.MissingIssuer);
    }

    // ---- Notes: reported, status unchanged ----

    [Fact]
    public void Self_signed_leaf_is_noted_without_changing_the_status()
    {
        using var leaf = TestPki.Issue(new CertSpec { DnsNames = Host }, issuer: null);
        var evaluation = new CertificateEvaluator(TestPki.Now).Evaluate(Parse(leaf.Pem, leaf.Key.Sec1Pem()), Host);

        Assert.Equal(CertificateStatus.Valid, evaluation.Status);
        Assert.Equal(FindingIds.SelfSignedLeaf, Assert.Single(evaluation.Findings).Id);
    }

    [Fact]
    public void Self_signed_leaf_trusted_as_an_extra_root_is_not_noted()
    {
        using var leaf = TestPki.Issue(new CertSpec { DnsNames = Host }, issuer: null);
        var evaluation = new CertificateEvaluator(TestPki.Now, 30, [leaf.Certificate]).Evaluate(Parse(leaf.Pem, leaf.Key.Sec1Pem()), Host);

        Assert.Empty(evaluation.Findings);
    }

    [Fact]
    public void RSA_key_under_2048_bits_is_noted_without_changing_the_status()
    {
        using var leaf = Leaf(new CertSpec { Key = KeyKind.Rsa1024, DnsNames = Host });
        var evaluation = Evaluate(leaf, Host);

        Assert.Equal(CertificateStatus.Valid, evaluation.Status);
        Assert.Contains("1024-bit", Assert.Single(evaluation.Findings, f => f.Id == FindingIds.WeakRsaKey).Message);
    }

    [Fact]
    public void SHA1_signature_in_the_chain_is_noted_without_changing_the_status()
    {
        using var root = TestPki.Root("RSA Root", KeyKind.Rsa2048);
        using var intermediate = TestPki.Intermediate(root, "SHA1 Intermediate", KeyKind.Rsa2048, new CertSpec { Hash = HashAlgorithmName.SHA1, NotBefore = TestPki.Now.AddYears(-1), NotAfter = TestPki.Now.AddYears(2) });
        using var leaf = TestPki.Leaf(intermediate, "a.example.com");
        var evaluation = new CertificateEvaluator(TestPki.Now, 30, [root.Certificate]).Evaluate(Parse(TestPki.Pem(leaf, intermediate), leaf.Key.Pkcs8Pem()), Host);

        Assert.Equal(CertificateStatus.Valid, evaluation.Status);
        var note = Assert.Single(evaluation.Findings);
        Assert.Equal(FindingIds.WeakSignatureAlgorithm, note.Id);
        Assert.Contains("'SHA1 Intermediate'", note.Message);
        Assert.Contains("sha1RSA", note.Message);
    }

    [Fact]
    public void SHA1_self_signature_of_a_root_is_not_noted()
    {
        using var root = TestPki.Root("SHA1 Root", KeyKind.Rsa2048, new CertSpec { Hash = HashAlgorithmName.SHA1 });
        using var leaf = TestPki.Leaf(root, "a.example.com");
        var evaluation = new CertificateEvaluator(TestPki.Now).Evaluate(Parse(TestPki.Pem(leaf, root), leaf.Key.Pkcs8Pem()), Host);

        Assert.DoesNotContain(FindingIds.WeakSignatureAlgorithm, evaluation.Ids());
    }

    // ---- Severity ----

    [Fact]
    public void Status_is_the_most_severe_finding_and_every_finding_is_listed()
    {
        using var leaf = Leaf("a.example.com");
        var evaluation = Evaluate(leaf.Pem, leaf.Key.Pkcs8Pem(), ["other.example.com"], asOf: leaf.Certificate.NotAfter.AddDays(1));

        Assert.Equal(CertificateStatus.Expired, evaluation.Status);
        Assert.Equal([FindingIds.Expired, FindingIds.HostMismatch, FindingIds.MissingIssuer], evaluation.Ids());
    }

    [Fact]
    public void A_certificate_expiring_in_9_days_with_an_incomplete_chain_has_both_findings_and_the_worse_status()
    {
        using var leaf = Leaf(new CertSpec { DnsNames = Host, NotAfter = TestPki.Now.AddDays(9) });
        var evaluation = Evaluate(leaf.Pem, leaf.Key.Pkcs8Pem(), Host);

        Assert.Equal(CertificateStatus.IncompleteChain, evaluation.Status);
        Assert.Equal([FindingIds.MissingIssuer, FindingIds.Expiring], evaluation.Ids());
    }

    [Fact]
    public void Notes_come_after_the_findings_that_set_the_status()
    {
        using var leaf = Leaf(new CertSpec { Key = KeyKind.Rsa1024, DnsNames = Host });
        var evaluation = Evaluate(leaf, ["other.example.com"]);

        Assert.Equal([FindingIds.HostMismatch, FindingIds.WeakRsaKey], evaluation.Ids());
    }

    [Fact]
    public void Evaluating_the_same_bundle_again_gives_the_same_findings()
    {
        using var leaf = Leaf("a.example.com");
        var evaluator = new CertificateEvaluator(TestPki.Now);
        var secret = Parse(leaf.Pem, leaf.Key.Pkcs8Pem());

        var first = evaluator.Evaluate(secret, Host);
        var second = evaluator.Evaluate(Parse(leaf.Pem, leaf.Key.Pkcs8Pem()), Host);

        Assert.Equal(first.Findings, second.Findings);
    }

    // ---- Facts ----

    [Fact]
    public void Facts_describe_the_leaf()
    {
        using var leaf = Leaf(new CertSpec { CommonName = "a.example.com", Key = KeyKind.Rsa2048, DnsNames = ["a.example.com", "*.a.example.com"], IpAddresses = ["192.0.2.7"] });
        var facts = Evaluate(leaf, Host).Facts!;
        var certificate = leaf.Certificate;

        Assert.Equal("CN=a.example.com", facts.Subject);
        Assert.Equal(["a.example.com", "*.a.example.com"], facts.DnsNames);
        Assert.Equal(["192.0.2.7"], facts.IPAddresses);
        Assert.Equal("CN=Test Intermediate CA", facts.Issuer);
        Assert.Equal(certificate.SerialNumber, facts.SerialNumber);
        Assert.Equal(certificate.Thumbprint, facts.Thumbprint);
        Assert.Equal(Convert.ToHexString(SHA256.HashData(certificate.RawData)), facts.Sha256Fingerprint);
        Assert.Equal(KeyAlgorithm.RSA, facts.KeyAlgorithm);
        Assert.Equal(2048, facts.KeySize);
        Assert.Equal("sha256ECDSA", facts.SignatureAlgorithm);
        Assert.Equal(2, facts.ChainLength);
    }

    [Fact]
    public void Facts_give_validity_in_UTC()
    {
        using var leaf = Leaf("a.example.com");
        var facts = Evaluate(leaf, Host).Facts!;

        Assert.Equal(TimeSpan.Zero, facts.NotAfter.Offset);
        Assert.Equal(leaf.Certificate.NotAfter.ToUniversalTime(), facts.NotAfter.UtcDateTime);
        Assert.Equal(leaf.Certificate.NotBefore.ToUniversalTime(), facts.NotBefore.UtcDateTime);
    }

    [Fact]
    public void Days_remaining_round_down()
    {
        using var leaf = Leaf("a.example.com");
        var notAfter = new DateTimeOffset(leaf.Certificate.NotAfter);

        Assert.Equal(1, Evaluate(leaf, Host, asOf: notAfter.AddHours(-36)).Facts!.DaysRemaining);
        Assert.Equal(0, Evaluate(leaf, Host, asOf: notAfter.AddHours(-12)).Facts!.DaysRemaining);
        Assert.Equal(-1, Evaluate(leaf, Host, asOf: notAfter.AddHours(12)).Facts!.DaysRemaining);
    }

    [Theory]
    [InlineData(KeyKind.EcP256, KeyAlgorithm.ECDSA, 256)]
    [InlineData(KeyKind.EcP384, KeyAlgorithm.ECDSA, 384)]
    [InlineData(KeyKind.EcP521, KeyAlgorithm.ECDSA, 521)]
    [InlineData(KeyKind.Ed25519, KeyAlgorithm.Ed25519, 256)]
    public void Facts_give_key_algorithm_and_size(KeyKind kind, KeyAlgorithm algorithm, int size)
    {
        using var leaf = Leaf(new CertSpec { Key = kind, DnsNames = Host });
        var facts = Evaluate(leaf, Host).Facts!;

        Assert.Equal(algorithm, facts.KeyAlgorithm);
        Assert.Equal(size, facts.KeySize);
    }

    [Fact]
    public void Facts_name_the_signature_algorithm()
    {
        using var root = TestPki.Root("Ed Root", KeyKind.Ed25519);
        using var rsaIntermediate = TestPki.Intermediate(root, "RSA Intermediate", KeyKind.Rsa2048);
        using var leaf = TestPki.Issue(new CertSpec { DnsNames = Host, Hash = HashAlgorithmName.SHA384 }, rsaIntermediate);
        var evaluator = new CertificateEvaluator(TestPki.Now, 30, [root.Certificate]);

        Assert.Equal("sha384RSA", evaluator.Evaluate(Parse(TestPki.Pem(leaf, rsaIntermediate), leaf.Key.Pkcs8Pem()), Host).Facts!.SignatureAlgorithm);
        Assert.Equal("Ed25519", evaluator.Evaluate(Parse(TestPki.Pem(rsaIntermediate), null), []).Facts!.SignatureAlgorithm);
    }

    [Fact]
    public void Facts_hold_the_leaf_without_private_key_and_the_chain_leaf_first()
    {
        using var leaf = Leaf("a.example.com");
        var facts = Evaluate(TestPki.Pem(Intermediate, leaf), leaf.Key.Pkcs8Pem(), Host).Facts!;

        Assert.False(facts.Certificate!.HasPrivateKey);
        Assert.Equal(leaf.Certificate.Thumbprint, facts.Certificate.Thumbprint);
        Assert.Equal([leaf.Certificate.Thumbprint, Intermediate.Certificate.Thumbprint], facts.Chain.Select(c => c.Thumbprint));
    }

    [Fact]
    public void Evaluation_holds_no_private_key_bytes()
    {
        using var leaf = Leaf(new CertSpec { Key = KeyKind.Rsa2048, DnsNames = Host });
        var evaluation = Evaluate(leaf, Host);

        KeyMaterialProbe.AssertNotReachable(evaluation, KeyMaterialProbe.SecretOf(leaf.Key));
    }
}
