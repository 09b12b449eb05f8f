using k8s.Models;

namespace IngressCerts.Engine.Publishing;

/// <summary>Where a certificate goes: a Secret, and optionally the Ingress (same namespace) that serves it.</summary>
/// <param name="Hosts">Hosts to wire into the Ingress, and which the certificate must cover; null means the
/// Ingress's rule hosts that the certificate covers.</param>
public sealed record PublishTarget(string Namespace, string SecretName, string? IngressName = null, IReadOnlyList<string>? Hosts = null)
{
    /// <summary>A Gateway (gateway.networking.k8s.io/v1) to wire the Secret into, instead of an Ingress.</summary>
    public string? GatewayName { get; init; }

    /// <summary>The Gateway's namespace; default: the Secret's (<see cref="Namespace"/>).</summary>
    public string? GatewayNamespace { get; init; }

    /// <summary>The listener to wire; null: the HTTPS/TLS listeners whose hostname covers <see cref="Hosts"/>.</summary>
    public string? ListenerName { get; init; }

    /// <summary>Create or extend the ReferenceGrant a Secret in another namespace than the Gateway needs.</summary>
    public bool GrantReference { get; init; }

    /// <summary>The Gateway's namespace as used (its own, or the Secret's).</summary>
    public string GatewayNs => GatewayNamespace ?? Namespace;

    /// <summary>The Secret is in another namespace than the Gateway, so a ReferenceGrant must allow the reference.</summary>
    public bool CrossNamespace => GatewayName is not null && GatewayNs != Namespace;

    public override string ToString() => $"{Namespace}/{SecretName}";
}

/// <summary>How publishing behaves.</summary>
/// <param name="Force">Overwrite a Secret that cert-manager manages or that has another type.</param>
/// <param name="HistoryLimit">How many previous certificates to keep for Undo (0 keeps none).</param>
public sealed record PublishOptions(bool Force = false, int HistoryLimit = 1);

public enum PublishAction
{
    Created,
    Updated,
    Unchanged,
    Skipped,

    /// <summary>An undo removed the Secret that the publish being undone had created.</summary>
    Deleted,

    /// <summary>-Verify did not see the new certificate served, and the state before the publish was put back.</summary>
    RolledBack,
}

/// <summary>Why a publish must not happen; <see cref="Id"/> becomes the ErrorId.</summary>
public sealed record PublishRefusal(string Id, string Message);

/// <summary>
/// A target Secret the caller has just read (<see cref="Secret"/> null: it found none), handed to the publish plan
/// instead of a second read. The caller owns its key bytes and wipes them once the publish is done.
/// </summary>
public sealed record KnownSecret(V1Secret? Secret);

/// <summary>What the cluster holds for a target before the publish.</summary>
public sealed record PublishState(V1Secret? Secret, V1Ingress? Ingress)
{
    /// <summary>The Gateway of a Gateway target, as read (null: missing, or not a Gateway target).</summary>
    public System.Text.Json.Nodes.JsonObject? Gateway { get; init; }

    /// <summary>The ReferenceGrants in the Secret's namespace, read for a cross-namespace Gateway target only.</summary>
    public IReadOnlyList<System.Text.Json.Nodes.JsonObject> Grants { get; init; } = Array.Empty<System.Text.Json.Nodes.JsonObject>();
}

/// <summary>
/// Everything a publish will do, decided from <see cref="PublishState"/> before any write. Pure data, so the
/// -WhatIf text and the writes come from the same decision.
/// </summary>
public sealed record PublishPlan(
    PublishTarget Target,
    PublishAction SecretAction,
    V1Secret? SecretToWrite,
    V1Secret? PreviousSecret,
    string? PreviousThumbprint,
    DateTime? PreviousNotAfter,
    string Thumbprint,
    DateTime NotAfter,
    IReadOnlyList<string> Hosts,
    V1Ingress? IngressToWrite,
    IReadOnlyList<string> Warnings,
    PublishRefusal? Refusal)
{
    /// <summary>Names this publish in the records it leaves on the Secret and the Ingress (see <see cref="PublishRecord"/>).</summary>
    public string PublishId { get; init; } = string.Empty;

    /// <summary>The Ingress as read before the publish (its wiring record is put back if the publish is rolled back).</summary>
    public V1Ingress? PreviousIngress { get; init; }

    /// <summary>The Gateway update that wires the Secret into its listeners (null: none needed, or not a Gateway target).</summary>
    public GatewayChange? GatewayToWrite { get; init; }

    /// <summary>The ReferenceGrant write a cross-namespace Gateway target needs (null: none needed).</summary>
    public GrantChange? GrantToWrite { get; init; }

    /// <summary>
    /// Asked again when the Secret changed between this plan's read and its write (Conflict, AlreadyExists), with the
    /// Secret as read again: a refusal ends the publish before any write (Sync: another run renewed the target while
    /// this one worked, so it must not be renewed twice). Null: the fresh plan alone decides.
    /// </summary>
    public Func<V1Secret?, PublishRefusal?>? DecideAgain { get; init; }

    /// <summary>The Gateway as read before the publish.</summary>
    public System.Text.Json.Nodes.JsonObject? PreviousGateway { get; init; }

    /// <summary>The listeners the publish serves from the Secret (Gateway targets).</summary>
    public IReadOnlyList<string> Listeners { get; init; } = Array.Empty<string>();

    private bool WiresElsewhere => IngressToWrite is not null || GatewayToWrite is not null || GrantToWrite is not null;

    /// <summary>What the publish does as a whole: Updated when only the Ingress (or Gateway) changes.</summary>
    public PublishAction Action => SecretAction == PublishAction.Unchanged && WiresElsewhere ? PublishAction.Updated : SecretAction;

    /// <summary>True when at least one write is planned.</summary>
    public bool HasChanges => Refusal is null && (SecretToWrite is not null || WiresElsewhere);

    /// <summary>What will change, in the words -WhatIf shows. Never includes key material.</summary>
    public IReadOnlyList<string> Describe()
    {
        var lines = new List<string>();
        string target = $"Secret {Target.Namespace}/{Target.SecretName}";
        switch (SecretAction)
        {
            case PublishAction.Created:
                lines.Add($"Create {target}: {Thumbprint} (expires {NotAfter:yyyy-MM-dd})");
                break;
            case PublishAction.Updated:
                lines.Add($"Update {target}: {PreviousThumbprint ?? "(no certificate)"}{(PreviousNotAfter is { } p ? $" (expires {p:yyyy-MM-dd})" : string.Empty)} -> {Thumbprint} (expires {NotAfter:yyyy-MM-dd})");
                break;
            case PublishAction.Unchanged when SecretToWrite is not null:
                lines.Add($"Annotate {target} with this publish, for Undo-IngressCertificate (its certificate {Thumbprint} stays)");
                break;
        }

        if (IngressToWrite is not null)
        {
            lines.Add($"Update Ingress {Target.Namespace}/{Target.IngressName}: serve {string.Join(", ", Hosts)} from Secret {Target.SecretName}");
        }

        if (GrantToWrite is not null)
        {
            lines.Add(GrantToWrite.Description);
        }

        if (GatewayToWrite is not null)
        {
            lines.Add($"Update Gateway {Target.GatewayNs}/{Target.GatewayName}: {GatewayToWrite.Description}");
        }

        return lines;
    }
}

/// <summary>The outcome of a publish or undo, as Publish-IngressCertificate reports it.</summary>
/// <param name="SecretReplaced">The Secret's certificate was replaced by this run (so a rollback has something to undo).</param>
/// <param name="IngressName">For an undo: the Ingress whose wiring it removed (<paramref name="Hosts"/> are the hosts).</param>
public sealed record PublishOutcome(PublishAction Action, string? PreviousThumbprint, string Thumbprint, DateTime NotAfter, IReadOnlyList<string> Hosts, bool SecretReplaced = false, string? IngressName = null)
{
    /// <summary>The history entry this publish made of the previous certificate (its name is in the publish record).</summary>
    public string? ArchiveName { get; init; }

    /// <summary>With -Verify: true when every host served the certificate, false when not; null when not verified.</summary>
    public bool? Verified { get; init; }

    /// <summary>With -Verify, when it failed: what was served and what was done about it (restored or not), in words.</summary>
    public string? VerifyFailure { get; init; }

    /// <summary>What -Verify saw last, per host.</summary>
    public IReadOnlyList<ServedObservation> Observations { get; init; } = Array.Empty<ServedObservation>();

    /// <summary>The Secret as this run wrote it (the request, not the server's echo), for a rollback's checks.</summary>
    internal V1Secret? Written { get; init; }

    /// <summary>The history entry made by this run, as sent (with the server's name and resourceVersion).</summary>
    internal V1Secret? Archive { get; init; }

    /// <summary>The Ingress was updated by this run.</summary>
    internal bool IngressWritten { get; init; }

    /// <summary>The Gateway was updated by this run.</summary>
    internal bool GatewayWritten { get; init; }

    /// <summary>The ReferenceGrant was created or extended by this run.</summary>
    internal bool GrantWritten { get; init; }

    /// <summary>For a Gateway publish or undo: the Gateway ("namespace/name") and the listeners it wired or unwired.</summary>
    public string? GatewayName { get; init; }

    public IReadOnlyList<string> Listeners { get; init; } = Array.Empty<string>();
}
