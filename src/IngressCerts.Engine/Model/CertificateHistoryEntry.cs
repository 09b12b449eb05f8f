namespace IngressCerts;

/// <summary>
/// One previous certificate of a Secret, as Get-IngressCertificateHistory lists it: what it was, when it was put
/// aside and by which write. Holds no key material.
/// </summary>
public sealed class CertificateHistoryEntry
{
    public string Context { get; init; } = string.Empty;

    public string Namespace { get; init; } = string.Empty;

    /// <summary>The Secret whose history this is.</summary>
    public string SecretName { get; init; } = string.Empty;

    /// <summary>The history entry's own Secret name.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>The certificate's thumbprint: what Undo-IngressCertificate -Thumbprint takes. Null when tls.crt holds none.</summary>
    public string? Thumbprint { get; init; }

    public DateTime? NotAfter { get; init; }

    /// <summary>When the certificate was put into history (UTC).</summary>
    public DateTime? ArchivedAt { get; init; }

    /// <summary>The id of the publish or undo whose write archived it (as in the Secret's publish record); null when not known.</summary>
    public string? ArchivedBy { get; init; }

    public override string ToString() => $"{Namespace}/{Name} {Thumbprint}";
}
