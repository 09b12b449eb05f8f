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

    /// <summary>
    /// With -RenewCertManager: the Secret is cert-manager's and due or broken, so its Certificate is to be asked to
    /// re-issue (<see cref="CertManagerRenewal"/>); the Action is then Requested. The Secret is never written.
    /// </summary>
    public bool RenewsCertManager { get; init; }
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

    /// <param name="renewCertManager">-RenewCertManager: a due or broken Secret that a cert-manager Certificate manages is
    /// planned as a request to cert-manager (<see cref="SyncDecision.RenewsCertManager"/>) instead of skipped.</param>
    public static SyncDecision Plan(IngressCertificate reference, int renewWithinDays, DateTimeOffset now, bool renewCertManager = false)
    {
        ArgumentNullException.ThrowIfNull(reference);
        if (string.IsNullOrEmpty(reference.SecretName) || reference.Status == nameof(CertificateStatus.DefaultCertificate))
        {
            string why = Inventory.SecretlessReference.Why(reference.Kind, reference.GetFindings().Select(f => f.Id), Inventory.SecretWriter.Sync);
            return Skip(char.ToUpperInvariant(why[0]) + why[1..]);
        }

        if (renewCertManager && reference.CertManagerCertificate is { } certificate)
        {
            return PlanCertManager(reference, certificate, renewWithinDays, now);
        }

        if (Inventory.ApiGroups.IsIstioGateway(reference.Kind, reference.ApiGroup))
        {
            return Skip($"Istio Gateways are not delivered to: Publish to the Secret {reference.SecretNamespace ?? reference.Namespace}/{reference.SecretName} (Publish-IngressCertificate -SecretName, without -GatewayName), which Istio reads by credentialName.");
        }

        if (!(reference.Kind == "Ingress" || Inventory.ApiGroups.IsGatewayApi(reference.Kind, reference.ApiGroup)))
        {
            return Skip($"{reference.Kind} references are not renewed: Publish wires only Ingresses and Gateway listeners.");
        }

        if (!string.IsNullOrEmpty(reference.ManagedBy))
        {
            return Skip($"Managed by {reference.ManagedBy}, which renews it.");
        }

        return Judge(reference, renewWithinDays, now);
    }

    /// <summary>
    /// A Secret cert-manager manages: due or broken (as any other, or its Certificate is Ready=False) is a request to
    /// cert-manager; the rest is left to it, saying when it renews.
    /// </summary>
    private static SyncDecision PlanCertManager(IngressCertificate reference, string certificate, int renewWithinDays, DateTimeOffset now)
    {
        var judged = Judge(reference, renewWithinDays, now);
        string name = $"cert-manager Certificate {reference.SecretNamespace ?? reference.Namespace}/{certificate}";
        if (judged.IsDue)
        {
            return new SyncDecision(SyncAction.Requested, judged.Reason) { RenewsCertManager = true };
        }

        if (judged.Action == SyncAction.Unchanged && reference.CertManagerReady == "False")
        {
            string detail = string.Join(": ", new[] { reference.CertManagerReadyReason, reference.CertManagerReadyMessage }.Where(t => !string.IsNullOrWhiteSpace(t)));
            return new SyncDecision(SyncAction.Requested, $"{name} is not Ready{(detail.Length == 0 ? string.Empty : $" ({detail})")}.") { RenewsCertManager = true };
        }

        return judged.Action == SyncAction.Unchanged && reference.CertManagerRenewalTime is { } renewal
            ? judged with { Reason = $"{judged.Reason} {name} renews it on {renewal:yyyy-MM-dd}." }
            : judged;
    }

    /// <summary>What the certificate itself calls for: create, renew, nothing, or skip (a Secret that could not be read).</summary>
    private static SyncDecision Judge(IngressCertificate reference, int renewWithinDays, DateTimeOffset now)
    {
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
    /// The targets for <paramref name="references"/> (all of one context): references Sync leaves alone are targets of
    /// their own, and the others are one target per Secret (namespace and name), so that two Ingresses or two TLS
    /// entries naming one Secret take one Lease and get one certificate covering the hosts of all of them. Such a
    /// target is due when any of its references is (a host one of them adds is a host the certificate must cover).
    /// </summary>
    public static IReadOnlyList<SyncTarget> Targets(IEnumerable<IngressCertificate> references, int renewWithinDays, DateTimeOffset now, bool renewCertManager = false)
    {
        ArgumentNullException.ThrowIfNull(references);
        var targets = new List<SyncTarget>();
        var bySecret = new Dictionary<(string, string), List<(IngressCertificate Reference, SyncDecision Decision)>>();
        foreach (var reference in references)
        {
            var decision = Plan(reference, renewWithinDays, now, renewCertManager);

            // A cert-manager request stays one target per reference: CertManagerRenewal asks once per Certificate.
            if (decision.Action == SyncAction.Skipped || decision.RenewsCertManager)
            {
                targets.Add(new SyncTarget(reference, decision, reference.Hosts.ToList()));
                continue;
            }

            var key = (reference.SecretNamespace ?? reference.Namespace, reference.SecretName!);
            if (!bySecret.TryGetValue(key, out var group))
            {
                bySecret[key] = group = [];
                targets.Add(new SyncTarget(reference, decision, []));
            }

            group.Add((reference, decision));
        }

        return targets.Select(t => t.Decision.Action == SyncAction.Skipped || t.Decision.RenewsCertManager ? t : Merge(bySecret[(t.Namespace, t.SecretName)])).ToList();
    }

    private static SyncTarget Merge(List<(IngressCertificate Reference, SyncDecision Decision)> group)
    {
        var (reference, decision) = group.FirstOrDefault(g => g.Decision.Action == SyncAction.Created) is { Reference: not null } created ? created
            : group.FirstOrDefault(g => g.Decision.IsDue) is { Reference: not null } due ? due
            : group[0];
        var hosts = group.SelectMany(g => g.Reference.Hosts).Where(h => !string.IsNullOrEmpty(h)).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        return new SyncTarget(reference, decision, hosts) { References = group.Select(g => g.Reference).ToList() };
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
