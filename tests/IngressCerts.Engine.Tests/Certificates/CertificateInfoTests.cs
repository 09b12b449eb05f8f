using System.Formats.Asn1;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using IngressCerts.Engine.Certificates;
using Xunit;

namespace IngressCerts.Engine.Tests.Certificates;

/// <summary>
/// The managed certificate reader against the platform: for every shape of certificate below, each field
/// <see cref="CertificateInfo"/> reads from the DER must be what <see cref="X509Certificate2"/> says.
/// </summary>
public sealed class CertificateInfoTests
{
    private static readonly DateTimeOffset Start = new(2024, 3, 1, 8, 30, 15, TimeSpan.Zero);

    public static TheoryData<string> Shapes() =>
    [
        "rsa2048", "rsa1024", "p256", "p384", "p521", "ed25519", "ip-sans", "no-san", "utf8-names", "multi-valued-rdn",
        "two-cns", "no-cn", "email-and-ou", "high-bit-serial", "leading-zero-serial", "generalized-time", "ca",
        "critical-san-empty-subject", "sha384-rsa", "v1-no-extensions", "rsa-pss",
    ];

    public static TheoryData<string> Names() =>
    [
        "cn", "cn-and-o", "two-cns", "empty-last-cn", "no-cn", "bmp-cn", "ia5-cn", "printable-cn", "multi-valued", "empty-name",
        "trailing-nul-cn",
    ];

    /// <summary>
    /// The common name read in place is the one <see cref="X500DistinguishedName"/> gives (the last single-valued, non-empty
    /// CN, in the order it enumerates), and names with what only the platform should read go to it.
    /// </summary>
    [Theory]
    [MemberData(nameof(Names))]
    public void Common_name_read_in_place_is_the_platforms(string shape)
    {
        var builder = new X500DistinguishedNameBuilder();
        switch (shape)
        {
            case "cn": builder.AddCommonName("leaf.example.test"); break;
            case "cn-and-o": builder.AddOrganizationName("Org"); builder.AddCommonName("leaf.example.test"); break;
            case "two-cns": builder.AddCommonName("first"); builder.AddCommonName("second"); break;
            case "empty-last-cn": builder.AddCommonName("named"); builder.Add("2.5.4.3", string.Empty); break;
            case "no-cn": builder.AddOrganizationName("Org only"); break;
            case "bmp-cn": builder.AddCommonName("ascii"); builder.Add("2.5.4.3", "bmp", UniversalTagNumber.BMPString); break;
            case "ia5-cn": builder.Add("2.5.4.3", "ia5", UniversalTagNumber.IA5String); break;
            case "printable-cn": builder.AddOrganizationName("Org"); builder.Add("2.5.4.3", "printable", UniversalTagNumber.PrintableString); break;
            case "trailing-nul-cn": builder.AddCommonName("leaf.example.test\0"); break;
            case "multi-valued": break; // see MultiValuedName: the builder makes no multi-valued RDN
            case "empty-name": break;
        }

        var encoded = shape == "multi-valued" ? MultiValuedName() : builder.Build().RawData;
        string? expected = null;
        foreach (var rdn in new X500DistinguishedName(encoded).EnumerateRelativeDistinguishedNames())
        {
            if (!rdn.HasMultipleElements && rdn.GetSingleElementType().Value == "2.5.4.3" && rdn.GetSingleElementValue() is { Length: > 0 } value)
            {
                expected = value;
                break;
            }
        }

        Assert.Equal(expected, CertificateInfo.CommonName(encoded));
    }

    public static TheoryData<string, bool> NameTexts() => new()
    {
        { "cn", true }, { "usual", true }, { "comma", true }, { "leading-space", true }, { "trailing-tab", true }, { "quote", true },
        { "empty-value", true }, { "specials", true }, { "unknown-type", true }, { "email", true }, { "bmp", true }, { "utf8", true },
        { "trailing-nul", true }, { "multi-valued", true }, { "empty-name", true }, { "octet-string", false },
    };

    /// <summary>
    /// A name written from its encoding reads as <see cref="X500DistinguishedName.Name"/> does (order, separators, type
    /// names, quoting); a value the platform writes as hex is left to it.
    /// </summary>
    [Theory]
    [MemberData(nameof(NameTexts))]
    public void Name_text_written_from_the_encoding_is_the_platforms(string shape, bool written)
    {
        var builder = new X500DistinguishedNameBuilder();
        switch (shape)
        {
            case "cn": builder.AddCommonName("leaf.example.test"); break;
            case "usual": builder.AddCountryOrRegion("DE"); builder.AddStateOrProvinceName("Berlin"); builder.AddLocalityName("Berlin"); builder.AddOrganizationName("Org"); builder.AddOrganizationalUnitName("Unit"); builder.AddCommonName("leaf"); break;
            case "comma": builder.AddOrganizationName("Org, Inc."); builder.AddCommonName("leaf"); break;
            case "leading-space": builder.AddCommonName(" lead"); break;
            case "trailing-tab": builder.AddCommonName("tab\t"); break;
            case "quote": builder.AddCommonName("say \"hi\""); break;
            case "empty-value": builder.Add("2.5.4.3", string.Empty); builder.AddOrganizationName("Org"); break;
            case "specials": builder.AddCommonName("a+b=c<d>e#f;g\nh"); break;
            case "unknown-type": builder.Add("1.2.3.4.5", "x"); builder.AddCommonName("leaf"); break;
            case "email": builder.AddEmailAddress("ops@example.test"); builder.AddCommonName("leaf"); break;
            case "bmp": builder.Add("2.5.4.3", "bmp", UniversalTagNumber.BMPString); break;
            case "utf8": builder.AddLocalityName("Zürich"); builder.AddCommonName("ünïcödé"); break;
            case "trailing-nul": builder.AddCommonName("nul\0"); break;
            case "multi-valued": case "empty-name": case "octet-string": break;
        }

        var encoded = shape switch
        {
            "multi-valued" => MultiValuedName(),
            "octet-string" => OctetStringName(),
            _ => builder.Build().RawData,
        };
        var text = NameFormatter.TryFormat(encoded);

        Assert.Equal(written, text is not null);
        if (text is not null)
        {
            Assert.Equal(new X500DistinguishedName(encoded).Name, text);
        }
    }

    /// <summary>
    /// Thousands of random names (string types, multi-valued and empty RDNs, the characters the platform quotes for, NULs,
    /// non-BMP text, undecodable bytes, values that are not strings) read as the platform reads them: the text of
    /// <see cref="X500DistinguishedName.Name"/> (or its refusal) and the common name found through its RDNs.
    /// </summary>
    [Fact]
    public void Random_names_read_as_the_platform_reads_them()
    {
        string[] types = ["2.5.4.3", "2.5.4.10", "2.5.4.11", "2.5.4.6", "1.2.840.113549.1.9.1", "1.2.3.4", "0.9.2342.19200300.100.1.25"];
        const string alphabet = "aZ09 ,+\"\\<>;=#\t\n\r\v\f\0é€ÿ\u00a0\u2028-.'()\ud83d\ude00";
        var random = new Random(20261202);
        int written = 0;
        for (var n = 0; n < 5000; n++)
        {
            var rdns = new List<byte[]>();
            for (var r = random.Next(0, 5); r > 0; r--)
            {
                var attributes = new List<byte[]>();
                for (var a = random.Next(0, 10) == 0 ? random.Next(0, 3) : 1; a > 0; a--)
                {
                    var text = string.Concat(Enumerable.Range(0, random.Next(0, 6)).Select(_ => alphabet[random.Next(alphabet.Length)]));
                    (byte tag, byte[] content) = random.Next(8) switch
                    {
                        0 => ((byte)0x0C, Encoding.UTF8.GetBytes(text)),
                        1 => ((byte)0x13, Encoding.ASCII.GetBytes(text)),
                        2 => ((byte)0x16, Encoding.ASCII.GetBytes(text)),
                        3 => ((byte)0x1E, Encoding.BigEndianUnicode.GetBytes(text)),
                        4 => ((byte)0x14, random.Next(2) == 0 ? Encoding.UTF8.GetBytes(text) : Encoding.Latin1.GetBytes(text)),
                        5 => ((byte)0x12, Encoding.ASCII.GetBytes(text)),
                        6 => ((byte)0x04, Encoding.UTF8.GetBytes(text)),
                        _ => (new byte[] { 0x0C, 0x1E, 0x13, 0x2C, 0x1C, 0x80 }[random.Next(6)], Enumerable.Range(0, random.Next(0, 5)).Select(_ => (byte)random.Next(256)).ToArray()),
                    };
                    var type = new AsnWriter(AsnEncodingRules.DER);
                    type.WriteObjectIdentifier(types[random.Next(types.Length)]);
                    attributes.Add(Tlv(0x30, [.. type.Encode(), .. Tlv(tag, content)]));
                }

                rdns.Add(Tlv(0x31, [.. attributes.SelectMany(x => x)]));
            }

            var encoded = Tlv(0x30, [.. rdns.SelectMany(x => x)]);
            var formatted = NameFormatter.TryFormat(encoded);
            written += formatted is null ? 0 : 1;
            Assert.Equal(PlatformOrRefusal(() => new X500DistinguishedName(encoded).Name), formatted ?? PlatformOrRefusal(() => new X500DistinguishedName(encoded).Name));
            Assert.Equal(PlatformCommonName(encoded), CertificateInfo.CommonName(encoded));
        }

        Assert.InRange(written, 1000, 5000); // most are written here, not passed to the platform
    }

    private static string PlatformOrRefusal(Func<string> read)
    {
        try
        {
            return read();
        }
        catch (CryptographicException)
        {
            return "(refused)";
        }
    }

    private static string? PlatformCommonName(byte[] encoded)
    {
        try
        {
            foreach (var rdn in new X500DistinguishedName(encoded).EnumerateRelativeDistinguishedNames())
            {
                if (!rdn.HasMultipleElements && rdn.GetSingleElementType().Value == "2.5.4.3" && rdn.GetSingleElementValue() is { Length: > 0 } value)
                {
                    return value;
                }
            }
        }
        catch (CryptographicException)
        {
        }

        return null;
    }

    private static byte[] Tlv(byte tag, byte[] content) =>
        [tag, .. content.Length < 128 ? [(byte)content.Length] : new[] { (byte)0x81, (byte)content.Length }, .. content];

    /// <summary>CN=leaf, then an attribute whose value is an OCTET STRING (which the platform writes as hex).</summary>
    private static byte[] OctetStringName()
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            using (writer.PushSetOf())
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier("2.5.4.3");
                writer.WriteCharacterString(UniversalTagNumber.UTF8String, "leaf");
            }

            using (writer.PushSetOf())
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier("2.5.4.45");
                writer.WriteOctetString([1, 2, 3]);
            }
        }

        return writer.Encode();
    }

    /// <summary>CN=plain, then an RDN of a CN and an O together (the text parser reads "+" as part of a value).</summary>
    private static byte[] MultiValuedName()
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            foreach (var rdn in new[] { new[] { ("2.5.4.3", "plain") }, new[] { ("2.5.4.3", "inner"), ("2.5.4.10", "Org") } })
            {
                using (writer.PushSetOf())
                {
                    foreach (var (type, value) in rdn)
                    {
                        using (writer.PushSequence())
                        {
                            writer.WriteObjectIdentifier(type);
                            writer.WriteCharacterString(UniversalTagNumber.UTF8String, value);
                        }
                    }
                }
            }
        }

        return writer.Encode();
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Every_field_read_from_the_encoding_is_what_the_platform_reads(string shape)
    {
        using var platform = Make(shape);
        var info = CertificateInfo.TryRead(platform.RawData);

        Assert.NotNull(info);
        Assert.Equal(platform.Subject, info.Subject);
        Assert.Equal(platform.Issuer, info.Issuer);
        Assert.Equal(platform.SubjectName.RawData, info.SubjectNameBytes.ToArray());
        Assert.Equal(platform.IssuerName.RawData, info.IssuerNameBytes.ToArray());
        Assert.Equal(platform.SerialNumber, info.SerialNumber);
        Assert.Equal(platform.Thumbprint, info.Thumbprint);
        Assert.Equal(Convert.ToHexString(platform.GetCertHash(HashAlgorithmName.SHA256)), info.Sha256Fingerprint);
        Assert.Equal(platform.SignatureAlgorithm.Value, info.SignatureAlgorithmOid);
        Assert.Equal(platform.NotBefore.ToUniversalTime(), info.NotBefore.UtcDateTime);
        Assert.Equal(platform.NotAfter.ToUniversalTime(), info.NotAfter.UtcDateTime);

        var san = platform.Extensions.OfType<X509SubjectAlternativeNameExtension>().SingleOrDefault();
        Assert.Equal(san is not null, info.HasSubjectAltNames);
        Assert.Equal(san?.EnumerateDnsNames().ToArray() ?? [], info.DnsNames);
        Assert.Equal(san?.EnumerateIPAddresses().ToArray() ?? [], info.IPAddresses);
        Assert.Equal(platform.Extensions.OfType<X509BasicConstraintsExtension>().SingleOrDefault()?.CertificateAuthority ?? false, info.IsCertificateAuthority);

        var expectedKey = PublicKeyIdentity.FromCertificate(platform);
        Assert.Equal(expectedKey.Description, info.PublicKey.Description);
        Assert.Equal(expectedKey.KeySize, info.PublicKey.KeySize);
        Assert.True(expectedKey.Matches(info.PublicKey));

        // Messages name a certificate as the platform does, or by its whole subject when the platform has no name for it.
        var simpleName = platform.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        Assert.Equal(simpleName.Length > 0 ? simpleName : platform.Subject, info.DisplayName);

        // The platform object, made on demand, is the same certificate.
        Assert.Equal(platform.RawData, info.Certificate.RawData);
    }

    [Fact]
    public void Bytes_that_are_no_certificate_are_refused()
    {
        Assert.Null(CertificateInfo.TryRead([0x30, 0x03, 0x02, 0x01, 0x00]));
        Assert.Null(CertificateInfo.TryRead("not a certificate"u8.ToArray()));
    }

    [Fact]
    public void A_truncated_certificate_is_refused()
    {
        using var platform = Make("p256");
        Assert.Null(CertificateInfo.TryRead(platform.RawData[..^10]));
    }

    [Fact]
    public void Trailing_bytes_after_the_certificate_are_read_as_the_platform_reads_them()
    {
        using var platform = Make("p256");
        byte[] padded = [.. platform.RawData, 0x00, 0x00];

        var info = CertificateInfo.TryRead(padded);

        // The managed reader is strict and hands such input to the platform, which (like OpenSSL) ignores the rest.
        Assert.NotNull(info);
        Assert.Equal(platform.Subject, info.Subject);
        Assert.Equal(["p256.example.com"], info.DnsNames);
        Assert.Null(info.Signed);
    }

    [Fact]
    public void The_signed_parts_verify_with_the_issuers_key()
    {
        using var issuerKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var issuerRequest = new CertificateRequest("CN=Issuer", issuerKey, HashAlgorithmName.SHA256);
        issuerRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var issuer = issuerRequest.CreateSelfSigned(Start, Start.AddYears(5));
        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var leaf = new CertificateRequest("CN=leaf", leafKey, HashAlgorithmName.SHA384).Create(issuer, Start, Start.AddYears(1), [1, 2, 3]);

        var signed = CertificateInfo.TryRead(leaf.RawData)!.Signed!;

        Assert.Equal("1.2.840.10045.4.3.3", signed.AlgorithmOid);
        Assert.True(issuerKey.VerifyData(signed.Tbs.Span, signed.Signature.Span, HashAlgorithmName.SHA384, DSASignatureFormat.Rfc3279DerSequence));
        Assert.Equal(issuerKey.ExportSubjectPublicKeyInfo(), CertificateInfo.TryRead(issuer.RawData)!.Signed!.SubjectPublicKeyInfo.ToArray());
    }

    private static X509Certificate2 Make(string shape)
    {
        switch (shape)
        {
            case "rsa2048":
                return Rsa(2048, "CN=rsa.example.com, O=Example, C=DE", HashAlgorithmName.SHA256, san: ["rsa.example.com", "*.rsa.example.com"]);
            case "rsa1024":
                return Rsa(1024, "CN=weak.example.com", HashAlgorithmName.SHA256, san: ["weak.example.com"]);
            case "sha384-rsa":
                return Rsa(2048, "CN=sha384.example.com", HashAlgorithmName.SHA384, san: ["sha384.example.com"]);
            case "rsa-pss":
                using (var rsa = RSA.Create(2048))
                {
                    var request = new CertificateRequest("CN=pss.example.com", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pss);
                    return request.CreateSelfSigned(Start, Start.AddDays(90));
                }

            case "p256":
                return Ec(ECCurve.NamedCurves.nistP256, "CN=p256.example.com", san: ["p256.example.com"]);
            case "p384":
                return Ec(ECCurve.NamedCurves.nistP384, "CN=p384.example.com", san: ["p384.example.com"]);
            case "p521":
                return Ec(ECCurve.NamedCurves.nistP521, "CN=p521.example.com", san: ["p521.example.com"]);
            case "ed25519":
                {
                    using var root = TestPki.Root("Ed Root", KeyKind.Ed25519);
                    using var leaf = TestPki.Issue(new CertSpec { CommonName = "ed.example.com", Key = KeyKind.Ed25519, DnsNames = ["ed.example.com"] }, root);
                    return X509CertificateLoader.LoadCertificate(leaf.Certificate.RawData);
                }

            case "ip-sans":
                return Ec(ECCurve.NamedCurves.nistP256, "CN=10.0.0.1", san: ["api.example.com"], ips: [IPAddress.Parse("10.0.0.1"), IPAddress.Parse("2001:db8::1"), IPAddress.Parse("::ffff:192.0.2.7")]);
            case "no-san":
                return Ec(ECCurve.NamedCurves.nistP256, "CN=nosan.example.com", san: []);
            case "utf8-names":
                return Ec(ECCurve.NamedCurves.nistP256, "CN=bücher.example, O=Müller & Söhne, L=Zürich", san: ["xn--bcher-kva.example"]);
            case "multi-valued-rdn":
                return Ec(ECCurve.NamedCurves.nistP256, "CN=a.example.com + OU=Web, O=Example", san: ["a.example.com"]);
            case "two-cns":
                return Ec(ECCurve.NamedCurves.nistP256, "CN=first.example.com, CN=second.example.com", san: ["first.example.com"]);
            case "no-cn":
                return Ec(ECCurve.NamedCurves.nistP256, "O=Example Org, C=US", san: ["nocn.example.com"]);
            case "email-and-ou":
                return Ec(ECCurve.NamedCurves.nistP256, "E=admin@example.com, OU=Ops, CN=mail.example.com", san: ["mail.example.com"]);
            case "high-bit-serial":
                return Ec(ECCurve.NamedCurves.nistP256, "CN=serial.example.com", san: ["serial.example.com"], serial: [0x00, 0x9A, 0xBC, 0xDE, 0xF0]);
            case "leading-zero-serial":
                return Ec(ECCurve.NamedCurves.nistP256, "CN=serial2.example.com", san: ["serial2.example.com"], serial: [0x01]);
            case "generalized-time":
                return Ec(ECCurve.NamedCurves.nistP256, "CN=long.example.com", san: ["long.example.com"], notAfter: new DateTimeOffset(2061, 7, 4, 1, 2, 3, TimeSpan.Zero));
            case "ca":
                return Ec(ECCurve.NamedCurves.nistP256, "CN=Some CA, O=Example", san: [], ca: true);
            case "critical-san-empty-subject":
                using (var key = ECDsa.Create(ECCurve.NamedCurves.nistP256))
                {
                    var request = new CertificateRequest(new X500DistinguishedName(""), key, HashAlgorithmName.SHA256);
                    var names = new SubjectAlternativeNameBuilder();
                    names.AddDnsName("empty-subject.example.com");
                    request.CertificateExtensions.Add(names.Build(critical: true));
                    return request.CreateSelfSigned(Start, Start.AddDays(90));
                }

            case "v1-no-extensions":
                using (var key = ECDsa.Create(ECCurve.NamedCurves.nistP256))
                {
                    // CertificateRequest writes v3; without extensions the certificate still reads like a v1 one.
                    return new CertificateRequest("CN=plain", key, HashAlgorithmName.SHA256).CreateSelfSigned(Start, Start.AddDays(10));
                }

            default:
                throw new ArgumentOutOfRangeException(nameof(shape), shape, null);
        }
    }

    private static X509Certificate2 Rsa(int bits, string subject, HashAlgorithmName hash, string[] san)
    {
        using var key = RSA.Create(bits);
        var request = new CertificateRequest(subject, key, hash, RSASignaturePadding.Pkcs1);
        AddSan(request, san, []);
        return request.CreateSelfSigned(Start, Start.AddDays(90));
    }

    private static X509Certificate2 Ec(ECCurve curve, string subject, string[] san, IPAddress[]? ips = null, byte[]? serial = null, DateTimeOffset? notAfter = null, bool ca = false)
    {
        using var issuerKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var issuerRequest = new CertificateRequest("CN=Shape Issuer, O=Tests", issuerKey, HashAlgorithmName.SHA256);
        issuerRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        issuerRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(issuerRequest.PublicKey, false));
        using var issuer = issuerRequest.CreateSelfSigned(Start.AddYears(-1), Start.AddYears(60));

        using var key = ECDsa.Create(curve);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(ca, false, 0, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        AddSan(request, san, ips ?? []);
        return request.Create(issuer, Start, notAfter ?? Start.AddDays(90), serial ?? [0x42, 0x01]);
    }

    private static void AddSan(CertificateRequest request, string[] dnsNames, IPAddress[] ips)
    {
        if (dnsNames.Length == 0 && ips.Length == 0)
        {
            return;
        }

        var names = new SubjectAlternativeNameBuilder();
        foreach (var name in dnsNames)
        {
            names.AddDnsName(name);
        }

        foreach (var ip in ips)
        {
            names.AddIpAddress(ip);
        }

        request.CertificateExtensions.Add(names.Build());
    }
}
