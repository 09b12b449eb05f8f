using IngressCerts.Engine.Certificates;

namespace IngressCerts.Engine.Inventory;

/// <summary>
/// One place a certificate is served from: a spec.tls[] entry of an Ingress, or one certificateRefs[] entry of a
/// Gateway listener that terminates TLS.
/// </summary>
/// <param name="Source">The kube context, or the manifest file the object came from.</param>
/// <param name="ReferenceIssue">Why the reference cannot be used as written (a cross-namespace reference no
/// ReferenceGrant allows: <see cref="FindingIds.ReferenceNotPermitted"/>; a certificateRef that is no core Secret);
/// null when it can.</param>
/// <param name="Inline">The certificate the object carries itself (an OpenShift Route's spec.tls.certificate and key),
/// evaluated as a Secret's tls.crt/tls.key would be; null when it has none.</param>
/// <param name="Notes">Findings about the reference that do not change the status (<see cref="CertificateStatus.Valid"/>).
/// A reference with notes and neither a Secret nor an inline certificate has no certificate to check at all
/// (passthrough, a controller's own ACME): its notes are its whole evaluation, not the default-certificate finding.</param>
public sealed record TlsReference(
    string Source,
    string Kind,
    string Namespace,
    string Name,
    string? Listener,
    string? SecretNamespace,
    string? SecretName,
    IReadOnlyList<string> Hosts,
    CertificateFinding? ReferenceIssue = null,
    SecretLookup? Inline = null,
    IReadOnlyList<CertificateFinding>? Notes = null)
{
    public string? SecretKey => SecretName is null ? null : SecretNamespace + "/" + SecretName;
}
