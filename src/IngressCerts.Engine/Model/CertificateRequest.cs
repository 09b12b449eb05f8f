namespace IngressCerts;

/// <summary>
/// What New-IngressCertificateRequest made: the CSR to send to a CA, and where its key waits in the cluster. The key
/// itself is never part of it. Csr binds by property name to tools that take a CSR (Posh-ACME's -CSRString).
/// PowerShell sees it as IngressCerts.CertificateRequest (<see cref="PSTypeName"/>); the C# name differs so that it never
/// hides System.Security.Cryptography.X509Certificates.CertificateRequest in the IngressCerts namespaces.
/// </summary>
public sealed class CertificateSigningRequest
{
    /// <summary>The type name New-IngressCertificateRequest gives its output in PowerShell.</summary>
    public const string PSTypeName = "IngressCerts.CertificateRequest";

    public string Context { get; init; } = string.Empty;

    public string Namespace { get; init; } = string.Empty;

    public string SecretName { get; init; } = string.Empty;

    public string? IngressName { get; init; }

    /// <summary>The Gateway whose listeners Complete-IngressCertificateRequest wires, when the request names one.</summary>
    public string? GatewayName { get; init; }

    public string? GatewayNamespace { get; init; }

    /// <summary>The Gateway listener to wire; null: those whose hostname covers the hosts.</summary>
    public string? ListenerName { get; init; }

    /// <summary>Whether Complete creates or extends the ReferenceGrant the Gateway needs.</summary>
    public bool GrantReference { get; init; }

    public StringList Hosts { get; init; } = StringList.Empty;

    public string Subject { get; init; } = string.Empty;

    /// <summary>RSA or ECDSA.</summary>
    public string KeyAlgorithm { get; init; } = string.Empty;

    /// <summary>The RSA modulus length, or the ECDSA curve's size (256 for P-256, 384 for P-384).</summary>
    public int KeySize { get; init; }

    /// <summary>The PKCS#10 request, PEM.</summary>
    public string Csr { get; init; } = string.Empty;

    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>The Secret (type ingresscerts.io/pending-key, in Namespace) that holds the key until the certificate comes.</summary>
    public string PendingSecretName { get; init; } = string.Empty;

    /// <summary>SHA-256 of the new public key's SubjectPublicKeyInfo, hex: how the issued certificate finds its request.</summary>
    public string PublicKeySha256 { get; init; } = string.Empty;

    public override string ToString() => $"{Namespace}/{SecretName} request ({KeyAlgorithm} {KeySize})";
}

/// <summary>A request that waits for its certificate, as Get-IngressCertificateRequest lists it (never its key).</summary>
public sealed class PendingCertificateRequest
{
    public string Context { get; init; } = string.Empty;

    public string Namespace { get; init; } = string.Empty;

    public string SecretName { get; init; } = string.Empty;

    public string? IngressName { get; init; }

    /// <summary>The Gateway whose listeners Complete-IngressCertificateRequest wires, when the request names one.</summary>
    public string? GatewayName { get; init; }

    public string? GatewayNamespace { get; init; }

    /// <summary>The Gateway listener to wire; null: those whose hostname covers the hosts.</summary>
    public string? ListenerName { get; init; }

    /// <summary>Whether Complete creates or extends the ReferenceGrant the Gateway needs.</summary>
    public bool GrantReference { get; init; }

    public StringList Hosts { get; init; } = StringList.Empty;

    public string Subject { get; init; } = string.Empty;

    public string KeyAlgorithm { get; init; } = string.Empty;

    public int KeySize { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>How long the request has been waiting.</summary>
    public TimeSpan Age { get; init; }

    public string PendingSecretName { get; init; } = string.Empty;

    public string PublicKeySha256 { get; init; } = string.Empty;

    /// <summary>The CSR as it was made, to send again.</summary>
    public string Csr { get; init; } = string.Empty;

    public override string ToString() => $"{Namespace}/{SecretName} pending ({KeyAlgorithm} {KeySize})";
}
