using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math.EC.Rfc8032;
using BcBigInteger = Org.BouncyCastle.Math.BigInteger;

namespace IngressCerts.Engine.Certificates;

/// <summary>
/// Proves that a private key is the working private half of a certificate's public key: it signs a fresh
/// challenge and the certificate's public key verifies the signature. Comparing public halves is not enough:
/// a PKCS#8 key carries its public half as data, so a key with the certificate's modulus or point and a corrupt
/// private part passes that comparison, and a TLS server then fails every handshake or refuses to load it.
/// </summary>
/// <remarks>
/// RSA is checked twice: once through the platform (which uses the CRT parts p, q, dP, dQ, qInv, and on Linux
/// refuses an inconsistent key on import), and once with the private exponent d alone through BouncyCastle's RSA
/// engine, since platforms that sign with the CRT parts never touch d, while servers such as Go's or BoringSSL's
/// check it when they load the key. Costs a few milliseconds a key: Publish and Test do it, the inventory does not.
/// </remarks>
internal static class KeyPossession
{
    /// <summary>Checks a key file (PEM or DER; PKCS#1, PKCS#8 or SEC1) against <paramref name="certificate"/>.</summary>
    /// <returns>Null when the key works; otherwise why not, in words that never quote the key.</returns>
    /// <param name="keyName">What to call the key in messages.</param>
    public static string? Check(ReadOnlySpan<byte> keyFile, X509Certificate2 certificate, string keyName = TlsSecretParser.PrivateKeyDataKey)
    {
        using var read = PrivateKeyReader.Read(keyFile, keyName, keepPkcs8: true);
        if (read.Pkcs8 is not { } pkcs8)
        {
            // The platform refused the key (PKCS#1 and SEC1 are converted through it), or it is unreadable.
            return read.Problem?.Message ?? "the key could not be read";
        }

        return CheckPkcs8(pkcs8, certificate);
    }

    /// <summary>Checks an unencrypted PKCS#8 key against <paramref name="certificate"/>; the caller keeps and wipes the buffer.</summary>
    /// <inheritdoc cref="Check(ReadOnlySpan{byte}, X509Certificate2, string)"/>
    public static string? CheckPkcs8(ReadOnlySpan<byte> pkcs8, X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        Span<byte> challenge = stackalloc byte[32];
        RandomNumberGenerator.Fill(challenge);
        try
        {
            return PrivateKeyReader.Pkcs8Algorithm(pkcs8) switch
            {
                PublicKeyIdentity.RsaOid => CheckRsa(pkcs8, certificate, challenge),
                PublicKeyIdentity.EcPublicKeyOid => CheckEcdsa(pkcs8, certificate, challenge),
                PublicKeyIdentity.Ed25519Oid => CheckEd25519(pkcs8, certificate, challenge),
                _ => "its algorithm cannot be checked",
            };
        }
        catch (Exception e) when (e is CryptographicException or AsnContentException or ArgumentException or InvalidOperationException)
        {
            // The platform's text is generic and may describe the key's parts: it is not passed on.
            return "its private part is inconsistent: the key cannot be used to sign";
        }
    }

    private static string? CheckRsa(ReadOnlySpan<byte> pkcs8, X509Certificate2 certificate, ReadOnlySpan<byte> challenge)
    {
        using var publicKey = certificate.GetRSAPublicKey();
        if (publicKey is null)
        {
            return "the certificate's public key is not RSA";
        }

        using (var rsa = RSA.Create())
        {
            try
            {
                rsa.ImportPkcs8PrivateKey(pkcs8, out _);
            }
            catch (CryptographicException)
            {
                return "its private parts do not fit together (the platform refuses the key)";
            }

            var signature = rsa.SignData(challenge, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            if (!publicKey.VerifyData(challenge, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
            {
                return "a signature made with it does not verify with the certificate's public key";
            }
        }

        return PrivateExponentWorks(pkcs8)
            ? null
            : "its private exponent (d) does not fit its public key: servers that check the key refuse it";
    }

    /// <summary>Raw RSA with d alone on a fresh challenge: (m^d)^e mod n must give m back.</summary>
    internal static bool PrivateExponentWorks(ReadOnlySpan<byte> pkcs8)
    {
        Span<byte> challenge = stackalloc byte[32];
        RandomNumberGenerator.Fill(challenge);
        // PrivateKeyInfo { version, algorithm, OCTET STRING RSAPrivateKey { version, n, e, d, ... } }
        BcBigInteger modulus, exponent, privateExponent;
        var copy = pkcs8.ToArray();
        try
        {
            var rsaKey = new AsnReader(InnerPrivateKey(copy), AsnEncodingRules.BER).ReadSequence();
            rsaKey.ReadIntegerBytes();
            modulus = new BcBigInteger(1, rsaKey.ReadIntegerBytes().Span);
            exponent = new BcBigInteger(1, rsaKey.ReadIntegerBytes().Span);

            // BouncyCastle's number cannot be wiped; it is dropped as soon as the check is done.
            privateExponent = new BcBigInteger(1, rsaKey.ReadIntegerBytes().Span);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(copy);
        }

        // The challenge as a number below n (32 bytes are far below any RSA modulus in use).
        var message = new BcBigInteger(1, challenge.ToArray());
        if (message.CompareTo(modulus) >= 0)
        {
            return false;
        }

        var signer = new RsaEngine();
        signer.Init(true, new RsaKeyParameters(true, modulus, privateExponent));
        var input = message.ToByteArrayUnsigned();
        var signature = signer.ProcessBlock(input, 0, input.Length);
        var verifier = new RsaEngine();
        verifier.Init(false, new RsaKeyParameters(false, modulus, exponent));
        var recovered = verifier.ProcessBlock(signature, 0, signature.Length);
        return new BcBigInteger(1, recovered).Equals(message);
    }

    private static string? CheckEcdsa(ReadOnlySpan<byte> pkcs8, X509Certificate2 certificate, ReadOnlySpan<byte> challenge)
    {
        using var publicKey = certificate.GetECDsaPublicKey();
        if (publicKey is null)
        {
            return "the certificate's public key is not ECDSA";
        }

        using var ecdsa = ECDsa.Create();
        try
        {
            ecdsa.ImportPkcs8PrivateKey(pkcs8, out _);
        }
        catch (CryptographicException)
        {
            return "its private scalar does not fit its public point (the platform refuses the key)";
        }

        var signature = ecdsa.SignData(challenge, HashAlgorithmName.SHA256);
        return publicKey.VerifyData(challenge, signature, HashAlgorithmName.SHA256)
            ? null
            : "a signature made with it does not verify with the certificate's public key";
    }

    private static string? CheckEd25519(ReadOnlySpan<byte> pkcs8, X509Certificate2 certificate, ReadOnlySpan<byte> challenge)
    {
        var certificateKey = certificate.PublicKey;
        if (certificateKey.Oid.Value != PublicKeyIdentity.Ed25519Oid || certificateKey.EncodedKeyValue.RawData.Length != Ed25519.PublicKeySize)
        {
            return "the certificate's public key is not Ed25519";
        }

        // PrivateKeyInfo { version, algorithm, OCTET STRING { OCTET STRING seed }, ... }
        var signature = new byte[Ed25519.SignatureSize];
        var copy = pkcs8.ToArray();
        try
        {
            if (!new AsnReader(InnerPrivateKey(copy), AsnEncodingRules.BER).TryReadPrimitiveOctetString(out var seed)
                || seed.Length != Ed25519.SecretKeySize)
            {
                throw new AsnContentException();
            }

            Ed25519.Sign(seed.Span, challenge, signature);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(copy);
        }

        return Ed25519.Verify(signature, certificateKey.EncodedKeyValue.RawData, challenge)
            ? null
            : "a signature made with it does not verify with the certificate's public key";
    }

    /// <summary>The privateKey OCTET STRING of a PrivateKeyInfo, as a slice of <paramref name="pkcs8"/>.</summary>
    private static ReadOnlyMemory<byte> InnerPrivateKey(byte[] pkcs8)
    {
        var sequence = new AsnReader(pkcs8, AsnEncodingRules.BER).ReadSequence();
        sequence.ReadIntegerBytes();
        sequence.ReadSequence();
        return sequence.TryReadPrimitiveOctetString(out var privateKey) ? privateKey : throw new AsnContentException();
    }
}
