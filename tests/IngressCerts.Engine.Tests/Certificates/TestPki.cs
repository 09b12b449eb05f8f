using System.Formats.Asn1;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;

namespace IngressCerts.Engine.Tests.Certificates;

/// <summary>The kinds of key the tests make certificates with.</summary>
public enum KeyKind
{
    Rsa2048,
    Rsa1024,
    EcP256,
    EcP384,
    EcP521,
    Ed25519,
}

/// <summary>
/// A key pair made at test time (nothing is ever written to disk), with its PEM forms.
/// RSA and ECDSA use .NET; Ed25519 uses BouncyCastle, which .NET lacks.
/// </summary>
public sealed class TestKey : IDisposable
{
    private static readonly SecureRandom Random = new();
    private readonly AsymmetricAlgorithm? dotnetKey;
    private readonly Ed25519PrivateKeyParameters? ed25519;

    public TestKey(KeyKind kind)
    {
        Kind = kind;
        dotnetKey = kind switch
        {
            KeyKind.Rsa2048 => RSA.Create(2048),
            KeyKind.Rsa1024 => RSA.Create(1024),
            KeyKind.EcP256 => ECDsa.Create(ECCurve.NamedCurves.nistP256),
            KeyKind.EcP384 => ECDsa.Create(ECCurve.NamedCurves.nistP384),
            KeyKind.EcP521 => ECDsa.Create(ECCurve.NamedCurves.nistP521),
            _ => null,
        };
        if (kind == KeyKind.Ed25519)
        {
            var generator = new Ed25519KeyPairGenerator();
            generator.Init(new Ed25519KeyGenerationParameters(Random));
            ed25519 = (Ed25519PrivateKeyParameters)generator.GenerateKeyPair().Private;
        }
    }

    public KeyKind Kind { get; }

    public RSA? Rsa => dotnetKey as RSA;

    public ECDsa? Ecdsa => dotnetKey as ECDsa;

    public bool IsEd25519 => ed25519 is not null;

    public PublicKey PublicKey => Rsa is { } rsa ? new PublicKey(rsa)
        : Ecdsa is { } ecdsa ? new PublicKey(ecdsa)
        : PublicKey.CreateFromSubjectPublicKeyInfo(Ed25519SubjectPublicKeyInfo(), out _);

    public X509SignatureGenerator SignatureGenerator(HashAlgorithmName hash) =>
        Rsa is { } rsa ? (hash == HashAlgorithmName.SHA1 ? new Sha1RsaSignatureGenerator(rsa) : X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1))
        : Ecdsa is { } ecdsa ? X509SignatureGenerator.CreateForECDsa(ecdsa)
        : new Ed25519SignatureGenerator(ed25519!, PublicKey);

    /// <summary>PKCS#8 "PRIVATE KEY" PEM, for every kind.</summary>
    public string Pkcs8Pem() => dotnetKey is not null
        ? dotnetKey.ExportPkcs8PrivateKeyPem()
        : PemEncoding.WriteString("PRIVATE KEY", PrivateKeyInfoFactory.CreatePrivateKeyInfo(ed25519).GetDerEncoded());

    public byte[] Pkcs8Der() => dotnetKey is not null
        ? dotnetKey.ExportPkcs8PrivateKey()
        : PrivateKeyInfoFactory.CreatePrivateKeyInfo(ed25519).GetDerEncoded();

    /// <summary>PKCS#1 "RSA PRIVATE KEY" PEM.</summary>
    public string Pkcs1Pem() => Rsa!.ExportRSAPrivateKeyPem();

    /// <summary>SEC1 "EC PRIVATE KEY" PEM.</summary>
    public string Sec1Pem() => Ecdsa!.ExportECPrivateKeyPem();

    public string EncryptedPkcs8Pem() => dotnetKey!.ExportEncryptedPkcs8PrivateKeyPem(
        "secret",
        new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 1000));

    /// <summary>The BouncyCastle form, for building Ed25519 PFX files.</summary>
    public Org.BouncyCastle.Crypto.AsymmetricKeyParameter BouncyCastlePrivateKey() => ed25519 ?? throw new InvalidOperationException("Ed25519 only");

    public void Dispose() => dotnetKey?.Dispose();

    private byte[] Ed25519SubjectPublicKeyInfo()
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier("1.3.101.112");
            }

            writer.WriteBitString(ed25519!.GeneratePublicKey().GetEncoded());
        }

        return writer.Encode();
    }

    /// <summary>Signs certificates with Ed25519, which CertificateRequest cannot do by itself.</summary>
    private sealed class Ed25519SignatureGenerator(Ed25519PrivateKeyParameters key, PublicKey publicKey) : X509SignatureGenerator
    {
        public override byte[] GetSignatureAlgorithmIdentifier(HashAlgorithmName hashAlgorithm) => [0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70];

        public override byte[] SignData(byte[] data, HashAlgorithmName hashAlgorithm)
        {
            var signer = new Ed25519Signer();
            signer.Init(true, key);
            signer.BlockUpdate(data, 0, data.Length);
            return signer.GenerateSignature();
        }

        protected override PublicKey BuildPublicKey() => publicKey;
    }

    /// <summary>sha1RSA, which modern .NET refuses to produce on its own.</summary>
    private sealed class Sha1RsaSignatureGenerator(RSA rsa) : X509SignatureGenerator
    {
        public override byte[] GetSignatureAlgorithmIdentifier(HashAlgorithmName hashAlgorithm)
        {
            var writer = new AsnWriter(AsnEncodingRules.DER);
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier("1.2.840.113549.1.1.5");
                writer.WriteNull();
            }

            return writer.Encode();
        }

        public override byte[] SignData(byte[] data, HashAlgorithmName hashAlgorithm) =>
            rsa.SignData(data, HashAlgorithmName.SHA1, RSASignaturePadding.Pkcs1);

        protected override PublicKey BuildPublicKey() => new(rsa);
    }
}

/// <summary>A certificate made at test time, with the key that belongs to it.</summary>
public sealed class TestCert(X509Certificate2 certificate, TestKey key) : IDisposable
{
    public X509Certificate2 Certificate { get; } = certificate;

    public TestKey Key { get; } = key;

    public string Pem => Certificate.ExportCertificatePem() + "\n";

    public string Subject => Certificate.Subject;

    /// <summary>The certificate with its private key attached (RSA and ECDSA only).</summary>
    public X509Certificate2 WithPrivateKey() =>
        Key.Rsa is { } rsa ? Certificate.CopyWithPrivateKey(rsa)
        : Key.Ecdsa is { } ecdsa ? Certificate.CopyWithPrivateKey(ecdsa)
        : throw new NotSupportedException(".NET cannot attach an Ed25519 key");

    public void Dispose()
    {
        Certificate.Dispose();
        Key.Dispose();
    }
}

/// <summary>What to put in a test certificate.</summary>
public sealed record CertSpec
{
    public string CommonName { get; init; } = "leaf.example.com";

    public KeyKind Key { get; init; } = KeyKind.EcP256;

    public string[] DnsNames { get; init; } = [];

    public string[] IpAddresses { get; init; } = [];

    public bool IsCa { get; init; }

    public DateTimeOffset NotBefore { get; init; } = TestPki.Now.AddDays(-10);

    public DateTimeOffset NotAfter { get; init; } = TestPki.Now.AddDays(80);

    public HashAlgorithmName Hash { get; init; } = HashAlgorithmName.SHA256;

    /// <summary>Certify this key instead of making a new one (a re-issued CA certificate).</summary>
    public TestKey? ExistingKey { get; init; }

    /// <summary>Leave out the subject key identifier and, on issued certificates, the authority key identifier.</summary>
    public bool NoKeyIdentifiers { get; init; }
}

/// <summary>Makes CA → intermediate → leaf chains at test time.</summary>
public static class TestPki
{
    /// <summary>A fixed "now" so that tests that pass asOf are independent of the clock.</summary>
    public static readonly DateTimeOffset Now = new(2030, 6, 15, 12, 0, 0, TimeSpan.Zero);

    public static TestCert Root(string name = "Test Root CA", KeyKind key = KeyKind.EcP256, CertSpec? spec = null) =>
        Issue((spec ?? new CertSpec()) with { CommonName = name, Key = key, IsCa = true, NotBefore = Now.AddYears(-5), NotAfter = Now.AddYears(10) }, issuer: null);

    public static TestCert Intermediate(TestCert issuer, string name = "Test Intermediate CA", KeyKind key = KeyKind.EcP256, CertSpec? spec = null) =>
        Issue((spec ?? new CertSpec { NotBefore = Now.AddYears(-1), NotAfter = Now.AddYears(3) }) with { CommonName = name, Key = key, IsCa = true }, issuer);

    public static TestCert Leaf(TestCert issuer, params string[] dnsNames) =>
        Issue(new CertSpec { CommonName = dnsNames.FirstOrDefault() ?? "leaf", DnsNames = dnsNames }, issuer);

    /// <summary>Issues a certificate by <paramref name="issuer"/>, or a self-signed one when it is null.</summary>
    public static TestCert Issue(CertSpec spec, TestCert? issuer)
    {
        var key = spec.ExistingKey ?? new TestKey(spec.Key);
        var subject = new X500DistinguishedName($"CN={spec.CommonName}");
        var request = new CertificateRequest(subject, key.PublicKey, spec.Hash);
        if (spec.IsCa)
        {
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        }
        else
        {
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        }

        if (!spec.NoKeyIdentifiers)
        {
            request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(key.PublicKey, false));
            if (issuer is not null)
            {
                request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer.Certificate, true, false));
            }
        }

        if (spec.DnsNames.Length > 0 || spec.IpAddresses.Length > 0)
        {
            var san = new SubjectAlternativeNameBuilder();
            foreach (var name in spec.DnsNames)
            {
                san.AddDnsName(name);
            }

            foreach (var address in spec.IpAddresses)
            {
                san.AddIpAddress(IPAddress.Parse(address));
            }

            request.CertificateExtensions.Add(san.Build());
        }

        var signer = issuer?.Key ?? key;
        var issuerName = issuer?.Certificate.SubjectName ?? subject;
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7F;
        var notAfter = issuer is null || spec.NotAfter < issuer.Certificate.NotAfter ? spec.NotAfter : new DateTimeOffset(issuer.Certificate.NotAfter);
        var certificate = request.Create(issuerName, signer.SignatureGenerator(spec.Hash), spec.NotBefore, notAfter, serial);
        return new TestCert(certificate, key);
    }

    /// <summary>A copy of <paramref name="certificate"/> whose signature has one bit flipped.</summary>
    public static X509Certificate2 WithBrokenSignature(X509Certificate2 certificate)
    {
        var der = certificate.RawData;
        der[^1] ^= 0x01;
        return X509CertificateLoader.LoadCertificate(der);
    }

    public static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    public static string Pem(params X509Certificate2[] certificates) =>
        string.Concat(certificates.Select(c => c.ExportCertificatePem() + "\n"));

    public static string Pem(params TestCert[] certificates) => Pem(certificates.Select(c => c.Certificate).ToArray());

    /// <summary>A PFX with an Ed25519 key, which only BouncyCastle can write.</summary>
    public static byte[] Ed25519Pfx(TestCert leaf, string password, params TestCert[] chain)
    {
        var store = new Pkcs12StoreBuilder().Build();
        var parser = new Org.BouncyCastle.X509.X509CertificateParser();
        var entries = new[] { leaf }.Concat(chain)
            .Select(c => new X509CertificateEntry(parser.ReadCertificate(c.Certificate.RawData)))
            .ToArray();
        store.SetKeyEntry("leaf", new AsymmetricKeyEntry(leaf.Key.BouncyCastlePrivateKey()), entries);
        using var stream = new MemoryStream();
        store.Save(stream, password.ToCharArray(), new SecureRandom());
        return stream.ToArray();
    }
}
