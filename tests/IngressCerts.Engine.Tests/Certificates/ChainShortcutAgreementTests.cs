using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IngressCerts.Engine.Certificates;
using IngressCerts.Engine.Tests.Certificates;
using static IngressCerts.Engine.Tests.Certificates.SharedPki;

namespace IngressCerts.Engine.Tests.Certificates;

/// <summary>
/// Odd leaves next to a good sibling of the same issuer: whatever the chain shortcut answers must be what a full
/// X509Chain build answers, and what the platform refuses must stay unreadable.
/// </summary>
public sealed class ChainShortcutAgreementTests
{
    private static readonly ECDsa LeafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    private sealed record Variant
    {
        public int? Version { get; init; } = 2;
        public string OuterOid { get; init; } = "1.2.840.10045.4.3.2";
        public string TbsOid { get; init; } = "1.2.840.10045.4.3.2";
        public HashAlgorithmName Hash { get; init; } = HashAlgorithmName.SHA256;
        public byte[]? SanValue { get; init; }
        public bool DuplicateSan { get; init; }
        public byte[]? AkiValue { get; init; }
        public (string Oid, byte[] Value, bool Critical)[] Extra { get; init; } = [];
        public bool NoExtensions { get; init; }
        public bool BerSignature { get; init; }
        public byte[]? TrailingTbs { get; init; }
    }

    private static byte[] Ski(X509Certificate2 c) =>
        c.Extensions.OfType<X509SubjectKeyIdentifierExtension>().Single().SubjectKeyIdentifierBytes.ToArray();

    private static byte[] AkiKeyId(byte[] keyId)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence()) { w.WriteOctetString(keyId, new Asn1Tag(TagClass.ContextSpecific, 0)); }
        return w.Encode();
    }

    private static byte[] San(string dns)
    {
        var b = new SubjectAlternativeNameBuilder();
        b.AddDnsName(dns);
        return b.Build().RawData;
    }

    private static byte[] Make(string cn, Variant v)
    {
        var issuer = Intermediate;
        var tbsW = new AsnWriter(AsnEncodingRules.DER);
        using (tbsW.PushSequence())
        {
            if (v.Version is { } ver)
            {
                using (tbsW.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, true))) { tbsW.WriteInteger(ver); }
            }
            tbsW.WriteInteger(RandomNumberGenerator.GetInt32(1, int.MaxValue));
            using (tbsW.PushSequence()) { tbsW.WriteObjectIdentifier(v.TbsOid); }
            tbsW.WriteEncodedValue(issuer.Certificate.SubjectName.RawData);
            using (tbsW.PushSequence())
            {
                tbsW.WriteUtcTime(TestPki.Now.AddDays(-10));
                tbsW.WriteUtcTime(TestPki.Now.AddDays(60));
            }
            tbsW.WriteEncodedValue(new X500DistinguishedName("CN=" + cn).RawData);
            tbsW.WriteEncodedValue(LeafKey.ExportSubjectPublicKeyInfo());
            if (!v.NoExtensions)
            {
                using (tbsW.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 3, true)))
                using (tbsW.PushSequence())
                {
                    void Ext(string oid, byte[] value, bool critical)
                    {
                        using (tbsW.PushSequence())
                        {
                            tbsW.WriteObjectIdentifier(oid);
                            if (critical) tbsW.WriteBoolean(true);
                            tbsW.WriteOctetString(value);
                        }
                    }
                    Ext("2.5.29.19", [0x30, 0x00], true);
                    Ext("2.5.29.35", v.AkiValue ?? AkiKeyId(Ski(issuer.Certificate)), false);
                    Ext("2.5.29.17", v.SanValue ?? San(cn), false);
                    if (v.DuplicateSan) Ext("2.5.29.17", San(cn), false);
                    foreach (var (oid, value, critical) in v.Extra) Ext(oid, value, critical);
                }
            }
            if (v.TrailingTbs is { } t) tbsW.WriteEncodedValue(t);
        }
        var tbs = tbsW.Encode();
        var sig = issuer.Key.Ecdsa!.SignData(tbs, v.Hash, DSASignatureFormat.Rfc3279DerSequence);
        if (v.BerSignature) { sig = [0x30, 0x81, sig[1], .. sig.AsSpan(2)]; }
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            w.WriteEncodedValue(tbs);
            using (w.PushSequence()) { w.WriteObjectIdentifier(v.OuterOid); }
            w.WriteBitString(sig);
        }
        return w.Encode();
    }

    private static string Pem(byte[] der) => PemEncoding.WriteString("CERTIFICATE", der) + "\n" + Intermediate.Certificate.ExportCertificatePem() + "\n";

    public static TheoryData<string> Variants() =>
    [
        "baseline", "trailing-integer", "second-ext-block", "trailing-uid5", "ber-signature", "unknown-extension",
        "malformed-eku", "malformed-san", "duplicate-san", "malformed-keyusage", "alg-mismatch", "version-5",
        "v1-with-extensions", "aki-with-issuer-and-serial",
    ];

    private static Variant For(string name) => name switch
    {
        "baseline" => new Variant(),
        "trailing-integer" => new Variant { TrailingTbs = [0x02, 0x01, 0x05] },
        "second-ext-block" => new Variant { TrailingTbs = [0xA3, 0x02, 0x30, 0x00] },
        "trailing-uid5" => new Variant { TrailingTbs = [0x85, 0x01, 0x00] },
        "ber-signature" => new Variant { BerSignature = true },
        "unknown-extension" => new Variant { Extra = [("1.2.3.4.5", [0x05, 0x00], false)] },
        "malformed-eku" => new Variant { Extra = [("2.5.29.37", [0x04, 0x00], false)] },
        "malformed-san" => new Variant { SanValue = [0x30, 0x03, 0x82, 0x05, 0x41] },
        "duplicate-san" => new Variant { DuplicateSan = true },
        "malformed-keyusage" => new Variant { Extra = [("2.5.29.15", [0x05, 0x00], false)] },
        "alg-mismatch" => new Variant { OuterOid = "1.2.840.10045.4.3.3", Hash = HashAlgorithmName.SHA384 },
        "version-5" => new Variant { Version = 5 },
        "v1-with-extensions" => new Variant { Version = null },
        "aki-with-issuer-and-serial" => new Variant { AkiValue = AkiWithSerial(Ski(Intermediate.Certificate), [0x7f, 0x01]) },
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void An_odd_leaf_after_a_good_sibling_gets_what_a_full_build_says(string name)
    {
        var verifier = new ChainVerifier([Root.Certificate], TestPki.Now);
        Assert.Empty(verifier.Verify(Parse(Pem(Make($"good-{name}.example.com", new Variant())), null).Ordered!));
        var odd = Make($"odd-{name}.example.com", For(name));

        bool platformReads;
        try
        {
            using var loaded = X509CertificateLoader.LoadCertificate(odd);
            platformReads = true;
        }
        catch (CryptographicException)
        {
            platformReads = false;
        }

        var parsed = Parse(Pem(odd), null);
        if (!platformReads)
        {
            // What the platform refuses stays an undecodable certificate, as before the managed reader.
            Assert.Contains(FindingIds.UndecodableCertificate, parsed.Ids());
            return;
        }

        var shortcut = verifier.Verify(parsed.Ordered!);
        var full = new ChainVerifier([Root.Certificate], TestPki.Now).Verify(Parse(Pem(odd), null).Ordered!);
        Assert.Equal(full.Select(f => (f.Id, f.Message)), shortcut.Select(f => (f.Id, f.Message)));
    }

    private static byte[] AkiWithSerial(byte[] keyId, byte[] serial)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            w.WriteOctetString(keyId, new Asn1Tag(TagClass.ContextSpecific, 0));
            using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 1, true)))
            {
                using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 4, true)))
                {
                    w.WriteEncodedValue(Root.Certificate.SubjectName.RawData);
                }
            }
            w.WriteInteger(serial, new Asn1Tag(TagClass.ContextSpecific, 2));
        }
        return w.Encode();
    }

    [Fact]
    public void Name_constraints_of_a_CA_only_the_platform_reads_are_still_applied_to_each_leaf()
    {
        using var ncKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var ncReq = new CertificateRequest("CN=NC CA", ncKey, HashAlgorithmName.SHA256);
        ncReq.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        ncReq.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(ncReq.PublicKey, false));
        ncReq.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Root.Certificate, true, false));
        var nc = new AsnWriter(AsnEncodingRules.DER);
        using (nc.PushSequence()) using (nc.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, true))) using (nc.PushSequence())
            nc.WriteCharacterString(UniversalTagNumber.IA5String, "inside.test", new Asn1Tag(TagClass.ContextSpecific, 2));
        ncReq.CertificateExtensions.Add(new X509Extension("2.5.29.30", nc.Encode(), true));
        using var rootWithKey = Root.WithPrivateKey();
        using var ncDer = ncReq.Create(rootWithKey, TestPki.Now.AddYears(-1), TestPki.Now.AddYears(2), [0x00, 0x01]);
        var outer = new AsnReader(ncDer.RawData, AsnEncodingRules.DER).ReadSequence();
        var tbs = outer.ReadEncodedValue().ToArray();
        var idx = tbs.AsSpan().IndexOf(new byte[] { 0x01, 0x01, 0xFF });
        tbs[idx + 2] = 0x01;
        var sigw = new AsnWriter(AsnEncodingRules.DER);
        using (sigw.PushSequence())
        {
            sigw.WriteEncodedValue(tbs);
            using (sigw.PushSequence()) sigw.WriteObjectIdentifier("1.2.840.10045.4.3.2");
            sigw.WriteBitString(Root.Key.Ecdsa!.SignData(tbs, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
        }
        using var ncCert = X509CertificateLoader.LoadCertificate(sigw.Encode());
        Assert.Null(CertificateInfo.TryRead(ncCert.RawData)!.Signed); // read through the platform

        using var issKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var issReq = new CertificateRequest("CN=Issuing CA", issKey, HashAlgorithmName.SHA256);
        issReq.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        issReq.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(issReq.PublicKey, false));
        issReq.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ncCert, true, false));
        using var ncWithKey = ncCert.CopyWithPrivateKey(ncKey);
        using var issCert = issReq.Create(ncWithKey, TestPki.Now.AddYears(-1), TestPki.Now.AddYears(1), [5, 5]);

        var verifier = new ChainVerifier([Root.Certificate], TestPki.Now);
        var outcomes = new List<bool>();
        foreach (var name in new[] { "a.inside.test", "b.outside.test" })
        {
            using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var req = new CertificateRequest("CN=" + name, leafKey, HashAlgorithmName.SHA256);
            req.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
            req.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issCert, true, false));
            var san = new SubjectAlternativeNameBuilder(); san.AddDnsName(name); req.CertificateExtensions.Add(san.Build());
            using var leaf = req.Create(issCert.SubjectName, X509SignatureGenerator.CreateForECDsa(issKey), TestPki.Now.AddDays(-1), TestPki.Now.AddDays(30), [1, 2, 3]);
            var pem = TestPki.Pem(leaf, issCert, ncCert);
            var s1 = verifier.Verify(Parse(pem, null).Ordered!);
            var full = new ChainVerifier([Root.Certificate], TestPki.Now).Verify(Parse(pem, null).Ordered!);
            Assert.Equal(full.Select(f => (f.Id, f.Message)), s1.Select(f => (f.Id, f.Message)));
            outcomes.Add(s1.Count == 0);
        }

        Assert.Equal([true, false], outcomes);
    }

    [Fact]
    public void A_leaf_trusted_as_a_root_does_not_vouch_for_its_siblings()
    {
        var l1 = Make("trusted-leaf.example.com", new Variant());
        var l2 = Make("other-leaf.example.com", new Variant());
        using var l1c = X509CertificateLoader.LoadCertificate(l1);
        var verifier = new ChainVerifier([Root.Certificate, l1c], TestPki.Now);
        string Only(byte[] der) => PemEncoding.WriteString("CERTIFICATE", der) + "\n";
        var a = verifier.Verify(Parse(Only(l1), null).Ordered!);
        var b = verifier.Verify(Parse(Only(l2), null).Ordered!);
        var full = new ChainVerifier([Root.Certificate, l1c], TestPki.Now).Verify(Parse(Only(l2), null).Ordered!);
        Assert.Equal(full.Select(f => (f.Id, f.Message)), b.Select(f => (f.Id, f.Message)));
    }

    [Theory]
    [InlineData("O=Acme Corp, C=US")]
    [InlineData("OU=Ops, O=Acme")]
    [InlineData("CN=first, CN=second")]
    [InlineData("E=x@y.z")]
    [InlineData("DC=com, DC=example, CN=one")]
    public void Names_in_messages_are_what_the_platform_calls_the_certificate(string dn)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var cert = new CertificateRequest(new X500DistinguishedName(dn), key, HashAlgorithmName.SHA256).CreateSelfSigned(TestPki.Now.AddDays(-1), TestPki.Now.AddDays(1));
        var info = CertificateInfo.TryRead(cert.RawData)!;

        var platform = cert.GetNameInfo(X509NameType.SimpleName, false);
        Assert.Equal(platform.Length > 0 ? platform : cert.Subject, info.DisplayName);
        var issuer = cert.GetNameInfo(X509NameType.SimpleName, true);
        Assert.Equal(issuer.Length > 0 ? issuer : cert.Issuer, info.IssuerDisplayName);
        Assert.Equal(cert.Subject, info.Subject);
    }
}
