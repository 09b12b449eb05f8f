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
public sealed record TlsReference(
    string Source,
    string Kind,
    string Namespace,
    string Name,
    string? Listener,
    string? SecretNamespace,
    string? SecretName,
    IReadOnlyList<string> Hosts,
    CertificateFinding? ReferenceIssue = null)
{
    public string? SecretKey => SecretName is null ? null : SecretNamespace + "/" + SecretName;
}
