using System.Security.Cryptography.X509Certificates;

namespace IngressCerts.Engine.Certificates;

/// <summary>
/// What a TLS secret holds, read and checked for form only: its certificates (without private
/// keys), which one is the leaf, whether the key matches it, and what made it unusable.
/// Holds no private key material: the key is read, compared and wiped during parsing.
/// </summary>
/// <remarks>
/// Certificates are read without the platform; the <see cref="X509Certificate2"/> objects of
/// <see cref="Certificates"/>, <see cref="Leaf"/>, <see cref="Chain"/> and <see cref="CaCertificates"/> are made when
/// first asked for. Disposing releases those that were made.
/// </remarks>
public sealed class ParsedTlsSecret : IDisposable
{
    private readonly OrderedChain? ordered;

    internal ParsedTlsSecret(
        IReadOnlyList<CertificateInfo> certificates,
        OrderedChain? ordered,
        PublicKeyIdentity? key,
        IReadOnlyList<CertificateInfo> caCertificates,
        IReadOnlyList<CertificateFinding> problems,
        string? keyPossessionProblem = null,
        SecretFields? fields = null)
    {
        this.ordered = ordered;
        Fields = fields ?? SecretFields.Tls;
        CertificateInfos = certificates;
        CaCertificateInfos = caCertificates;
        Key = key;
        Problems = problems;
        KeyPossessionProblem = keyPossessionProblem;
        KeyMatchesLeaf = key is null || ordered is null ? null : key.Matches(ordered.Leaf.PublicKey) && keyPossessionProblem is null;
    }

    /// <summary>The certificates of tls.crt in the order they are listed.</summary>
    public IReadOnlyList<X509Certificate2> Certificates => CertificateInfos.Select(c => c.Certificate).ToArray();

    /// <summary>The end-entity certificate, or null when tls.crt holds none that could be read.</summary>
    public X509Certificate2? Leaf => ordered?.Leaf.Certificate;

    /// <summary>
    /// Every certificate of tls.crt, leaf first and each followed by its issuer; certificates
    /// that are not on the leaf's chain come last, in their listed order.
    /// </summary>
    public IReadOnlyList<X509Certificate2> Chain => ordered is null ? [] : ordered.All.Select(c => c.Certificate).ToArray();

    /// <summary>tls.crt lists the leaf first and each next certificate issues the one before, with nothing else.</summary>
    public bool IsInOrder => ordered?.IsInOrder ?? false;

    /// <summary>
    /// True when tls.key was read and holds the leaf's key; null when either is missing. Compares public halves only,
    /// unless the secret was parsed with the key's possession proven (Test-IngressCertificate does, the inventory does not).
    /// </summary>
    public bool? KeyMatchesLeaf { get; }

    /// <summary>The algorithm of the key in tls.key, or null when it could not be read.</summary>
    public KeyAlgorithm? KeyAlgorithm => Key?.Algorithm;

    /// <summary>The certificates of ca.crt (used by controllers for client authentication, not for the served chain).</summary>
    public IReadOnlyList<X509Certificate2> CaCertificates => CaCertificateInfos.Select(c => c.Certificate).ToArray();

    /// <summary>Where the certificate, key and CA bundle were read from (tls.crt, tls.key, ca.crt; Istio's cert, key, cacert; a Route's spec.tls fields).</summary>
    public SecretFields Fields { get; }

    /// <summary>What was found while reading: InvalidSecret problems and notes.</summary>
    public IReadOnlyList<CertificateFinding> Problems { get; }

    internal IReadOnlyList<CertificateInfo> CertificateInfos { get; }

    internal IReadOnlyList<CertificateInfo> CaCertificateInfos { get; }

    internal OrderedChain? Ordered => ordered;

    /// <summary>
    /// Why tls.key, though it has the leaf's public key, is not its working private key (a signature made with it does
    /// not verify); null when it works or was not proven.
    /// </summary>
    internal string? KeyPossessionProblem { get; }

    /// <summary>The public half of tls.key.</summary>
    internal PublicKeyIdentity? Key { get; }

    /// <summary>
    /// Disposes the certificate objects made for tls.crt and ca.crt; asking for them again makes new ones, but objects
    /// handed out before (also through <see cref="CertificateFacts"/>) are unusable afterwards.
    /// </summary>
    /// <remarks>Not for a secret parsed with a <see cref="CertificateCache"/>: its certificates are shared.</remarks>
    public void Dispose()
    {
        foreach (var certificate in CertificateInfos.Concat(CaCertificateInfos))
        {
            certificate.ReleaseCertificate();
        }
    }

    public override string ToString() =>
        ordered is null
            ? $"TLS secret without a readable certificate ({Problems.Count} problems)"
            : $"TLS secret for {ordered.Leaf.Subject} ({CertificateInfos.Count} certificates, {Problems.Count} problems)";
}
