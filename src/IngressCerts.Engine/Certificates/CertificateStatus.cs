namespace IngressCerts.Engine.Certificates;

/// <summary>
/// The state of the certificate behind one Ingress TLS entry, most severe first:
/// a lower value is worse, so the status of several findings is their minimum.
/// </summary>
/// <remarks>
/// <see cref="DefaultCertificate"/> sits right below the three states in which the referenced
/// secret is not served or cannot be looked at and above <see cref="InvalidSecret"/>: like a missing secret,
/// it means the hosts are served with the controller's own certificate, never one from this
/// Ingress, so clients get a certificate that (almost always) does not name them. It ranks
/// below <see cref="SecretNotFound"/> and <see cref="Forbidden"/> because it may be deliberate
/// (a controller configured with a wildcard default certificate), while a reference to a
/// secret that is missing or unreadable is always a mistake or an unknown.
/// <see cref="NoTls"/> sits right below <see cref="DefaultCertificate"/>: in both the hosts get no certificate of
/// their own, and both may be deliberate (an HTTP listener that only redirects to HTTPS). It ranks below it because a
/// plain-HTTP host was never meant to have a certificate, while a TLS entry without a Secret asked for one and got the
/// controller's; and above every state of a certificate that exists, which it has none of.
/// <see cref="UntrustedRoot"/> sits right below <see cref="IncompleteChain"/>: the chain is the one to
/// serve, but clients that lack its root reject it.
/// </remarks>
public enum CertificateStatus
{
    /// <summary>The TLS entry names a secret that does not exist.</summary>
    SecretNotFound = 0,

    /// <summary>
    /// A Gateway listener names a Secret in another namespace and no ReferenceGrant there lets it: the Gateway does
    /// not use the Secret, whatever it holds.
    /// </summary>
    ReferenceNotPermitted = 1,

    /// <summary>The secret could not be read (no permission): its state is unknown.</summary>
    Forbidden = 2,

    /// <summary>The TLS entry lists hosts but no secret: the controller serves its default certificate.</summary>
    DefaultCertificate = 3,

    /// <summary>
    /// Hosts that an Ingress rule or a Gateway HTTP listener serves with no TLS at all (only with -IncludeUnprotected):
    /// no certificate is involved, so none of the states below can apply.
    /// </summary>
    NoTls = 4,

    /// <summary>tls.crt or tls.key is missing, not decodable, not a certificate, or the key is encrypted.</summary>
    InvalidSecret = 5,

    /// <summary>tls.key is not the private key of the leaf certificate.</summary>
    KeyMismatch = 6,

    Expired = 7,

    NotYetValid = 8,

    /// <summary>A listed host is not covered by the certificate's subject alternative names.</summary>
    HostMismatch = 9,

    /// <summary>
    /// The leaf's issuer is neither in tls.crt nor trusted, tls.crt is out of order, or a signature in it does not
    /// verify.
    /// </summary>
    IncompleteChain = 10,

    /// <summary>
    /// tls.crt holds the whole chain up to a root (in tls.crt, in ca.crt, or only named) that is not trusted here: a
    /// private CA's chain, complete, that clients trust only where its root is installed.
    /// </summary>
    UntrustedRoot = 11,

    /// <summary>The certificate (or an intermediate) expires within the configured number of days.</summary>
    Expiring = 12,

    Valid = 13,
}

/// <summary>Severity comparisons for <see cref="CertificateStatus"/>.</summary>
public static class CertificateStatusSeverity
{
    // Enum.ToString boxes and looks the name up, for every result of a scan; the values run from 0 without gaps.
    private static readonly string[] Names = Enum.GetValues<CertificateStatus>().Order().Select(s => s.ToString()).ToArray();

    /// <summary>The status's name, as users see and filter it.</summary>
    public static string Name(this CertificateStatus status) =>
        (uint)status < (uint)Names.Length ? Names[(int)status] : status.ToString();

    /// <summary>True when <paramref name="status"/> is worse than <paramref name="other"/>.</summary>
    public static bool IsMoreSevereThan(this CertificateStatus status, CertificateStatus other) => status < other;

    /// <summary>The worse of two statuses.</summary>
    public static CertificateStatus MostSevere(CertificateStatus a, CertificateStatus b) => a < b ? a : b;

    /// <summary>The worst of several statuses; <see cref="CertificateStatus.Valid"/> for none.</summary>
    public static CertificateStatus MostSevere(IEnumerable<CertificateStatus> statuses)
    {
        var worst = CertificateStatus.Valid;
        foreach (var status in statuses)
        {
            if (status < worst)
            {
                worst = status;
            }
        }

        return worst;
    }
}
