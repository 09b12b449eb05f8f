using System.Security.Cryptography.X509Certificates;

namespace IngressCerts.Engine.Certificates;

/// <summary>
/// What a TLS secret holds, read and checked for form only: its certificates (without private
/// keys), which one is the leaf, whether the key matches it, and what made it unusable.
/// Holds no private key material: the key is read, compared and wiped during parsing.
/// </summary>
/// <remarks>
/// Disposing releases the certificates' native handles at once. A scan that keeps none of
/// them (nor the <see cref="CertificateFacts"/> made from them, which share them) should
/// dispose: leaving thousands of certificates to the finalizer costs more than parsing them.
/// </remarks>
public sealed class ParsedTlsSecret : IDisposable
{
    private readonly OrderedChain? ordered;

    internal ParsedTlsSecret(
        IReadOnlyList<CertificateInfo> certificates,
        OrderedChain? ordered,
        PublicKeyIdentity? key,
        IReadOnlyList<X509Certificate2> caCertificates,
        IReadOnlyList<CertificateFinding> problems)
    {
        this.ordered = ordered;
        CertificateInfos = certificates;
        Key = key;
        Certificates = certificates.Select(c => c.Certificate).ToArray();
        Chain = ordered is null ? [] : ordered.All.Select(c => c.Certificate).ToArray();
        CaCertificates = caCertificates;
        Problems = problems;
        KeyMatchesLeaf = key is null || ordered is null ? null : key.Matches(ordered.Leaf.PublicKey);
    }

    /// <summary>The certificates of tls.crt in the order they are listed.</summary>
    public IReadOnlyList<X509Certificate2> Certificates { get; }

    /// <summary>The end-entity certificate, or null when tls.crt holds none that could be read.</summary>
    public X509Certificate2? Leaf => ordered?.Leaf.Certificate;

    /// <summary>
    /// Every certificate of tls.crt, leaf first and each followed by its issuer; certificates
    /// that are not on the leaf's chain come last, in their listed order.
    /// </summary>
    public IReadOnlyList<X509Certificate2> Chain { get; }

    /// <summary>tls.crt lists the leaf first and each next certificate issues the one before, with nothing else.</summary>
    public bool IsInOrder => ordered?.IsInOrder ?? false;

    /// <summary>True when tls.key was read and holds the leaf's key; null when either is missing.</summary>
    public bool? KeyMatchesLeaf { get; }

    /// <summary>The algorithm of the key in tls.key, or null when it could not be read.</summary>
    public KeyAlgorithm? KeyAlgorithm => Key?.Algorithm;

    /// <summary>The certificates of ca.crt (used by controllers for client authentication, not for the served chain).</summary>
    public IReadOnlyList<X509Certificate2> CaCertificates { get; }

    /// <summary>What was found while reading: InvalidSecret problems and notes.</summary>
    public IReadOnlyList<CertificateFinding> Problems { get; }

    internal IReadOnlyList<CertificateInfo> CertificateInfos { get; }

    internal OrderedChain? Ordered => ordered;

    /// <summary>The public half of tls.key.</summary>
    internal PublicKeyIdentity? Key { get; }

    /// <summary>Disposes every certificate of tls.crt and ca.crt; they (and facts made from them) are unusable afterwards.</summary>
    /// <remarks>Not for a secret parsed with a <see cref="CertificateCache"/>: its certificates are shared.</remarks>
    public void Dispose()
    {
        foreach (var certificate in Certificates.Concat(CaCertificates))
        {
            certificate.Dispose();
        }
    }

    public override string ToString() =>
        Leaf is null
            ? $"TLS secret without a readable certificate ({Problems.Count} problems)"
            : $"TLS secret for {Leaf.Subject} ({Certificates.Count} certificates, {Problems.Count} problems)";
}
