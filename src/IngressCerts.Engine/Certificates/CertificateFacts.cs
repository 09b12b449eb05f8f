using System.Security.Cryptography.X509Certificates;

namespace IngressCerts.Engine.Certificates;

/// <summary>What a leaf certificate says about itself, for display and output.</summary>
/// <param name="DnsNames">DNS subject alternative names, as written in the certificate.</param>
/// <param name="IPAddresses">IP address subject alternative names, in their usual text form.</param>
/// <param name="SerialNumber">Upper-case hex, as Windows shows it.</param>
/// <param name="NotBefore">Start of validity, UTC.</param>
/// <param name="NotAfter">End of validity, UTC.</param>
/// <param name="DaysRemaining">Whole days from the evaluation time to <paramref name="NotAfter"/>, rounded down; negative once expired.</param>
/// <param name="Thumbprint">SHA-1 of the certificate, upper-case hex (as Windows shows it).</param>
/// <param name="Sha256Fingerprint">SHA-256 of the certificate, upper-case hex.</param>
/// <param name="KeySize">Bits: RSA modulus, curve size for ECDSA, 256 for Ed25519.</param>
/// <param name="SignatureAlgorithm">Friendly name such as <c>sha256RSA</c>, <c>sha384ECDSA</c>, <c>Ed25519</c>.</param>
/// <param name="ChainLength">Certificates in the bundle, the leaf included.</param>
public sealed record CertificateFacts(
    string Subject,
    IReadOnlyList<string> DnsNames,
    IReadOnlyList<string> IPAddresses,
    string Issuer,
    string SerialNumber,
    DateTimeOffset NotBefore,
    DateTimeOffset NotAfter,
    int DaysRemaining,
    string Thumbprint,
    string Sha256Fingerprint,
    KeyAlgorithm KeyAlgorithm,
    int KeySize,
    string SignatureAlgorithm,
    int ChainLength)
{
    private CertificateInfo? leafInfo;
    private IReadOnlyList<CertificateInfo> chainInfos = [];

    /// <summary>The leaf, without private key (made when first asked for, then shared); null for facts made by hand.</summary>
    public X509Certificate2? Certificate => leafInfo?.Certificate;

    /// <summary>The bundle's certificates, leaf first, each followed by its issuer (made when first asked for).</summary>
    public IReadOnlyList<X509Certificate2> Chain => chainInfos.Select(c => c.Certificate).ToArray();

    /// <summary>The bundle as read, leaf first.</summary>
    internal IReadOnlyList<CertificateInfo> ChainInfos => chainInfos;

    /// <summary>Facts of <paramref name="leaf"/>, with <paramref name="chain"/> (leaf first) as its bundle.</summary>
    public static CertificateFacts Create(X509Certificate2 leaf, IReadOnlyList<X509Certificate2> chain, DateTimeOffset asOf) =>
        Create(new CertificateInfo(leaf), chain.Select(c => new CertificateInfo(c)).ToArray(), asOf);

    /// <summary>Facts of <paramref name="leaf"/>, with <paramref name="chain"/> (leaf first) as its bundle.</summary>
    internal static CertificateFacts Create(CertificateInfo leaf, IReadOnlyList<CertificateInfo> chain, DateTimeOffset asOf)
    {
        var key = leaf.PublicKey;
        return new CertificateFacts(
            leaf.Subject,
            leaf.DnsNames,
            leaf.IPAddresses.Count == 0 ? [] : leaf.IPAddresses.Select(a => a.ToString()).ToArray(),
            leaf.Issuer,
            leaf.SerialNumber,
            leaf.NotBefore,
            leaf.NotAfter,
            DaysBetween(asOf, leaf.NotAfter),
            leaf.Thumbprint,
            leaf.Sha256Fingerprint,
            key.Algorithm,
            key.KeySize,
            SignatureAlgorithms.FriendlyName(leaf.SignatureAlgorithmOid),
            chain.Count)
        {
            leafInfo = leaf,
            chainInfos = chain,
        };
    }

    /// <summary>Whole days from <paramref name="from"/> to <paramref name="to"/>, rounded down.</summary>
    internal static int DaysBetween(DateTimeOffset from, DateTimeOffset to) => (int)Math.Floor((to - from).TotalDays);

    public override string ToString() => $"{Subject} (expires {NotAfter:yyyy-MM-dd}, {DaysRemaining} days)";
}
