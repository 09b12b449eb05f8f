using System.Collections;
using System.Reflection;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IngressCerts.Engine.Tests.Certificates;

/// <summary>Looks through an object graph for a private key's secret bytes.</summary>
public static class KeyMaterialProbe
{
    /// <summary>
    /// The secret part of a test key: RSA's private exponent, ECDSA's scalar, Ed25519's seed, without leading zero
    /// bytes. .NET pads D to the modulus length, but DER writes an INTEGER in its fewest bytes, so for about one key in 512 (a zero byte, then one below 0x80)
    /// the padded value is not a subsequence of the encoded key; the trimmed value always is.
    /// </summary>
    public static byte[] SecretOf(TestKey key) =>
        TrimLeadingZeros(
            key.Rsa is { } rsa ? rsa.ExportParameters(true).D!
            : key.Ecdsa is { } ecdsa ? ecdsa.ExportParameters(true).D!
            : Ed25519Seed(key.Pkcs8Der()));

    private static byte[] TrimLeadingZeros(byte[] value)
    {
        var start = value.AsSpan().IndexOfAnyExcept((byte)0);
        return start <= 0 ? value : value[start..];
    }

    private static byte[] Ed25519Seed(byte[] pkcs8)
    {
        // PrivateKeyInfo { version, algorithm, OCTET STRING { OCTET STRING seed }, [public key] }
        var info = new System.Formats.Asn1.AsnReader(pkcs8, System.Formats.Asn1.AsnEncodingRules.DER).ReadSequence();
        info.ReadInteger();
        info.ReadSequence();
        return new System.Formats.Asn1.AsnReader(info.ReadOctetString(), System.Formats.Asn1.AsnEncodingRules.DER).ReadOctetString();
    }

    /// <summary>Fails when any byte array reachable from <paramref name="root"/> (through this engine's objects and collections) contains <paramref name="secret"/>.</summary>
    public static void AssertNotReachable(object root, byte[] secret)
    {
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<object>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            var current = pending.Pop();
            if (!seen.Add(current) || current is string or X509Certificate2 or Oid or Type or Delegate)
            {
                continue;
            }

            if (current is byte[] bytes)
            {
                Assert.False(bytes.AsSpan().IndexOf(secret) >= 0, "private key bytes are reachable from the result");
                continue;
            }

            if (current is IEnumerable items and not string)
            {
                foreach (var item in items)
                {
                    if (item is not null)
                    {
                        pending.Push(item);
                    }
                }
            }

            var type = current.GetType();
            if (type.Namespace?.StartsWith("IngressCerts", StringComparison.Ordinal) != true && current is not IEnumerable)
            {
                continue;
            }

            for (var t = type; t is not null && t != typeof(object); t = t.BaseType)
            {
                foreach (var field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                {
                    if (!field.FieldType.IsPrimitive && field.GetValue(current) is { } value)
                    {
                        pending.Push(value);
                    }
                }
            }
        }
    }
}
