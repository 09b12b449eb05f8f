using IngressCerts.Engine.Certificates;

namespace IngressCerts.Engine.Inventory;

/// <summary>The commands that need a reference to name a Secret, as <see cref="SecretlessReference"/> speaks to them.</summary>
public enum SecretWriter
{
    /// <summary>Sync-IngressCertificate: skips the reference.</summary>
    Sync,

    /// <summary>Publish-IngressCertificate: refuses a piped row without one.</summary>
    Publish,

    /// <summary>New-IngressCertificateRequest: refuses a piped row without one.</summary>
    Request,
}

/// <summary>
/// Why a reference names no Secret, said in one place for every command that needs one: TLS passed through to the
/// backend, a certificate inline in the object, a controller that obtains its own (Traefik's certResolver, Istio's
/// mesh), or, for the rest, the controller's default certificate. Decided from the kind and the reference's finding
/// ids, which is what a piped inventory row carries.
/// </summary>
public static class SecretlessReference
{
    /// <summary>The reason as a clause that starts in lower case (it follows "No Secret to publish to: ") and ends in a period.</summary>
    public static string Why(string kind, IEnumerable<string>? findingIds, SecretWriter writer)
    {
        var ids = new HashSet<string>(findingIds ?? [], StringComparer.Ordinal);
        string what = string.IsNullOrEmpty(kind) ? "object" : kind;
        if (ids.Contains(FindingIds.Passthrough))
        {
            return $"passthrough: TLS ends at the backend, which holds the certificate; the {what} holds none, so there is nothing here to renew.";
        }

        if (ids.Contains(FindingIds.InlineCertificate))
        {
            string who = writer switch
            {
                SecretWriter.Sync => "Sync",
                SecretWriter.Publish => "Publish",
                _ => "Complete-IngressCertificateRequest",
            };
            return $"the certificate is inline in the {what}'s spec.tls, not in a Secret, and {who} does not write spec.tls: renew it in the {what}.";
        }

        if (ids.Contains(FindingIds.ControllerManagedCertificate))
        {
            return kind == "IngressRoute"
                ? "Traefik's ACME certResolver obtains and renews this certificate; Traefik keeps it, in no Secret."
                : $"the controller provides this certificate itself (the mesh's own, or files in its pod), not from a Secret the {what} names.";
        }

        return writer == SecretWriter.Sync
            ? $"no secretName: the controller serves its default certificate for these hosts; name a Secret in the {what} to have Sync manage it."
            : "this TLS entry names no secretName (the controller serves its default certificate). Give -SecretName, and -IngressName to wire it.";
    }
}
