namespace IngressCerts.Engine.Certificates;

/// <summary>
/// One thing found about a TLS secret, in words that name the host or certificate concerned.
/// </summary>
/// <param name="Id">A stable identifier (one of <see cref="FindingIds"/>) for filtering and tests.</param>
/// <param name="Status">
/// The status this finding imposes; <see cref="CertificateStatus.Valid"/> for a note that is
/// reported without changing the status (self-signed leaf, weak key, SHA-1 signature, ...).
/// </param>
/// <param name="Message">The finding in words. Never holds key material.</param>
public sealed record CertificateFinding(string Id, CertificateStatus Status, string Message)
{
    /// <summary>True for a note that does not change the status.</summary>
    public bool IsNote => Status == CertificateStatus.Valid;

    public override string ToString() => Message;
}

/// <summary>Stable identifiers of <see cref="CertificateFinding"/>s.</summary>
public static class FindingIds
{
    public const string SecretNotFound = nameof(SecretNotFound);
    public const string ReferenceNotPermitted = nameof(ReferenceNotPermitted);

    /// <summary>A Gateway certificateRef to something other than a core Secret, which is not analysed.</summary>
    public const string UnsupportedCertificateRef = nameof(UnsupportedCertificateRef);

    /// <summary>
    /// The controller rejects the object's TLS settings as written and serves nothing for its hosts (Contour's
    /// TLSConfigNotValid: an HTTPProxy tls with neither secretName nor passthrough); reported at the severity of
    /// <see cref="CertificateStatus.SecretNotFound"/>, as a reference whose Secret is missing, which Contour treats alike.
    /// </summary>
    public const string TlsConfigNotValid = nameof(TlsConfigNotValid);
    public const string Forbidden = nameof(Forbidden);
    public const string DefaultCertificate = nameof(DefaultCertificate);

    /// <summary>Hosts served over plain HTTP (an -IncludeUnprotected row).</summary>
    public const string NoTls = nameof(NoTls);

    // InvalidSecret
    public const string MissingCertificate = nameof(MissingCertificate);
    public const string MissingKey = nameof(MissingKey);
    public const string UndecodableCertificate = nameof(UndecodableCertificate);
    public const string NotACertificate = nameof(NotACertificate);
    public const string UndecodableKey = nameof(UndecodableKey);
    public const string EncryptedKey = nameof(EncryptedKey);
    public const string UnsupportedKey = nameof(UnsupportedKey);

    /// <summary>The Secret's data could not be read as a map of base64 values.</summary>
    public const string InvalidSecretData = nameof(InvalidSecretData);

    public const string KeyMismatch = nameof(KeyMismatch);
    public const string Expired = nameof(Expired);
    public const string NotYetValid = nameof(NotYetValid);
    public const string HostMismatch = nameof(HostMismatch);

    // IncompleteChain
    public const string ChainOutOfOrder = nameof(ChainOutOfOrder);
    public const string MissingIssuer = nameof(MissingIssuer);
    public const string BadSignature = nameof(BadSignature);
    public const string InvalidChain = nameof(InvalidChain);

    /// <summary>The chain is complete up to a root (or an issuer it only names) that is not trusted.</summary>
    public const string UntrustedRoot = nameof(UntrustedRoot);

    public const string Expiring = nameof(Expiring);

    // Notes: reported without changing the status.
    public const string SelfSignedLeaf = nameof(SelfSignedLeaf);
    public const string WeakRsaKey = nameof(WeakRsaKey);
    public const string WeakSignatureAlgorithm = nameof(WeakSignatureAlgorithm);
    public const string KeyInCertificateFile = nameof(KeyInCertificateFile);
    public const string UnreadableCaCertificate = nameof(UnreadableCaCertificate);
    public const string NotTlsType = nameof(NotTlsType);

    /// <summary>A kubernetes.io/tls Secret that no Ingress or Gateway refers to (an -IncludeUnreferenced row).</summary>
    public const string Unreferenced = nameof(Unreferenced);

    /// <summary>The certificate is written into the object itself (an OpenShift Route's spec.tls), not in a Secret.</summary>
    public const string InlineCertificate = nameof(InlineCertificate);

    /// <summary>TLS passes through to the backend: the router or gateway holds no certificate for these hosts.</summary>
    public const string Passthrough = nameof(Passthrough);

    /// <summary>The controller obtains the certificate itself (Traefik's certResolver, ACME): no Secret to read.</summary>
    public const string ControllerManagedCertificate = nameof(ControllerManagedCertificate);

    /// <summary>The server asks clients for certificates and checks them against a CA (Contour's clientValidation, Istio's MUTUAL mode).</summary>
    public const string ClientValidation = nameof(ClientValidation);

    /// <summary>A host matcher that is a pattern (Traefik HostRegexp): not listed among the hosts, not checked.</summary>
    public const string HostPattern = nameof(HostPattern);
}
