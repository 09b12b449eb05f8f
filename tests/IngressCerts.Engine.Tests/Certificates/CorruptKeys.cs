using System.Formats.Asn1;
using System.Security.Cryptography;

namespace IngressCerts.Engine.Tests.Certificates;

/// <summary>Which part of an RSA private key <see cref="CorruptKeys.Rsa"/> changes.</summary>
public enum RsaPart
{
    D,
    P,
    Q,
    DP,
    DQ,
    InverseQ,
}

/// <summary>
/// PKCS#8 keys that carry a certificate's public half with a private part that does not belong to it, written
/// with AsnWriter (the platform refuses to export such keys). Nothing is written to disk.
/// </summary>
public static class CorruptKeys
{
    /// <summary>An EC key with <paramref name="key"/>'s public point and <paramref name="foreign"/>'s private scalar.</summary>
    public static byte[] EcWithForeignScalar(ECDsa key, ECDsa foreign)
    {
        var parameters = key.ExportParameters(includePrivateParameters: false);
        var scalar = foreign.ExportParameters(includePrivateParameters: true).D!;
        var point = new byte[1 + parameters.Q.X!.Length + parameters.Q.Y!.Length];
        point[0] = 0x04;
        parameters.Q.X.CopyTo(point, 1);
        parameters.Q.Y.CopyTo(point, 1 + parameters.Q.X.Length);

        // ECPrivateKey ::= SEQUENCE { version 1, privateKey OCTET STRING, [1] publicKey BIT STRING }
        var ecPrivateKey = new AsnWriter(AsnEncodingRules.DER);
        using (ecPrivateKey.PushSequence())
        {
            ecPrivateKey.WriteInteger(1);
            ecPrivateKey.WriteOctetString(scalar);
            using (ecPrivateKey.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 1, isConstructed: true)))
            {
                ecPrivateKey.WriteBitString(point);
            }
        }

        return PrivateKeyInfo("1.2.840.10045.2.1", parameters.Curve.Oid.Value!, ecPrivateKey.Encode());
    }

    /// <summary>An RSA key with <paramref name="key"/>'s n and e and one private part changed.</summary>
    public static byte[] Rsa(RSA key, RsaPart part)
    {
        var p = key.ExportParameters(includePrivateParameters: true);
        byte[] Changed(byte[] value)
        {
            var copy = (byte[])value.Clone();
            copy[copy.Length / 2] ^= 0x5A;
            return copy;
        }

        var d = part == RsaPart.D ? Changed(p.D!) : p.D!;
        var primeP = part == RsaPart.P ? Changed(p.P!) : p.P!;
        var primeQ = part == RsaPart.Q ? Changed(p.Q!) : p.Q!;
        var dp = part == RsaPart.DP ? Changed(p.DP!) : p.DP!;
        var dq = part == RsaPart.DQ ? Changed(p.DQ!) : p.DQ!;
        var qInv = part == RsaPart.InverseQ ? Changed(p.InverseQ!) : p.InverseQ!;

        // RSAPrivateKey ::= SEQUENCE { version, n, e, d, p, q, dP, dQ, qInv }
        var rsaPrivateKey = new AsnWriter(AsnEncodingRules.DER);
        using (rsaPrivateKey.PushSequence())
        {
            rsaPrivateKey.WriteInteger(0);
            foreach (var value in new[] { p.Modulus!, p.Exponent!, d, primeP, primeQ, dp, dq, qInv })
            {
                rsaPrivateKey.WriteIntegerUnsigned(WithoutLeadingZeros(value));
            }
        }

        return PrivateKeyInfo("1.2.840.113549.1.1.1", null, rsaPrivateKey.Encode());
    }

    /// <summary>The platform exports fixed-length values, which may start with zero bytes that DER does not allow.</summary>
    private static ReadOnlySpan<byte> WithoutLeadingZeros(byte[] value)
    {
        var start = 0;
        while (start < value.Length - 1 && value[start] == 0)
        {
            start++;
        }

        return value.AsSpan(start);
    }

    public static string Pem(byte[] pkcs8) => PemEncoding.WriteString("PRIVATE KEY", pkcs8);

    private static byte[] PrivateKeyInfo(string algorithm, string? curve, byte[] privateKey)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteInteger(0);
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier(algorithm);
                if (curve is null)
                {
                    writer.WriteNull();
                }
                else
                {
                    writer.WriteObjectIdentifier(curve);
                }
            }

            writer.WriteOctetString(privateKey);
        }

        return writer.Encode();
    }
}
