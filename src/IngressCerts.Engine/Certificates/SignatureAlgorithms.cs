using System.Security.Cryptography;

namespace IngressCerts.Engine.Certificates;

/// <summary>Names and strength of certificate signature algorithms.</summary>
internal static class SignatureAlgorithms
{
    // Our own table rather than Oid.FriendlyName: the platform's names differ between Windows
    // and OpenSSL builds, and it has none for Ed25519.
    private static readonly Dictionary<string, string> Names = new(StringComparer.Ordinal)
    {
        ["1.2.840.113549.1.1.4"] = "md5RSA",
        ["1.2.840.113549.1.1.5"] = "sha1RSA",
        ["1.2.840.113549.1.1.11"] = "sha256RSA",
        ["1.2.840.113549.1.1.12"] = "sha384RSA",
        ["1.2.840.113549.1.1.13"] = "sha512RSA",
        ["1.2.840.113549.1.1.10"] = "RSASSA-PSS",
        ["1.2.840.10045.4.1"] = "sha1ECDSA",
        ["1.2.840.10045.4.3.2"] = "sha256ECDSA",
        ["1.2.840.10045.4.3.3"] = "sha384ECDSA",
        ["1.2.840.10045.4.3.4"] = "sha512ECDSA",
        ["1.3.101.112"] = "Ed25519",
        ["1.3.101.113"] = "Ed448",
        ["1.2.840.10040.4.3"] = "sha1DSA",
    };

    public static string FriendlyName(Oid algorithm) =>
        algorithm.Value is { } value && Names.TryGetValue(value, out var name) ? name : algorithm.FriendlyName ?? algorithm.Value ?? "unknown";

    /// <summary>Our name for the algorithm <paramref name="oid"/>, else the platform's, else the OID itself.</summary>
    public static string FriendlyName(string oid) =>
        Names.TryGetValue(oid, out var name) ? name : FriendlyName(new Oid(oid));

    /// <summary>MD5 and SHA-1 signatures, which browsers reject in a chain.</summary>
    public static bool IsWeak(string oid) =>
        oid is "1.2.840.113549.1.1.4" or "1.2.840.113549.1.1.5" or "1.2.840.10045.4.1" or "1.2.840.10040.4.3"
            or "1.2.840.113549.1.1.2" or "1.2.840.113549.1.1.3"; // md2RSA, md4RSA
}
