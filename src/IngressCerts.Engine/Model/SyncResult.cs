namespace IngressCerts;

/// <summary>What Sync-IngressCertificate did with one TLS reference.</summary>
public sealed class SyncResult
{
    /// <summary>The PowerShell type name of the result (its format view).</summary>
    public const string PSTypeName = "IngressCerts.SyncResult";

    public string Context { get; init; } = string.Empty;

    public string Namespace { get; init; } = string.Empty;

    public string Kind { get; init; } = string.Empty;

    public string Name { get; init; } = string.Empty;

    public string? SecretName { get; init; }

    public StringList Hosts { get; init; } = StringList.Empty;

    /// <summary>
    /// Unchanged, Renewed, Created, Requested, Skipped, Failed or RolledBack. Requested: a renewal was asked for and is
    /// pending elsewhere, at the CA (-Issuer returned nothing yet) or at cert-manager (-RenewCertManager set the
    /// Certificate's Issuing condition; the Secret, cert-manager's to write, is unchanged).
    /// </summary>
    public string Action { get; init; } = string.Empty;

    /// <summary>Why this action: what made the reference due, why it was skipped, or why it failed.</summary>
    public string Reason { get; init; } = string.Empty;

    public string? PreviousThumbprint { get; init; }

    public string? Thumbprint { get; init; }

    public DateTime? NotAfter { get; init; }

    /// <summary>With -Verify: whether every host served the new certificate; null when not checked.</summary>
    public bool? Verified { get; init; }

    /// <summary>The ErrorId of the error written for this reference when it failed.</summary>
    public string? ErrorId { get; init; }

    public override string ToString() => $"{Namespace}/{Name} {SecretName} {Action}";
}
