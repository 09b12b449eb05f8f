using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IngressCerts;

/// <summary>
/// One TLS reference (an Ingress spec.tls[] entry or a Gateway listener certificateRef) and what the certificate
/// behind it looks like. Output of Get-IngressCertificate; its property names are the parameter names of
/// Publish-IngressCertificate and Test-IngressCertificate so it pipes into them.
/// </summary>
public sealed class IngressCertificate
{
    /// <summary>The kube context, or the manifest file for offline input.</summary>
    public string Context { get; init; } = string.Empty;

    public string Namespace { get; init; } = string.Empty;

    /// <summary>Ingress, Gateway, Route, IngressRoute, HTTPProxy, or Secret for an unreferenced Secret.</summary>
    public string Kind { get; init; } = string.Empty;

    /// <summary>
    /// The API group of <see cref="Kind"/>, which tells a Gateway API Gateway (gateway.networking.k8s.io) from an
    /// Istio one (networking.istio.io); empty for a Secret (the core group). Unset: the usual group of the kind.
    /// </summary>
    public string ApiGroup
    {
        get => apiGroup ?? Engine.Inventory.ApiGroups.DefaultFor(Kind);
        init => apiGroup = value;
    }

    private readonly string? apiGroup;

    public string Name { get; init; } = string.Empty;

    /// <summary>The Gateway listener name; empty for an Ingress.</summary>
    public string? Listener { get; init; }

    public string? SecretNamespace { get; init; }

    public string? SecretName { get; init; }

    public StringList Hosts { get; init; } = StringList.Empty;

    /// <summary>The status of the most severe finding; Valid when none lowers it.</summary>
    public string Status { get; set; } = string.Empty;

    /// <summary>Every finding, worst first; -Status selects a reference when any of them has that status.</summary>
    /// <remarks>
    /// A method, not a property, like <see cref="GetCertificate"/>: ConvertTo-Json walks public properties, and in an
    /// array of results each finding sits at depth 3, past its default depth, so it warns. PowerShell shows the ETS
    /// property Findings instead (IngressCerts.Types.ps1xml): the Ids, each carrying its Status and Message.
    /// </remarks>
    public FindingCollection GetFindings() => Findings;

    internal FindingCollection Findings { get; set; } = FindingCollection.Empty;

    /// <summary>Every finding, in words.</summary>
    public StringList Issues { get; set; } = StringList.Empty;

    public string? Subject { get; set; }

    public StringList DnsNames { get; set; } = StringList.Empty;

    public StringList IPAddresses { get; set; } = StringList.Empty;

    public string? Issuer { get; set; }

    public string? SerialNumber { get; set; }

    public DateTime? NotBefore { get; set; }

    public DateTime? NotAfter { get; set; }

    public int? DaysRemaining { get; set; }

    /// <summary>SHA-1, upper-case hex, as the Cert: drive shows it.</summary>
    public string? Thumbprint { get; set; }

    public string? Sha256Fingerprint { get; set; }

    /// <summary>RSA, ECDSA or Ed25519.</summary>
    public string? KeyAlgorithm { get; set; }

    public int? KeySize { get; set; }

    public string? SignatureAlgorithm { get; set; }

    public int ChainLength { get; set; }

    /// <summary>cert-manager when a cert-manager Certificate manages the Secret, or the Secret carries cert-manager.io/certificate-name; else empty.</summary>
    public string ManagedBy { get; set; } = string.Empty;

    /// <summary>The cert-manager Certificate (in the Secret's namespace) whose spec.secretName is this Secret, or the one
    /// its cert-manager.io/certificate-name annotation names; null when cert-manager does not manage it.</summary>
    public string? CertManagerCertificate { get; set; }

    /// <summary>The Certificate's issuer as Kind/name ("ClusterIssuer/letsencrypt").</summary>
    public string? CertManagerIssuer { get; set; }

    /// <summary>The issuer's API group (cert-manager.io for cert-manager's own issuers).</summary>
    public string? CertManagerIssuerGroup { get; set; }

    /// <summary>The status of the Certificate's Ready condition: True, False or Unknown; null when it has none or the
    /// Certificate could not be read (only the Secret's annotations were).</summary>
    public string? CertManagerReady { get; set; }

    public string? CertManagerReadyReason { get; set; }

    public string? CertManagerReadyMessage { get; set; }

    /// <summary>status.renewalTime of the Certificate (UTC): when cert-manager will renew it.</summary>
    public DateTime? CertManagerRenewalTime { get; set; }

    private X509Certificate2? certificate;
    private X509Certificate2[]? chain;
    private bool certificateSet;
    private bool chainSet;

    /// <summary>The leaf certificate, never with a private key.</summary>
    /// <remarks>
    /// A method, not a property, so that Export-Csv and ConvertTo-Json leave the certificate out (they read every
    /// public property); PowerShell shows it as the hidden property Certificate (IngressCerts.Types.ps1xml).
    /// Made from the scanned bytes when first asked for: most uses of the output never ask for it. Null, like for a
    /// Secret without a readable certificate, in the unlikely case that the platform cannot load what the scan could read.
    /// </remarks>
    public X509Certificate2? GetCertificate()
    {
        try
        {
            if (!certificateSet)
            {
                certificate = Facts?.Certificate;
                certificateSet = true;
            }

            return certificate;
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    /// <summary>The certificates in tls.crt after the leaf (the hidden property Chain in PowerShell).</summary>
    public X509Certificate2[] GetChain()
    {
        try
        {
            if (!chainSet)
            {
                chain = Facts?.Chain.Skip(1).ToArray() ?? Array.Empty<X509Certificate2>();
                chainSet = true;
            }

            return chain ?? Array.Empty<X509Certificate2>();
        }
        catch (CryptographicException)
        {
            return Array.Empty<X509Certificate2>();
        }
    }

    /// <summary>Where <see cref="GetCertificate"/> and <see cref="GetChain"/> come from.</summary>
    internal Engine.Certificates.CertificateFacts? Facts { get; init; }

    public override string ToString() => $"{Namespace}/{Name} {SecretName} {Status}";
}
