using IngressCerts.Engine.Certificates;

namespace IngressCerts.Engine.Sync;

/// <summary>The actions Sync-IngressCertificate reports.</summary>
public enum SyncAction
{
    Unchanged,
    Renewed,
    Created,
    Requested,
    Skipped,
    Failed,
    RolledBack,
}

/// <summary>What to do with one reference, and why.</summary>
public sealed record SyncDecision(SyncAction Action, string Reason)
{
    /// <summary>True when a certificate is to be obtained and published (Renewed or Created).</summary>
    public bool IsDue => Action is SyncAction.Renewed or SyncAction.Created;
}

/// <summary>
/// Decides per reference from what Get-IngressCertificate found: renew what is due or broken, create what is missing,
/// and leave alone (saying why) what another system manages, what names no Secret, what Publish cannot wire, and
/// what is fine.
/// </summary>
public static class SyncPlanner
{
    /// <summary>The default -RenewWithinDays.</summary>
    public const int DefaultRenewWithinDays = 30;

    public static SyncDecision Plan(IngressCertificate reference, int renewWithinDays, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(reference);
        if (string.IsNullOrEmpty(reference.SecretName) || reference.Status == nameof(CertificateStatus.DefaultCertificate))
        {
            return Skip("No secretName: the controller serves its default certificate for these hosts; name a Secret in the Ingress to have Sync manage it.");
        }

        if (reference.Kind is not ("Ingress" or "Gateway"))
        {
            return Skip($"{reference.Kind} references are not renewed: Publish wires only Ingresses and Gateway listeners.");
        }

        if (!string.IsNullOrEmpty(reference.ManagedBy))
        {
            return Skip($"Managed by {reference.ManagedBy}, which renews it.");
        }

        switch (reference.Status)
        {
            case nameof(CertificateStatus.SecretNotFound):
                return new SyncDecision(SyncAction.Created, $"Secret {reference.SecretName} does not exist.");
            case nameof(CertificateStatus.Forbidden):
                return Skip($"Secret {reference.SecretName} could not be read (Forbidden): its state is unknown.");
            case nameof(CertificateStatus.Expired):
                return Renew($"Expired on {reference.NotAfter:yyyy-MM-dd}.");
            case nameof(CertificateStatus.KeyMismatch):
                return Renew("tls.key is not the certificate's key.");
            case nameof(CertificateStatus.InvalidSecret):
                return Renew("The Secret holds no usable certificate and key.");
        }

        var uncovered = reference.GetFindings().Where(f => f.Id == FindingIds.HostMismatch).ToList();
        if (uncovered.Count > 0)
        {
            return Renew($"A host is not covered: {string.Join(" ", uncovered.Select(f => f.Message))}");
        }

        if (reference.NotAfter is { } notAfter && new DateTimeOffset(DateTime.SpecifyKind(notAfter, DateTimeKind.Utc)) <= now.AddDays(renewWithinDays))
        {
            return Renew($"Expires on {notAfter:yyyy-MM-dd}, within {renewWithinDays} day(s).");
        }

        return new SyncDecision(SyncAction.Unchanged, reference.NotAfter is { } until
            ? $"Valid until {until:yyyy-MM-dd}, outside the {renewWithinDays}-day window."
            : $"Status {reference.Status}: nothing to renew.");
    }

    /// <summary>
    /// Whether the certificate the Secret holds now (read again under the Lease) still needs the work planned: another
    /// run may have renewed it since the inventory was taken.
    /// </summary>
    public static bool StillDue(System.Security.Cryptography.X509Certificates.X509Certificate2? current, bool? keyMatches, IEnumerable<string> hosts, int renewWithinDays, DateTimeOffset now)
    {
        if (current is null || keyMatches == false)
        {
            return true;
        }

        if (current.NotAfter.ToUniversalTime() <= now.AddDays(renewWithinDays).UtcDateTime || current.NotBefore.ToUniversalTime() > now.UtcDateTime)
        {
            return true;
        }

        return hosts.Any(h => !HostMatcher.IsCovered(h, current));
    }

    private static SyncDecision Skip(string reason) => new(SyncAction.Skipped, reason);

    private static SyncDecision Renew(string reason) => new(SyncAction.Renewed, reason);
}
