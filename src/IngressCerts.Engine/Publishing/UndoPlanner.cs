using System.Text.Json.Nodes;
using IngressCerts.Engine.Inventory;
using k8s.Models;

namespace IngressCerts.Engine.Publishing;

/// <summary>
/// Decides what an undo of a Secret's last publish will do, from what the cluster holds. Reads nothing and writes
/// nothing. With a <see cref="PublishRecord"/> it undoes exactly that publish: the Ingress wiring it added goes,
/// and the Secret it created is deleted or the certificate it replaced is restored. Without one (a Secret published
/// before records existed) it restores the newest history entry that holds another certificate. A record that names
/// its history entry restores exactly that one. Every undo leaves a record that says so (<see cref="PublishRecord.Undo"/>),
/// so that a second undo refuses with NothingToUndo instead of swapping the certificates back.
/// </summary>
public static class UndoPlanner
{
    public static UndoPlan Plan(UndoState state, bool force, DateTimeOffset now)
    {
        string target = $"{state.Namespace}/{state.SecretName}";
        var warnings = new List<string>();
        var current = state.Secret;
        string? thumbprint = null;
        DateTime? notAfter = null;
        if (current is not null)
        {
            (thumbprint, notAfter) = PublishPlanner.ReadCurrentCertificate(current);
        }

        var read = new UndoPlan
        {
            Namespace = state.Namespace,
            SecretName = state.SecretName,
            Current = current,
            CurrentThumbprint = thumbprint,
            CurrentNotAfter = notAfter,
            Warnings = warnings,
            ChosenThumbprint = state.Thumbprint,
        };
        UndoPlan Refuse(string id, string message) => read with { Refusal = new PublishRefusal(id, message) };

        if (current is null)
        {
            return Refuse("SecretNotFound", $"Secret {target} does not exist.");
        }

        if (!force && current.Metadata.Annotations?.ContainsKey(SecretAnnotations.CertManagerCertificate) == true)
        {
            return Refuse("CertManagerManaged", $"Secret {target} is managed by cert-manager; use -Force to undo anyway.");
        }

        var record = PublishRecord.Read(current);
        var plan = read with { Action = PublishAction.Updated };
        if (state.Thumbprint is { } chosen)
        {
            // A chosen entry: the same restore as an undo's (archive of the current certificate, expiry check), and no
            // Ingress change, since no publish is being undone.
            var entry = state.History.FirstOrDefault(e => string.Equals(PublishPlanner.ReadCurrentCertificate(e).Thumbprint, chosen, StringComparison.OrdinalIgnoreCase));
            if (entry is null)
            {
                return Refuse("HistoryEntryNotFound",
                    $"No history entry of Secret {target} holds certificate {chosen}; nothing was written. " +
                    $"Get-IngressCertificateHistory -Namespace {state.Namespace} -SecretName {state.SecretName} lists the entries there are.");
            }

            return Restore(plan, state, entry.Metadata.Name, force, now, Refuse, $"History entry {state.Namespace}/{entry.Metadata.Name} is gone.");
        }

        if (record is { Undo: true })
        {
            // Undoing again would put back what the undo took away: in a retry loop, the certificate would flip-flop.
            return Refuse("NothingToUndo",
                $"The last publish of Secret {target} was already undone (undo {record.Id}); there is nothing left to undo, and nothing was written. " +
                $"To put back a certificate from its history, list it with Get-IngressCertificateHistory -Namespace {state.Namespace} -SecretName {state.SecretName} " +
                "and restore it with Undo-IngressCertificate -Thumbprint.");
        }

        if (record is null)
        {
            return Restore(plan, state, null, force, now, Refuse,
                $"Secret {target} has no previous certificate to restore and no record of a publish to undo: its last publish was already undone, " +
                "it was published with -HistoryLimit 0 or its history was deleted, or it was not made by this version of Publish-IngressCertificate.");
        }

        // 1. The Ingress: first to be written, so the Ingress never points at a Secret that is gone.
        if (record.IngressName is not null)
        {
            if (state.Ingress is null)
            {
                warnings.Add($"Ingress {state.Namespace}/{record.IngressName}, which the publish wired, no longer exists; there is no wiring to remove.");
            }
            else
            {
                var (unwiring, refusal) = Unwire(state.Ingress, state.SecretName, record.Id, force, warnings);
                if (refusal is not null)
                {
                    return Refuse(refusal.Id, refusal.Message);
                }

                plan = plan with { Unwiring = unwiring };
            }
        }

        if (record.Gateway is not null)
        {
            if (state.Gateway is null)
            {
                warnings.Add($"Gateway {record.Gateway}, which the publish wired, no longer exists; there is no wiring to remove.");
            }
            else
            {
                plan = plan with { GatewayUnwiring = GatewayWiring.Unwire(state.Gateway, state.Namespace, state.SecretName, record.Id, warnings) };
            }
        }

        if (record.Grant is not null)
        {
            if (state.Grant is null)
            {
                warnings.Add($"ReferenceGrant {record.Grant}, which the publish created or extended, no longer exists; there is nothing to remove from it.");
            }
            else
            {
                plan = plan with { GrantRemoval = ReferenceGrants.Remove(state.Grant, state.SecretName, record.Id, warnings) };
            }
        }

        // 2. The Secret, only if it still holds what the publish wrote: anything else would undo someone else's change.
        if (record.SecretAction != PublishAction.Unchanged && !force && record.ChangeSince(current) is { } change)
        {
            bool created = record.SecretAction == PublishAction.Created;
            return Refuse("SecretChanged",
                $"Secret {target} was changed after the publish being undone: {change}. Not {(created ? "deleting" : "restoring")} it, so that change is not lost; " +
                $"use -Force to {(created ? "delete it" : "restore the previous certificate")} anyway.");
        }

        switch (record.SecretAction)
        {
            case PublishAction.Created:
                var users = Users(state, plan.Unwiring, plan.GatewayUnwiring);
                if (users.Count > 0 && !force)
                {
                    return Refuse("SecretInUse",
                        $"Secret {target} was created by the publish being undone, but {string.Join("; ", users)} still use{(users.Count == 1 ? "s" : string.Empty)} it, " +
                        "and not because of that publish: deleting it would leave them pointing at a missing Secret (the controller serves its default certificate there). " +
                        "Remove those references first, or use -Force to delete the Secret anyway.");
                }

                return plan with { Action = PublishAction.Deleted, DeletesSecret = true };

            case PublishAction.Updated:
                return Restore(plan, state, record.ArchiveName, force, now, Refuse,
                    record.ArchiveName is { } archive
                        ? $"The publish being undone replaced the certificate of Secret {target} and kept the previous one in history entry {state.Namespace}/{archive}, " +
                          "but that entry is gone (deleted, or pruned by a later publish); there is nothing to restore."
                        : $"The publish being undone replaced the certificate of Secret {target}, but the previous one is not in its history " +
                          "(published with -HistoryLimit 0, or the history Secret was deleted); there is nothing to restore.");

            default:
                return plan with { SecretToWrite = AsUndone(PublishPlanner.InPlaceUpdate(current, new Dictionary<string, byte[]>(), null, null, publishedAt: null), PublishAction.Unchanged, thumbprint, now) };
        }
    }

    /// <summary>
    /// Takes out of an Ingress copy what the publish <paramref name="publishId"/> added for the Secret (by its
    /// <see cref="WiringRecord"/>) and gives hosts it moved back to their entries. Hosts or entries changed since are
    /// left alone; a moved host whose entry is gone is a refusal (with <paramref name="force"/>: it is not put back).
    /// </summary>
    internal static (IngressUnwiring? Unwiring, PublishRefusal? Refusal) Unwire(V1Ingress ingress, string secretName, string publishId, bool force, List<string> warnings)
    {
        string name = $"{ingress.Metadata.NamespaceProperty}/{ingress.Metadata.Name}";
        if (!WiringRecord.ReadAll(ingress).TryGetValue(secretName, out var record) || record.Id != publishId)
        {
            warnings.Add($"Ingress {name} has no record of the wiring the publish added for Secret {secretName}; it is left as it is.");
            return (null, null);
        }

        var copy = PublishPlanner.Copy(ingress);
        var tls = copy.Spec?.Tls ?? new List<V1IngressTLS>();
        var own = tls.FirstOrDefault(t => t.SecretName == secretName);
        var removing = own?.Hosts?.Where(h => record.Hosts.Contains(h, StringComparer.OrdinalIgnoreCase)).ToList() ?? new List<string>();
        var gone = record.Hosts.Where(h => !removing.Contains(h, StringComparer.OrdinalIgnoreCase)).ToList();
        if (gone.Count > 0)
        {
            warnings.Add($"Ingress {name} no longer serves {string.Join(", ", gone)} from Secret {secretName}; that was changed since the publish and is left alone.");
        }

        // Hosts the publish moved here go back where they came from, unless another entry has taken them since.
        var restored = new List<string>();
        var reinserted = new List<(int Index, V1IngressTLS Entry)>();
        foreach (var moved in record.Moved)
        {
            var back = moved.Hosts
                .Where(h => removing.Contains(h, StringComparer.OrdinalIgnoreCase))
                .Where(h => !tls.Any(t => t != own && t.Hosts?.Contains(h, StringComparer.OrdinalIgnoreCase) == true))
                .ToList();
            if (back.Count == 0)
            {
                continue;
            }

            string from = moved.SecretName is null ? "the TLS entry without secretName" : $"Secret '{moved.SecretName}'";
            var home = tls.FirstOrDefault(t => t != own && t.SecretName == moved.SecretName);
            if (home is not null)
            {
                home.Hosts ??= new List<string>();
                foreach (string host in back)
                {
                    home.Hosts.Add(host);
                }
            }
            else if (moved.EntryRemoved)
            {
                reinserted.Add((moved.Index, new V1IngressTLS { Hosts = back, SecretName = moved.SecretName }));
            }
            else if (!force)
            {
                return (null, new PublishRefusal("IngressWiringChanged",
                    $"Ingress {name}: the publish moved {string.Join(", ", back)} to Secret {secretName} from the TLS entry of {from}, and that entry is gone now; " +
                    "putting them back would be a guess. Change its spec.tls by hand, or use -Force to remove only what the publish added " +
                    $"({string.Join(", ", back)} then have no TLS entry)."));
            }
            else
            {
                warnings.Add($"Ingress {name}: {string.Join(", ", back)} are left without a TLS entry; the entry of {from} they came from is gone (-Force).");
                continue;
            }

            restored.Add($"{string.Join(", ", back)} to {from}");
        }

        foreach (var (index, entry) in reinserted.OrderBy(r => r.Index))
        {
            tls.Insert(Math.Min(index, tls.Count), entry);
        }

        if (own is not null)
        {
            foreach (string host in removing)
            {
                own.Hosts!.Remove(host);
            }

            // An entry that was there before the publish stays, even with no host left: that is how it was.
            if (record.NewEntry && own.Hosts is not { Count: > 0 })
            {
                tls.Remove(own);
            }
        }

        WiringRecord.Store(copy, secretName, null);
        return (new IngressUnwiring(copy, removing, restored), null);
    }

    /// <summary>
    /// Restores the entry named <paramref name="archiveName"/> (the one the publish being undone made), else the
    /// newest entry that holds another certificate than the Secret (restoring the same one would change nothing).
    /// </summary>
    private static UndoPlan Restore(UndoPlan plan, UndoState state, string? archiveName, bool force, DateTimeOffset now, Func<string, string, UndoPlan> refuse, string noHistory)
    {
        var newest = archiveName is not null
            ? state.History.FirstOrDefault(e => e.Metadata.Name == archiveName)
            : state.History.FirstOrDefault(e => !string.Equals(PublishPlanner.ReadCurrentCertificate(e).Thumbprint, plan.CurrentThumbprint, StringComparison.OrdinalIgnoreCase));
        if (newest is null)
        {
            return refuse("NoHistory", noHistory);
        }

        var (restoredThumbprint, restoredNotAfter) = PublishPlanner.ReadCurrentCertificate(newest);

        // The same safety as a publish: putting back a certificate that has expired meanwhile is an outage.
        if (!force && restoredNotAfter is { } expiry && expiry < now.UtcDateTime)
        {
            return refuse("CertificateExpired",
                $"The previous certificate of Secret {state.Namespace}/{state.SecretName} ({restoredThumbprint}) expired on {expiry:yyyy-MM-dd}; not restoring it. Use -Force to restore it anyway.");
        }

        return plan with
        {
            Restoring = newest,
            RestoredThumbprint = restoredThumbprint,
            RestoredNotAfter = restoredNotAfter,
            SecretToWrite = AsUndone(SecretHistory.Restore(plan.Current!, newest, now), PublishAction.Updated, restoredThumbprint, now),
        };
    }

    /// <summary>
    /// The references to the Secret that stay once the undo's Ingress update is made, in words: those of other
    /// Ingresses and Gateways, and what is left of the wired Ingress's.
    /// </summary>
    private static List<string> Users(UndoState state, IngressUnwiring? unwiring, GatewayChange? gatewayUnwiring)
    {
        string? gatewayNs = gatewayUnwiring is null ? null : GatewayWiring.Str(gatewayUnwiring.Gateway["metadata"], "namespace");
        string? gatewayName = gatewayUnwiring is null ? null : GatewayWiring.Str(gatewayUnwiring.Gateway["metadata"], "name");
        var references = (state.References ?? Array.Empty<TlsReference>())
            .Where(r => unwiring is null || r.Kind != "Ingress" || r.Name != unwiring.Ingress.Metadata.Name)
            .Where(r => gatewayUnwiring is null || r.Kind != "Gateway" || r.Namespace != gatewayNs || r.Name != gatewayName)
            .Concat(unwiring is null ? Enumerable.Empty<TlsReference>() : ReferenceExtractor.FromIngress(unwiring.Ingress, string.Empty))
            .Concat(gatewayUnwiring is null || gatewayNs != state.Namespace ? Enumerable.Empty<TlsReference>()
                : ReferenceExtractor.FromGateway(System.Text.Json.JsonSerializer.SerializeToElement(gatewayUnwiring.Gateway), string.Empty, new ReferenceGrantIndex()));
        return references
            .Where(r => r.SecretNamespace == state.Namespace && r.SecretName == state.SecretName && r.ReferenceIssue is null)
            .Select(r => $"{r.Kind} {r.Namespace}/{r.Name}" + (r.Listener is null ? string.Empty : $" listener {r.Listener}")
                + (r.Hosts.Count == 0 ? string.Empty : $" ({string.Join(", ", r.Hosts)})"))
            .Concat(LaterPublishesThatReplaced(gatewayUnwiring?.Gateway ?? state.Gateway, state.Namespace, state.SecretName))
            .Distinct(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>
    /// The later publishes on the Gateway that replaced this Secret on a listener, in words: their undo puts the
    /// Secret back, so deleting it now would leave that listener pointing at a missing Secret after their undo.
    /// </summary>
    private static IEnumerable<string> LaterPublishesThatReplaced(JsonObject? gateway, string secretNamespace, string secretName)
    {
        if (gateway is null)
        {
            yield break;
        }

        string key = GatewayWiring.Key(secretNamespace, secretName);
        string name = $"{GatewayWiring.Str(gateway["metadata"], "namespace")}/{GatewayWiring.Str(gateway["metadata"], "name")}";
        foreach (var (wired, record) in GatewayWiringRecord.ReadAll(gateway))
        {
            foreach (var change in record.Listeners.Where(c => c.Replaced == key && wired != key))
            {
                yield return $"Gateway {name} listener {change.Listener} (publish {record.Id} of Secret {wired} replaced it there, and undoing that publish puts it back)";
            }
        }
    }

    /// <summary>The Secret to write, with the record of the undo in place of the publish's.</summary>
    private static V1Secret AsUndone(V1Secret secret, PublishAction action, string? thumbprint, DateTimeOffset now)
    {
        secret.Metadata.Annotations ??= new Dictionary<string, string>();
        secret.Metadata.Annotations[SecretAnnotations.LastPublish] =
            PublishRecord.ForUndo(action, thumbprint, secret.Data ?? new Dictionary<string, byte[]>(), now).ToJson();
        return secret;
    }
}
