using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IngressCerts.Engine.Certificates;

/// <summary>
/// The public half of a key pair in a normalised form, so that a private key and a
/// certificate can be compared without keeping the private key: RSA modulus and exponent,
/// the curve and uncompressed point for ECDSA, the 32 raw bytes for Ed25519.
/// </summary>
internal sealed class PublicKeyIdentity
{
    internal const string RsaOid = "1.2.840.113549.1.1.1";
    internal const string RsaPssOid = "1.2.840.113549.1.1.10";
    internal const string EcPublicKeyOid = "1.2.840.10045.2.1";
    internal const string Ed25519Oid = "1.3.101.112";

    private static readonly PublicKeyIdentity UnknownKey = new(KeyAlgorithm.Unknown, 0, null, []);

    // RSA: modulus then exponent, each without leading zeros (lengths differ for different keys, and
    // the exponent is compared too). ECDSA: 0x04 || X || Y. Ed25519: the raw public key.
    private readonly byte[] value;

    private PublicKeyIdentity(KeyAlgorithm algorithm, int keySize, string? curveName, byte[] value)
    {
        Algorithm = algorithm;
        KeySize = keySize;
        CurveName = curveName;
        this.value = value;
    }

    public KeyAlgorithm Algorithm { get; }

    /// <summary>Bits: RSA modulus length, curve size, 256 for Ed25519.</summary>
    public int KeySize { get; }

    /// <summary>P-256, P-384, P-521, ... for ECDSA; null otherwise.</summary>
    public string? CurveName { get; }

    /// <summary>"RSA 2048", "ECDSA P-256", "Ed25519".</summary>
    public string Description => Algorithm switch
    {
        KeyAlgorithm.RSA => $"RSA {KeySize}",
        KeyAlgorithm.ECDSA => $"ECDSA {CurveName}",
        KeyAlgorithm.Ed25519 => "Ed25519",
        _ => "an unsupported key type",
    };

    public bool Matches(PublicKeyIdentity other) =>
        Algorithm != KeyAlgorithm.Unknown
        && Algorithm == other.Algorithm
        && KeySize == other.KeySize
        && CurveName == other.CurveName
        && value.AsSpan().SequenceEqual(other.value);

    public static PublicKeyIdentity FromCertificate(X509Certificate2 certificate)
    {
        try
        {
            var publicKey = certificate.PublicKey;
            var identity = FromEncoded(publicKey.Oid.Value, publicKey.EncodedParameters?.RawData ?? [], publicKey.EncodedKeyValue.RawData);
            if (identity is not null)
            {
                return identity;
            }

            // A compressed point (rare): let the platform expand it.
            using var ecdsa = certificate.GetECDsaPublicKey();
            return ecdsa is null ? UnknownKey : FromEcdsa(ecdsa);
        }
        catch (Exception e) when (e is CryptographicException or AsnContentException or ArgumentException)
        {
            return UnknownKey;
        }
    }

    /// <summary>
    /// From the parts of a SubjectPublicKeyInfo: the algorithm OID, its encoded parameters (empty when absent) and the
    /// key bits. Null for an EC key whose point is compressed, which only the platform can expand.
    /// </summary>
    public static PublicKeyIdentity? FromEncoded(string? algorithmOid, ReadOnlySpan<byte> parameters, byte[] key)
    {
        try
        {
            switch (algorithmOid)
            {
                case RsaOid or RsaPssOid:
                    return FromRsaPublicKey(key);
                case EcPublicKeyOid:
                    var curveOid = AsnDecoder.ReadObjectIdentifier(parameters, AsnEncodingRules.DER, out _);
                    return key.Length > 0 && key[0] == 0x04 ? FromEcPoint(curveOid, key) : null;
                case Ed25519Oid:
                    return FromEd25519(key);
                default:
                    return UnknownKey;
            }
        }
        catch (Exception e) when (e is CryptographicException or AsnContentException or ArgumentException)
        {
            return UnknownKey;
        }
    }

    public static PublicKeyIdentity FromRsa(RSA rsa) => FromRsaPublicKey(rsa.ExportRSAPublicKey());

    public static PublicKeyIdentity FromEcdsa(ECDsa ecdsa)
    {
        var parameters = ecdsa.ExportParameters(includePrivateParameters: false);
        var curveOid = CurveOid(parameters.Curve);
        var x = parameters.Q.X ?? [];
        var y = parameters.Q.Y ?? [];
        var point = new byte[1 + x.Length + y.Length];
        point[0] = 0x04;
        x.CopyTo(point, 1);
        y.CopyTo(point, 1 + x.Length);
        return FromEcPoint(curveOid, point);
    }

    public static PublicKeyIdentity FromEd25519(ReadOnlySpan<byte> publicKey) =>
        publicKey.Length == 32 ? new PublicKeyIdentity(KeyAlgorithm.Ed25519, 256, null, publicKey.ToArray()) : UnknownKey;

    /// <summary>From a PKCS#1 RSAPublicKey (SEQUENCE of modulus and exponent).</summary>
    private static PublicKeyIdentity FromRsaPublicKey(byte[] rsaPublicKey)
    {
        var sequence = new AsnReader(rsaPublicKey, AsnEncodingRules.BER).ReadSequence();
        var modulus = sequence.ReadIntegerBytes();
        var exponent = sequence.ReadIntegerBytes();
        return FromRsaParameters(modulus.Span, exponent.Span);
    }

    /// <summary>From the big-endian modulus and public exponent (leading zeros allowed).</summary>
    public static PublicKeyIdentity FromRsaParameters(ReadOnlySpan<byte> modulus, ReadOnlySpan<byte> exponent)
    {
        modulus = TrimLeadingZeros(modulus);
        exponent = TrimLeadingZeros(exponent);
        if (modulus.IsEmpty || (modulus.Length == 1 && modulus[0] == 0))
        {
            return UnknownKey;
        }

        var keySize = ((modulus.Length - 1) * 8) + (32 - System.Numerics.BitOperations.LeadingZeroCount((uint)modulus[0]));
        return new PublicKeyIdentity(KeyAlgorithm.RSA, keySize, null, [.. modulus, .. exponent]);
    }

    /// <summary>From a curve OID and an uncompressed point (0x04 || X || Y).</summary>
    public static PublicKeyIdentity FromEcPoint(string? curveOid, byte[] uncompressedPoint)
    {
        var (name, size) = curveOid switch
        {
            "1.2.840.10045.3.1.7" => ("P-256", 256),
            "1.3.132.0.34" => ("P-384", 384),
            "1.3.132.0.35" => ("P-521", 521),
            "1.3.132.0.10" => ("secp256k1", 256),
            null => ("unnamed curve", (uncompressedPoint.Length - 1) / 2 * 8),
            _ => (curveOid, (uncompressedPoint.Length - 1) / 2 * 8),
        };
        return new PublicKeyIdentity(KeyAlgorithm.ECDSA, size, name, uncompressedPoint);
    }

    private static string? CurveOid(ECCurve curve)
    {
        if (curve.Oid?.Value is { Length: > 0 } value)
        {
            return value;
        }

        // Some platforms name the curve only by its friendly name.
        return curve.Oid?.FriendlyName switch
        {
            "nistP256" or "ECDSA_P256" or "secp256r1" or "prime256v1" => "1.2.840.10045.3.1.7",
            "nistP384" or "ECDSA_P384" or "secp384r1" => "1.3.132.0.34",
            "nistP521" or "ECDSA_P521" or "secp521r1" => "1.3.132.0.35",
            "secp256k1" => "1.3.132.0.10",
            _ => null,
        };
    }

    private static ReadOnlySpan<byte> TrimLeadingZeros(ReadOnlySpan<byte> integer)
    {
        var start = 0;
        while (start < integer.Length - 1 && integer[start] == 0)
        {
            start++;
        }

        return integer[start..];
    }
}
