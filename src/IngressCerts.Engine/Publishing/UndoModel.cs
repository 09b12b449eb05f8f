using IngressCerts.Engine.Inventory;
using k8s.Models;

namespace IngressCerts.Engine.Publishing;

/// <summary>What the cluster holds for an undo, read before any write.</summary>
/// <param name="History">The Secret's history entries, newest first; empty when not read (only a restore needs them).</param>
/// <param name="Ingress">The Ingress the last publish wired, when its record names one and it still exists.</param>
/// <param name="References">The TLS references (Ingress spec.tls entries, Gateway listeners) in the Secret's namespace;
/// null when not read (only a delete needs them).</param>
/// <param name="Thumbprint">The certificate to restore from history, chosen by the user (Undo -Thumbprint); null to
/// undo the last publish.</param>
public sealed record UndoState(
    string Namespace,
    string SecretName,
    V1Secret? Secret,
    IReadOnlyList<V1Secret> History,
    V1Ingress? Ingress = null,
    IReadOnlyList<TlsReference>? References = null,
    string? Thumbprint = null)
{
    /// <summary>The Gateway the last publish wired, when its record names one and it still exists.</summary>
    public System.Text.Json.Nodes.JsonObject? Gateway { get; init; }

    /// <summary>The ReferenceGrant the last publish created or extended, when its record names one and it still exists.</summary>
    public System.Text.Json.Nodes.JsonObject? Grant { get; init; }
}

/// <summary>The Ingress update of an undo.</summary>
/// <param name="Hosts">Hosts no longer served from the Secret.</param>
/// <param name="Restored">Hosts given back to the TLS entry they were moved from, in words ("a.example to Secret 'old-tls'").</param>
public sealed record IngressUnwiring(V1Ingress Ingress, IReadOnlyList<string> Hosts, IReadOnlyList<string> Restored);

/// <summary>
/// Everything an undo will do, decided from <see cref="UndoState"/> before any write, so the -WhatIf text and the
/// writes come from the same decision. Writes happen in this order: the Ingress, then the Secret.
/// </summary>
public sealed record UndoPlan
{
    public required string Namespace { get; init; }

    public required string SecretName { get; init; }

    /// <summary>Updated (a certificate restored, or only the wiring removed), Deleted, or Skipped when refused.</summary>
    public PublishAction Action { get; init; } = PublishAction.Skipped;

    /// <summary>The Secret as read: its resourceVersion conditions every Secret write and the delete.</summary>
    public V1Secret? Current { get; init; }

    public string? CurrentThumbprint { get; init; }

    public DateTime? CurrentNotAfter { get; init; }

    /// <summary>The history entry being restored: the current certificate is archived first, the entry removed after.</summary>
    public V1Secret? Restoring { get; init; }

    public string? RestoredThumbprint { get; init; }

    public DateTime? RestoredNotAfter { get; init; }

    /// <summary>The Secret to write: with the restored certificate, or as it is without the publish record.</summary>
    public V1Secret? SecretToWrite { get; init; }

    /// <summary>The Secret is deleted, on condition that it is still at the resourceVersion of <see cref="Current"/>.</summary>
    public bool DeletesSecret { get; init; }

    public IngressUnwiring? Unwiring { get; init; }

    /// <summary>The Gateway update that takes out the wiring the publish added (written first, with the Ingress's).</summary>
    public GatewayChange? GatewayUnwiring { get; init; }

    /// <summary>The ReferenceGrant update or delete that takes out what the publish added to it (after the Gateway's).</summary>
    public GrantChange? GrantRemoval { get; init; }

    public IReadOnlyList<string> Warnings { get; init; } = Array.Empty<string>();

    public PublishRefusal? Refusal { get; init; }

    /// <summary>The history entry's certificate the user chose to restore (see <see cref="UndoState.Thumbprint"/>), so a
    /// plan made again after a conflict restores the same one.</summary>
    public string? ChosenThumbprint { get; init; }

    /// <summary>What will change, in the words -WhatIf shows. Never includes key material.</summary>
    public IReadOnlyList<string> Describe()
    {
        var lines = new List<string>();
        string secret = $"Secret {Namespace}/{SecretName}";
        if (Unwiring is { } u)
        {
            var parts = new List<string>();
            if (u.Hosts.Count > 0)
            {
                parts.Add($"stop serving {string.Join(", ", u.Hosts)} from Secret {SecretName}");
            }

            parts.AddRange(u.Restored.Select(r => "give back " + r));
            if (parts.Count == 0)
            {
                parts.Add($"remove the wiring record of Secret {SecretName} (the hosts it added are no longer served from it)");
            }

            lines.Add($"Update Ingress {Namespace}/{u.Ingress.Metadata.Name}: {string.Join(" and ", parts)}");
        }

        if (GatewayUnwiring is { } g)
        {
            lines.Add($"Update Gateway {GatewayWiring.Str(g.Gateway["metadata"], "namespace")}/{GatewayWiring.Str(g.Gateway["metadata"], "name")}: {g.Description}");
        }

        if (GrantRemoval is { } grant)
        {
            lines.Add(grant.Description);
        }

        if (DeletesSecret)
        {
            lines.Add($"Delete {secret}: {CurrentThumbprint ?? "(no certificate)"}{Expires(CurrentNotAfter)}, which the publish being undone created");
        }
        else if (Restoring is not null)
        {
            lines.Add($"Restore {secret}: {CurrentThumbprint ?? "(no certificate)"}{Expires(CurrentNotAfter)} -> {RestoredThumbprint ?? "(no certificate)"}{Expires(RestoredNotAfter)}");
        }
        else if (SecretToWrite is not null)
        {
            lines.Add($"Update {secret}: remove the record of the publish being undone (its certificate {CurrentThumbprint ?? "(none)"} stays)");
        }

        return lines;
    }

    private static string Expires(DateTime? notAfter) => notAfter is { } at ? $" (expires {at:yyyy-MM-dd})" : string.Empty;
}
