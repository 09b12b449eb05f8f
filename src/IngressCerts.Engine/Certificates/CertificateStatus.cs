namespace IngressCerts.Engine.Certificates;

/// <summary>
/// The state of the certificate behind one Ingress TLS entry, most severe first:
/// a lower value is worse, so the status of several findings is their minimum.
/// </summary>
/// <remarks>
/// <see cref="DefaultCertificate"/> sits right below the two states in which the referenced
/// secret cannot be looked at and above <see cref="InvalidSecret"/>: like a missing secret,
/// it means the hosts are served with the controller's own certificate, never one from this
/// Ingress, so clients get a certificate that (almost always) does not name them. It ranks
/// below <see cref="SecretNotFound"/> and <see cref="Forbidden"/> because it may be deliberate
/// (a controller configured with a wildcard default certificate), while a reference to a
/// secret that is missing or unreadable is always a mistake or an unknown.
/// </remarks>
public enum CertificateStatus
{
    /// <summary>The TLS entry names a secret that does not exist.</summary>
    SecretNotFound = 0,

    /// <summary>The secret could not be read (no permission): its state is unknown.</summary>
    Forbidden = 1,

    /// <summary>The TLS entry lists hosts but no secret: the controller serves its default certificate.</summary>
    DefaultCertificate = 2,

    /// <summary>tls.crt or tls.key is missing, not decodable, not a certificate, or the key is encrypted.</summary>
    InvalidSecret = 3,

    /// <summary>tls.key is not the private key of the leaf certificate.</summary>
    KeyMismatch = 4,

    Expired = 5,

    NotYetValid = 6,

    /// <summary>A listed host is not covered by the certificate's subject alternative names.</summary>
    HostMismatch = 7,

    /// <summary>tls.crt is out of order, lacks an intermediate, or a signature in it does not verify.</summary>
    IncompleteChain = 8,

    /// <summary>The certificate (or an intermediate) expires within the configured number of days.</summary>
    Expiring = 9,

    Valid = 10,
}

/// <summary>Severity comparisons for <see cref="CertificateStatus"/>.</summary>
public static class CertificateStatusSeverity
{
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
