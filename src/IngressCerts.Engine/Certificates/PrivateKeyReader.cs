using System.Buffers;
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
        for (var i = 0; i < scan.Blocks.Count; i++)
        {
            var block = scan.Blocks[i];
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

        // Decoded into a pooled buffer (a scan reads thousands of keys), wiped before it goes back.
        var buffer = ArrayPool<byte>.Shared.Rent(PemScanner.MaxDecodedLength(found));
        try
        {
            return PemScanner.TryDecode(data, found, buffer, out var written)
                ? ReadFormat(buffer.AsMemory(0, written), format, source, keepPkcs8)
                : Fail(FindingIds.UndecodableKey, $"{source}: the {found.Label} block is not valid base64");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(buffer);
            ArrayPool<byte>.Shared.Return(buffer);
        }
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

        try
        {
            return format == KeyFormat.Unsupported
                ? Fail(FindingIds.UndecodableKey, $"{source} is neither a PEM private key nor a DER one")
                : ReadFormat(der, format, source, keepPkcs8);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(der);
        }
    }

    /// <summary>Reads <paramref name="der"/> as a key of the given format; the caller wipes it.</summary>
    private static PrivateKeyReadResult ReadFormat(ReadOnlyMemory<byte> der, KeyFormat format, string source, bool keepPkcs8)
    {
        try
        {
            var (publicKey, problem) = format switch
            {
                KeyFormat.Pkcs1 => (RsaFromPkcs1(der.Span), null),
                KeyFormat.Sec1 => (EcFromSec1(der.Span, curveOid: null), null),
                _ => FromPkcs8(der.Span, source),
            };
            if (problem is not null)
            {
                return Fail(problem.Value.Id, problem.Value.Message);
            }

            // Reading the public half straight from the structure is several times faster than
            // importing the key into the platform (OpenSSL validates RSA keys on import), which
            // matters when a scan reads thousands of keys. The platform is only asked when the
            // structure lacks the public half (a SEC1 key without its optional public key) or
            // when PKCS#8 must be produced from another format.
            byte[]? pkcs8 = null;
            if (publicKey is null || (keepPkcs8 && format != KeyFormat.Pkcs8))
            {
                using var key = ImportIntoPlatform(der.Span, format, publicKey?.Algorithm);
                publicKey ??= key is RSA rsa ? PublicKeyIdentity.FromRsa(rsa) : PublicKeyIdentity.FromEcdsa((ECDsa)key);
                pkcs8 = keepPkcs8 ? key.ExportPkcs8PrivateKey() : null;
            }
            else if (keepPkcs8)
            {
                pkcs8 = der.ToArray();
            }

            return Success(publicKey, pkcs8);
        }
        catch (Exception e) when (e is CryptographicException or AsnContentException or ArgumentException or InvalidCastException)
        {
            // The exception's text is not passed on: it is generic, and nothing of the key belongs in a message.
            return Fail(FindingIds.UndecodableKey, $"{source} is not a readable {Describe(format)} private key");
        }
    }

    private static AsymmetricAlgorithm ImportIntoPlatform(ReadOnlySpan<byte> der, KeyFormat format, KeyAlgorithm? algorithm)
    {
        if (format == KeyFormat.Pkcs1 || algorithm == KeyAlgorithm.RSA || (format == KeyFormat.Pkcs8 && Pkcs8Algorithm(der) == PublicKeyIdentity.RsaOid))
        {
            var rsa = RSA.Create();
            try
            {
                if (format == KeyFormat.Pkcs1)
                {
                    rsa.ImportRSAPrivateKey(der, out _);
                }
                else
                {
                    rsa.ImportPkcs8PrivateKey(der, out _);
                }

                return rsa;
            }
            catch
            {
                rsa.Dispose();
                throw;
            }
        }

        var ecdsa = ECDsa.Create();
        try
        {
            if (format == KeyFormat.Sec1)
            {
                ecdsa.ImportECPrivateKey(der, out _);
            }
            else
            {
                ecdsa.ImportPkcs8PrivateKey(der, out _);
            }

            return ecdsa;
        }
        catch
        {
            ecdsa.Dispose();
            throw;
        }
    }

    /// <summary>RSAPrivateKey ::= SEQUENCE { version, modulus, publicExponent, privateExponent, ... }</summary>
    private static PublicKeyIdentity RsaFromPkcs1(ReadOnlySpan<byte> pkcs1)
    {
        var sequence = new SpanAsnReader(pkcs1, AsnEncodingRules.BER).ReadSequence();
        sequence.ReadIntegerBytes();
        var modulus = sequence.ReadIntegerBytes();
        var exponent = sequence.ReadIntegerBytes();
        return PublicKeyIdentity.FromRsaParameters(modulus, exponent);
    }

    /// <summary>
    /// ECPrivateKey ::= SEQUENCE { version, OCTET STRING privateKey, [0] curve OPTIONAL, [1] BIT STRING publicKey OPTIONAL };
    /// null when the public key is absent or compressed.
    /// </summary>
    private static PublicKeyIdentity? EcFromSec1(ReadOnlySpan<byte> sec1, string? curveOid)
    {
        var sequence = new SpanAsnReader(sec1, AsnEncodingRules.BER).ReadSequence();
        sequence.ReadIntegerBytes();
        if (!sequence.TryReadPrimitiveOctetString(out _))
        {
            throw new AsnContentException();
        }

        var parametersTag = new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true);
        var publicKeyTag = new Asn1Tag(TagClass.ContextSpecific, 1, isConstructed: true);
        if (sequence.HasData && sequence.PeekTag().HasSameClassAndValue(parametersTag))
        {
            var parameters = sequence.ReadSequence(parametersTag);
            if (parameters.PeekTag().HasSameClassAndValue(Asn1Tag.ObjectIdentifier))
            {
                curveOid ??= parameters.ReadObjectIdentifier();
            }
        }

        if (!sequence.HasData || !sequence.PeekTag().HasSameClassAndValue(publicKeyTag) || curveOid is null)
        {
            return null;
        }

        var point = sequence.ReadSequence(publicKeyTag).ReadBitString(out _);
        return point.Length > 0 && point[0] == 0x04 ? PublicKeyIdentity.FromEcPoint(curveOid, point) : null;
    }

    /// <summary>PrivateKeyInfo ::= SEQUENCE { version, AlgorithmIdentifier { OID, params }, OCTET STRING privateKey, ... }</summary>
    private static (PublicKeyIdentity? PublicKey, (string Id, string Message)? Problem) FromPkcs8(ReadOnlySpan<byte> der, string source)
    {
        var sequence = new SpanAsnReader(der, AsnEncodingRules.BER).ReadSequence();
        sequence.ReadIntegerBytes();
        var algorithmIdentifier = sequence.ReadSequence();
        var algorithm = algorithmIdentifier.ReadObjectIdentifier();
        if (!sequence.TryReadPrimitiveOctetString(out var privateKey))
        {
            throw new AsnContentException();
        }

        switch (algorithm)
        {
            case PublicKeyIdentity.RsaOid:
                return (RsaFromPkcs1(privateKey), null);

            case PublicKeyIdentity.EcPublicKeyOid:
                var curveOid = algorithmIdentifier.HasData && algorithmIdentifier.PeekTag().HasSameClassAndValue(Asn1Tag.ObjectIdentifier)
                    ? algorithmIdentifier.ReadObjectIdentifier()
                    : null;
                return (EcFromSec1(privateKey, curveOid), null);

            case PublicKeyIdentity.Ed25519Oid:
                // .NET has no Ed25519 key type: derive the public key with BouncyCastle's stateless
                // function straight from the seed, which stays in the caller's buffer (wiped there)
                // instead of being copied into a key object that cannot be wiped.
                if (!new SpanAsnReader(privateKey, AsnEncodingRules.BER).TryReadPrimitiveOctetString(out var seed)
                    || seed.Length != Ed25519.SecretKeySize)
                {
                    return (null, (FindingIds.UndecodableKey, $"{source} is not a readable Ed25519 private key"));
                }

                Span<byte> publicKey = stackalloc byte[Ed25519.PublicKeySize];
                Ed25519.GeneratePublicKey(seed, publicKey);
                return (PublicKeyIdentity.FromEd25519(publicKey), null);

            case Ed448Oid:
                return (null, (FindingIds.UnsupportedKey, $"{source} is an Ed448 key, which ingress controllers do not support"));
            case DsaOid:
                return (null, (FindingIds.UnsupportedKey, $"{source} is a DSA key, which TLS servers no longer use"));
            default:
                return (null, (FindingIds.UnsupportedKey, $"{source} holds a key of unsupported algorithm {algorithm}"));
        }
    }

    internal static string? Pkcs8Algorithm(ReadOnlySpan<byte> der)
    {
        AsnDecoder.ReadSequence(der, AsnEncodingRules.BER, out var offset, out var length, out _);
        var content = der.Slice(offset, length);
        AsnDecoder.ReadIntegerBytes(content, AsnEncodingRules.BER, out var consumed);
        content = content[consumed..];
        AsnDecoder.ReadSequence(content, AsnEncodingRules.BER, out offset, out length, out _);
        return AsnDecoder.ReadObjectIdentifier(content.Slice(offset, length), AsnEncodingRules.BER, out _);
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
