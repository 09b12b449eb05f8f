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
/// parsed as a Secret's tls.crt/tls.key would be when the object was read (so no key is kept); null when it has none.</param>
/// <param name="Notes">Findings about the reference that do not change the status (<see cref="CertificateStatus.Valid"/>).
/// A reference with neither a Secret nor an inline certificate whose notes say the controller holds none (passthrough, a
/// controller's own ACME: <see cref="HeldElsewhere"/>) has nothing to check: its notes are its whole evaluation; any
/// other such reference is served the default certificate, its notes beside that finding.</param>
/// <param name="ClientCaSecretName">For a server that validates client certificates against a CA bundle (Istio's
/// MUTUAL mode): the Secret, in <paramref name="SecretNamespace"/>, the bundle is read from when the certificate's own
/// Secret holds none (Istio's "&lt;credentialName&gt;-cacert"); null when the server asks for no client certificates.</param>
/// <param name="ClientCa">That Secret as read (found, missing or forbidden), attached before the reference is evaluated.</param>
/// <param name="Group">The object's API group when the kind alone does not say it (an Istio Gateway, a Traefik
/// IngressRoute of the older traefik.containo.us); null: <see cref="ApiGroups.DefaultFor"/> the kind.</param>
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
    ParsedSecret? Inline = null,
    IReadOnlyList<CertificateFinding>? Notes = null,
    string? ClientCaSecretName = null,
    ParsedSecret? ClientCa = null,
    string? Group = null)
{
    /// <summary>The object's API group: networking.k8s.io for an Ingress, gateway.networking.k8s.io or networking.istio.io for a Gateway, ...</summary>
    public string ApiGroup => Group ?? ApiGroups.DefaultFor(Kind);

    public string? SecretKey => SecretName is null ? null : SecretNamespace + "/" + SecretName;

    /// <summary>
    /// Which keys of its Secret the object's controller reads: Istio's order for an Istio Gateway's server, tls.* for
    /// every other controller's kinds (Ingress, Gateway API, Traefik, Contour, a Route's externalCertificate); none in
    /// particular for a Secret listed on its own.
    /// </summary>
    public SecretReading Reading => ApiGroup == ApiGroups.Istio ? SecretReading.Istio
        : Kind == "Secret" ? SecretReading.Unspecified
        : SecretReading.Tls;

    /// <summary>
    /// Why the controller holds no certificate for this reference, when that is so (passthrough to the backend; a
    /// controller's own ACME or mesh certificate): the note that says it, which is then all there is to judge. Null
    /// when the controller should hold a certificate (a reference with neither a Secret nor an inline certificate is
    /// then served the default one).
    /// </summary>
    public CertificateFinding? HeldElsewhere => SecretName is null && Inline is null
        ? Notes?.FirstOrDefault(n => n.Id is FindingIds.Passthrough or FindingIds.ControllerManagedCertificate)
        : null;

    /// <summary>The prefix of the labels IngressCerts puts on the Secrets it makes for itself (history, requests).</summary>
    public const string ModuleLabelPrefix = "ingresscerts.io/";

    /// <summary>
    /// A kubernetes.io/tls Secret that nothing refers to (-IncludeUnreferenced): Kind Secret, named after it, with no
    /// hosts (none asks for it) and a note that says why it is listed.
    /// </summary>
    public static TlsReference Unreferenced(string source, string secretNamespace, string secretName) =>
        new(source, "Secret", secretNamespace, secretName, null, secretNamespace, secretName, Array.Empty<string>(),
            new CertificateFinding(FindingIds.Unreferenced, CertificateStatus.Valid,
                $"secret '{secretNamespace}/{secretName}' is a kubernetes.io/tls Secret that no Ingress or Gateway refers to"));

    /// <summary>True for a Secret the module made for itself (a history entry, a pending request): not a certificate in use or forgotten.</summary>
    public static bool IsModuleSecret(IDictionary<string, string>? labels) =>
        labels is not null && labels.Keys.Any(k => k.StartsWith(ModuleLabelPrefix, StringComparison.Ordinal));
}
