using System.Formats.Asn1;
using System.Security.Cryptography;
using Org.BouncyCastle.Math.EC.Rfc8032;

namespace IngressCerts.Engine.Certificates;

/// <summary>
/// What reading a private key left behind: its public half (to match certificates against)
/// or the reason it could not be used, and, only when asked for, its PKCS#8 encoding.
/// </summary>
internal sealed class PrivateKeyReadResult : IDisposable
{
    private PrivateKeyReadResult(PublicKeyIdentity? publicKey, byte[]? pkcs8, CertificateFinding? problem)
    {
        PublicKey = publicKey;
        Pkcs8 = pkcs8;
        Problem = problem;
    }

    public PublicKeyIdentity? PublicKey { get; }

    /// <summary>Unencrypted PKCS#8 DER of the private key; owned by this object and wiped by <see cref="Dispose"/>.</summary>
    public byte[]? Pkcs8 { get; private set; }

    public CertificateFinding? Problem { get; }

    public static PrivateKeyReadResult Read(PublicKeyIdentity publicKey, byte[]? pkcs8) => new(publicKey, pkcs8, null);

    public static PrivateKeyReadResult Failed(CertificateFinding problem) => new(null, null, problem);

    /// <summary>Hands the PKCS#8 buffer over to the caller, who then must wipe it.</summary>
    public byte[]? TakePkcs8()
    {
        var pkcs8 = Pkcs8;
        Pkcs8 = null;
        return pkcs8;
    }

    public void Dispose()
    {
        if (Pkcs8 is not null)
        {
            CryptographicOperations.ZeroMemory(Pkcs8);
            Pkcs8 = null;
        }
    }
}

/// <summary>
/// Reads a private key in any form a TLS secret may hold: PKCS#1 (<c>RSA PRIVATE KEY</c>),
/// PKCS#8 (<c>PRIVATE KEY</c>: RSA, ECDSA, Ed25519), SEC1 (<c>EC PRIVATE KEY</c>, possibly
/// after an <c>EC PARAMETERS</c> block), or the same as DER. Every decoded buffer is wiped and
/// every key object disposed before returning; messages never quote the key.
/// </summary>
internal static class PrivateKeyReader
{
    private const string Ed448Oid = "1.3.101.113";
    private const string DsaOid = "1.2.840.10040.4.1";

    /// <param name="data">The key file's bytes (PEM or DER).</param>
    /// <param name="source">What to call the key in messages, e.g. "tls.key".</param>
    /// <param name="keepPkcs8">Also return the key as PKCS#8 (for publishing); otherwise only its public half.</param>
    public static PrivateKeyReadResult Read(ReadOnlySpan<byte> data, string source, bool keepPkcs8)
    {
        if (IsBlank(data))
        {
            return Fail(FindingIds.MissingKey, $"{source} is empty");
        }

        if (!PemScanner.ContainsPem(data))
        {
            return ReadDer(data.ToArray(), source, keepPkcs8);
        }

        var scan = PemScanner.Scan(data);
        PemBlock? keyBlock = null;
        foreach (var block in scan.Blocks)
        {
            if (block.Label.EndsWith("PRIVATE KEY", StringComparison.Ordinal))
            {
                keyBlock = block;
                break;
            }
        }

        if (keyBlock is not { } found)
        {
            return scan.HasBrokenBlock
                ? Fail(FindingIds.UndecodableKey, $"{source} holds a broken PEM block (BEGIN without a matching END)")
                : Fail(FindingIds.UndecodableKey, $"{source} holds no private key{DescribeLabels(scan)}");
        }

        if (found.Label == "ENCRYPTED PRIVATE KEY" || found.HasEncryptedHeader)
        {
            return Fail(
                FindingIds.EncryptedKey,
                $"{source} is an encrypted private key ({found.Label}); ingress controllers cannot use an encrypted key, store it unencrypted");
        }

        var format = found.Label switch
        {
            "RSA PRIVATE KEY" => KeyFormat.Pkcs1,
            "EC PRIVATE KEY" => KeyFormat.Sec1,
            "PRIVATE KEY" => KeyFormat.Pkcs8,
            _ => KeyFormat.Unsupported,
        };
        if (format == KeyFormat.Unsupported)
        {
            return Fail(FindingIds.UnsupportedKey, $"{source} holds a key in an unsupported format ({found.Label}); use PKCS#8 (PRIVATE KEY)");
        }

        var der = PemScanner.Decode(data, found);
        if (der is null)
        {
            return Fail(FindingIds.UndecodableKey, $"{source}: the {found.Label} block is not valid base64");
        }

        return ReadFormat(der, format, source, keepPkcs8);
    }

    private static PrivateKeyReadResult ReadDer(byte[] der, string source, bool keepPkcs8)
    {
        KeyFormat format;
        try
        {
            // PKCS#8: SEQUENCE { INTEGER version, SEQUENCE algorithm, ... }
            // PKCS#1: SEQUENCE { INTEGER 0, INTEGER modulus, ... }
            // SEC1:   SEQUENCE { INTEGER 1, OCTET STRING key, ... }
            var sequence = new AsnReader(der, AsnEncodingRules.BER).ReadSequence();
            sequence.ReadIntegerBytes();
            var next = sequence.PeekTag();
            format = next.HasSameClassAndValue(Asn1Tag.Sequence) ? KeyFormat.Pkcs8
                : next.HasSameClassAndValue(Asn1Tag.Integer) ? KeyFormat.Pkcs1
                : next.HasSameClassAndValue(Asn1Tag.PrimitiveOctetString) ? KeyFormat.Sec1
                : KeyFormat.Unsupported;
        }
        catch (AsnContentException)
        {
            format = KeyFormat.Unsupported;
        }

        if (format == KeyFormat.Unsupported)
        {
            CryptographicOperations.ZeroMemory(der);
            return Fail(FindingIds.UndecodableKey, $"{source} is neither a PEM private key nor a DER one");
        }

        return ReadFormat(der, format, source, keepPkcs8);
    }

    /// <summary>Reads <paramref name="der"/> (owned: wiped here) as a key of the given format.</summary>
    private static PrivateKeyReadResult ReadFormat(byte[] der, KeyFormat format, string source, bool keepPkcs8)
    {
        try
        {
            switch (format)
            {
                case KeyFormat.Pkcs1:
                    using (var rsa = RSA.Create())
                    {
                        rsa.ImportRSAPrivateKey(der, out _);
                        return Success(PublicKeyIdentity.FromRsa(rsa), keepPkcs8 ? rsa.ExportPkcs8PrivateKey() : null);
                    }

                case KeyFormat.Sec1:
                    using (var ecdsa = ECDsa.Create())
                    {
                        ecdsa.ImportECPrivateKey(der, out _);
                        return Success(PublicKeyIdentity.FromEcdsa(ecdsa), keepPkcs8 ? ecdsa.ExportPkcs8PrivateKey() : null);
                    }

                default:
                    return ReadPkcs8(der, source, keepPkcs8);
            }
        }
        catch (Exception e) when (e is CryptographicException or AsnContentException or ArgumentException)
        {
            // The exception's text is not passed on: it is generic, and nothing of the key belongs in a message.
            return Fail(FindingIds.UndecodableKey, $"{source} is not a readable {Describe(format)} private key");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(der);
        }
    }

    private static PrivateKeyReadResult ReadPkcs8(byte[] der, string source, bool keepPkcs8)
    {
        // PrivateKeyInfo ::= SEQUENCE { version, AlgorithmIdentifier { OID, params }, OCTET STRING privateKey, ... }
        var sequence = new AsnReader(der, AsnEncodingRules.BER).ReadSequence();
        sequence.ReadIntegerBytes();
        var algorithm = sequence.ReadSequence().ReadObjectIdentifier();
        switch (algorithm)
        {
            case PublicKeyIdentity.RsaOid:
                using (var rsa = RSA.Create())
                {
                    rsa.ImportPkcs8PrivateKey(der, out _);
                    return Success(PublicKeyIdentity.FromRsa(rsa), keepPkcs8 ? (byte[])der.Clone() : null);
                }

            case PublicKeyIdentity.EcPublicKeyOid:
                using (var ecdsa = ECDsa.Create())
                {
                    ecdsa.ImportPkcs8PrivateKey(der, out _);
                    return Success(PublicKeyIdentity.FromEcdsa(ecdsa), keepPkcs8 ? (byte[])der.Clone() : null);
                }

            case PublicKeyIdentity.Ed25519Oid:
                // .NET has no Ed25519 key type: derive the public key with BouncyCastle's stateless
                // function straight from the seed, which stays in our buffer (wiped by the caller)
                // instead of being copied into a key object that cannot be wiped.
                if (!sequence.TryReadPrimitiveOctetString(out var privateKey)
                    || !new AsnReader(privateKey, AsnEncodingRules.BER).TryReadPrimitiveOctetString(out var seed)
                    || seed.Length != Ed25519.SecretKeySize)
                {
                    return Fail(FindingIds.UndecodableKey, $"{source} is not a readable Ed25519 private key");
                }

                Span<byte> publicKey = stackalloc byte[Ed25519.PublicKeySize];
                Ed25519.GeneratePublicKey(seed.Span, publicKey);
                return Success(PublicKeyIdentity.FromEd25519(publicKey), keepPkcs8 ? (byte[])der.Clone() : null);

            case Ed448Oid:
                return Fail(FindingIds.UnsupportedKey, $"{source} is an Ed448 key, which ingress controllers do not support");
            case DsaOid:
                return Fail(FindingIds.UnsupportedKey, $"{source} is a DSA key, which TLS 1.2+ servers do not support");
            default:
                return Fail(FindingIds.UnsupportedKey, $"{source} holds a key of unsupported algorithm {algorithm}");
        }
    }

    private static PrivateKeyReadResult Success(PublicKeyIdentity publicKey, byte[]? pkcs8) => PrivateKeyReadResult.Read(publicKey, pkcs8);

    private static PrivateKeyReadResult Fail(string id, string message) =>
        PrivateKeyReadResult.Failed(new CertificateFinding(id, CertificateStatus.InvalidSecret, message));

    private static string Describe(KeyFormat format) => format switch
    {
        KeyFormat.Pkcs1 => "PKCS#1 (RSA PRIVATE KEY)",
        KeyFormat.Sec1 => "SEC1 (EC PRIVATE KEY)",
        _ => "PKCS#8 (PRIVATE KEY)",
    };

    private static string DescribeLabels(PemScan scan) =>
        scan.Blocks.Count == 0 ? string.Empty : $" (found: {string.Join(", ", scan.Blocks.Select(b => b.Label).Distinct())})";

    internal static bool IsBlank(ReadOnlySpan<byte> data)
    {
        foreach (var b in data)
        {
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
            {
                return false;
            }
        }

        return true;
    }

    private enum KeyFormat
    {
        Unsupported,
        Pkcs1,
        Pkcs8,
        Sec1,
    }
}
