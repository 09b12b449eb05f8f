using System.Text.Json.Nodes;
using IngressCerts.Engine.Kubernetes;

namespace IngressCerts.Engine.Publishing;

/// <summary>
/// The Gateway half of the write path: the ReferenceGrant first (so the Gateway never refers to a Secret it may not
/// use), then the Gateway's listeners. Every update is a PUT carrying the resourceVersion read: on a real server a
/// concurrent change to another listener (listeners are a list keyed by name, but an update replaces the whole spec)
/// makes it 409, and the listener is wired again on the Gateway read anew, so the other writer's change is kept.
/// </summary>
public sealed partial class Publisher
{
    private const string GatewayVersion = "v1";
    private const string GatewayPlural = "gateways";
    private const string GrantVersion = "v1beta1";
    private const string GrantPlural = "referencegrants";

    /// <summary>One write of a Gateway API object: create (no resourceVersion), replace or delete (at the resourceVersion read).</summary>
    private sealed record ApiWrite(JsonObject Body, bool Create, bool Delete);

    private async Task<PublishState> ReadGatewayStateAsync(PublishTarget target, PublishState state, CancellationToken cancellationToken)
    {
        if (target.GatewayName is null)
        {
            return state;
        }

        var gateway = await _writer.GetGatewayApiObjectAsync(GatewayVersion, GatewayPlural, target.GatewayNs, target.GatewayName, cancellationToken).ConfigureAwait(false);
        var grants = target.CrossNamespace && gateway is not null
            ? await _writer.ListReferenceGrantsAsync(target.Namespace, cancellationToken).ConfigureAwait(false)
            : Array.Empty<JsonObject>();
        return state with { Gateway = gateway, Grants = grants };
    }

    /// <summary>Writes the plan's grant, then its Gateway wiring; which of the two were written.</summary>
    private async Task<(bool Grant, bool Gateway)> WireGatewayAsync(PublishPlan plan, Action<string>? warn, CancellationToken cancellationToken)
    {
        var target = plan.Target;
        bool grantWritten = false;
        if (plan.GrantToWrite is { } grant)
        {
            grantWritten = await WriteSettledAsync(GrantVersion, GrantPlural, target.Namespace, grant.Name,
                new ApiWrite(grant.Grant, grant.Create, Delete: false),
                async c =>
                {
                    var fresh = await _writer.ListReferenceGrantsAsync(target.Namespace, c).ConfigureAwait(false);
                    return ReferenceGrants.Plan(fresh, target.GatewayNs, target.Namespace, target.SecretName, plan.PublishId) is { } again
                        ? new ApiWrite(again.Grant, again.Create, Delete: false)
                        : null;
                },
                now => now is not null && GrantRecord.ReadAll(now).TryGetValue(target.SecretName, out var r) && r.Id == plan.PublishId,
                $"ReferenceGrant {target.Namespace}/{grant.Name}", warn, cancellationToken,
                (n, c) => FindGrantAsync(target.Namespace, n, target.SecretName, plan.PublishId, c)).ConfigureAwait(false);
        }

        bool gatewayWritten = false;
        if (plan.GatewayToWrite is { } wiring)
        {
            string name = $"{target.GatewayNs}/{target.GatewayName}";
            try
            {
                gatewayWritten = await WriteSettledAsync(GatewayVersion, GatewayPlural, target.GatewayNs, target.GatewayName!,
                    new ApiWrite(wiring.Gateway, Create: false, Delete: false),
                    async c =>
                    {
                        var fresh = await _writer.GetGatewayApiObjectAsync(GatewayVersion, GatewayPlural, target.GatewayNs, target.GatewayName!, c).ConfigureAwait(false)
                            ?? throw new PublishRefusedException(new PublishRefusal("GatewayNotFound", $"Gateway {name} was deleted while publishing."));
                        if (GatewayWiring.ChangedSince(fresh, plan.Listeners, plan.Hosts) is { } changed)
                        {
                            throw new PublishRefusedException(new PublishRefusal("GatewayChanged",
                                $"Gateway {name} changed while publishing: {changed}; no listener was wired. Publish again to wire the listeners it has now."));
                        }

                        return GatewayWiring.Wire(fresh, plan.Listeners, target.Namespace, target.SecretName, plan.PublishId) is { } again
                            ? new ApiWrite(again.Gateway, Create: false, Delete: false)
                            : null;
                    },
                    now => now is not null && GatewayWiringRecord.ReadAll(now).TryGetValue(GatewayWiring.Key(target.Namespace, target.SecretName), out var r) && r.Id == plan.PublishId,
                    $"Gateway {name}", warn, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (grantWritten && ex is KubeApiException or PublishRefusedException)
            {
                throw WriteFailures.WithNote(ex, $"ReferenceGrant {target.Namespace}/{plan.GrantToWrite!.Name} was already {(plan.GrantToWrite.Create ? "created" : "extended")} for it;");
            }
        }

        return (grantWritten, gatewayWritten);
    }

    /// <summary>
    /// One create, replace or delete of a Gateway API object, made again on a conflict (409, or 409 AlreadyExists on a
    /// create) from <paramref name="again"/>, which reads the object anew and decides again (null: nothing left to do).
    /// A write whose answer is lost is settled by reading the object it went to (the one the write made again names,
    /// which may not be the one first planned): <paramref name="applied"/> says whether it holds the write. False when
    /// nothing needed writing after all.
    /// </summary>
    /// <param name="readBack">How the object a write named is read after a lost answer; null reads it by that name.</param>
    private async Task<bool> WriteSettledAsync(string version, string plural, string ns, string name, ApiWrite? write,
        Func<CancellationToken, Task<ApiWrite?>> again, Func<JsonObject?, bool> applied, string what, Action<string>? warn, CancellationToken cancellationToken,
        Func<string, CancellationToken, Task<JsonObject?>>? readBack = null)
    {
        readBack ??= (n, c) => _writer.GetGatewayApiObjectAsync(version, plural, ns, n, c);
        for (int attempt = 1; ; attempt++)
        {
            if (write is null)
            {
                return false;
            }

            // A write made again may go to another object than the one first planned (a grant under a free name, or
            // another grant extended): what it names is what is read back and named.
            if (GatewayWiring.Str(write.Body["metadata"], "name") is { Length: > 0 } written && written != name)
            {
                (name, what) = (written, $"{(plural == GrantPlural ? "ReferenceGrant" : "Gateway")} {ns}/{written}");
            }

            try
            {
                if (write.Create)
                {
                    write.Body["apiVersion"] ??= $"{ClusterReader.GatewayGroup}/{version}";
                    write.Body["kind"] ??= plural == GrantPlural ? "ReferenceGrant" : "Gateway";
                    await _writer.CreateGatewayApiObjectAsync(version, plural, write.Body, cancellationToken).ConfigureAwait(false);
                }
                else if (write.Delete)
                {
                    await _writer.DeleteGatewayApiObjectAsync(version, plural, ns, name, GatewayWiring.Str(write.Body["metadata"], "resourceVersion") ?? string.Empty, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    write.Body["apiVersion"] ??= $"{ClusterReader.GatewayGroup}/{version}";
                    write.Body["kind"] ??= plural == GrantPlural ? "ReferenceGrant" : "Gateway";
                    await _writer.ReplaceGatewayApiObjectAsync(version, plural, write.Body, cancellationToken).ConfigureAwait(false);
                }

                return true;
            }
            catch (KubeApiException ex) when (ex.Kind is KubeErrorKind.Conflict or KubeErrorKind.AlreadyExists or KubeErrorKind.NotFound && attempt < MaxAttempts)
            {
                _diagnostics?.Invoke($"{what} changed meanwhile ({ex.Kind}); reading it again.");
                write = await again(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (WriteFailures.OutcomeUnknown(ex))
            {
                using var budget = WriteFailures.ReadBackToken();
                JsonObject? now;
                try
                {
                    now = await readBack(name, budget.Token).ConfigureAwait(false);
                }
                catch (Exception readFailure) when (readFailure is KubeApiException or OperationCanceledException)
                {
                    throw WriteFailures.WithNote(ex, $"Reading {what} again failed too ({readFailure.Message}), so whether it was changed is unknown.");
                }

                if (applied(now))
                {
                    warn?.Invoke($"The update of {what} was applied; the reply was lost ({WriteFailures.Why(ex)}).");
                    if (ex is OperationCanceledException)
                    {
                        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex);
                    }

                    return true;
                }

                throw WriteFailures.WithNote(ex, $"{what} was not changed.");
            }
        }
    }

    /// <summary>Takes out what the publish <paramref name="publishId"/> added to the Gateway; the listeners unwired (empty: nothing was).</summary>
    private async Task<IReadOnlyList<string>> UnwireGatewayAsync(string gatewayNs, string gatewayName, string secretNs, string secretName, string publishId,
        Action<string>? warn, CancellationToken cancellationToken)
    {
        string what = $"Gateway {gatewayNs}/{gatewayName}";
        IReadOnlyList<string> listeners = Array.Empty<string>();
        string key = GatewayWiring.Key(secretNs, secretName);
        async Task<ApiWrite?> DecideAsync(CancellationToken c)
        {
            var fresh = await _writer.GetGatewayApiObjectAsync(GatewayVersion, GatewayPlural, gatewayNs, gatewayName, c).ConfigureAwait(false);
            if (fresh is null)
            {
                warn?.Invoke($"{what}, which the publish wired, no longer exists; there is no wiring to remove.");
                return null;
            }

            var notes = new List<string>();
            var change = GatewayWiring.Unwire(fresh, secretNs, secretName, publishId, notes);
            notes.ForEach(n => warn?.Invoke(n));
            listeners = change?.Listeners ?? Array.Empty<string>();
            return change is null ? null : new ApiWrite(change.Gateway, Create: false, Delete: false);
        }

        bool written = await WriteSettledAsync(GatewayVersion, GatewayPlural, gatewayNs, gatewayName, await DecideAsync(cancellationToken).ConfigureAwait(false), DecideAsync,
            now => now is null || !(GatewayWiringRecord.ReadAll(now).TryGetValue(key, out var r) && r.Id == publishId), what, warn, cancellationToken).ConfigureAwait(false);
        return written ? listeners : Array.Empty<string>();
    }

    /// <summary>Takes out of the grant what the publish <paramref name="publishId"/> added; what was done, in words (null: nothing).</summary>
    private async Task<string?> RemoveGrantAsync(string grantNs, string grantName, string secretName, string publishId, Action<string>? warn, CancellationToken cancellationToken)
    {
        string what = $"ReferenceGrant {grantNs}/{grantName}";
        string? done = null;
        async Task<ApiWrite?> DecideAsync(CancellationToken c)
        {
            var fresh = await FindGrantAsync(grantNs, grantName, secretName, publishId, c).ConfigureAwait(false);
            if (fresh is not null && GatewayWiring.Str(fresh["metadata"], "name") is { } found && found != grantName)
            {
                (grantName, what) = (found, $"ReferenceGrant {grantNs}/{found}");
            }

            if (fresh is null)
            {
                warn?.Invoke($"{what}, which the publish created or extended, no longer exists; there is nothing to remove from it.");
                return null;
            }

            var notes = new List<string>();
            var change = ReferenceGrants.Remove(fresh, secretName, publishId, notes);
            notes.ForEach(n => warn?.Invoke(n));
            done = change?.Description;
            return change is null ? null : new ApiWrite(change.Grant, Create: false, change.Delete);
        }

        var first = await DecideAsync(cancellationToken).ConfigureAwait(false);
        bool written = await WriteSettledAsync(GrantVersion, GrantPlural, grantNs, grantName, first, DecideAsync,
            now => now is null || !(GrantRecord.ReadAll(now).TryGetValue(secretName, out var r) && r.Id == publishId), what, warn, cancellationToken).ConfigureAwait(false);
        return written ? done : null;
    }

    /// <summary>
    /// The grant in <paramref name="ns"/> that holds the record of publish <paramref name="publishId"/> for the Secret:
    /// the one named (the grant the publish planned), else the one that has it (the name was taken meanwhile and the
    /// publish made or extended another on its second try); else the named one as it is (null: gone).
    /// </summary>
    private async Task<JsonObject?> FindGrantAsync(string ns, string name, string secretName, string publishId, CancellationToken cancellationToken)
    {
        bool Holds(JsonObject grant) => GrantRecord.ReadAll(grant).TryGetValue(secretName, out var r) && r.Id == publishId;
        var named = await _writer.GetGatewayApiObjectAsync(GrantVersion, GrantPlural, ns, name, cancellationToken).ConfigureAwait(false);
        if (named is not null && Holds(named))
        {
            return named;
        }

        try
        {
            return (await _writer.ListReferenceGrantsAsync(ns, cancellationToken).ConfigureAwait(false)).FirstOrDefault(Holds) ?? named;
        }
        catch (KubeApiException ex) when (ex.Kind == KubeErrorKind.Forbidden)
        {
            return named;
        }
    }

    /// <summary>After a failed -Verify: the Gateway's listeners get back the references they had, and the grant loses what the publish added.</summary>
    private async Task<IReadOnlyList<string>> UnwireGatewayForRollbackAsync(PublishPlan plan, PublishOutcome applied, Action<string>? warn, CancellationToken cancellationToken)
    {
        var target = plan.Target;
        var done = new List<string>();
        if (applied.GatewayWritten)
        {
            var listeners = await UnwireGatewayAsync(target.GatewayNs, target.GatewayName!, target.Namespace, target.SecretName, plan.PublishId, warn, cancellationToken).ConfigureAwait(false);
            if (listeners.Count > 0)
            {
                done.Add($"Gateway {target.GatewayNs}/{target.GatewayName} listener{(listeners.Count == 1 ? string.Empty : "s")} {string.Join(", ", listeners)} serve{(listeners.Count == 1 ? "s" : string.Empty)} what {(listeners.Count == 1 ? "it" : "they")} served before");
            }
        }

        if (applied.GrantWritten && plan.GrantToWrite is { } grant
            && await RemoveGrantAsync(target.Namespace, grant.Name, target.SecretName, plan.PublishId, warn, cancellationToken).ConfigureAwait(false) is { } removed)
        {
            done.Add(char.ToLowerInvariant(removed[0]) + removed[1..]);
        }

        return done;
    }

    /// <summary>For an undo: the Gateway and the ReferenceGrant that the Secret's last publish changed, as they are now.</summary>
    private async Task<(JsonObject? Gateway, JsonObject? Grant)> ReadUndoGatewayAsync(PublishRecord? record, string secretName, CancellationToken cancellationToken)
    {
        JsonObject? gateway = null;
        JsonObject? grant = null;
        if (record?.Gateway is { } g && g.Split('/') is [var gns, var gname])
        {
            gateway = await _writer.GetGatewayApiObjectAsync(GatewayVersion, GatewayPlural, gns, gname, cancellationToken).ConfigureAwait(false);
        }

        if (record?.Grant is { } r && r.Split('/') is [var rns, var rname])
        {
            grant = await FindGrantAsync(rns, rname, secretName, record.Id, cancellationToken).ConfigureAwait(false);
        }

        return (gateway, grant);
    }

    /// <summary>Applies an undo's Gateway and grant changes (before the Secret's); the listeners unwired.</summary>
    private async Task<IReadOnlyList<string>> UndoGatewayAsync(UndoPlan plan, Action<string>? warn, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> listeners = Array.Empty<string>();
        var record = plan.Current is null ? null : PublishRecord.Read(plan.Current);
        if (record is null)
        {
            return listeners;
        }

        if (plan.GatewayUnwiring is { } unwiring && record.Gateway?.Split('/') is [var gns, var gname])
        {
            listeners = await UnwireGatewayAsync(gns, gname, plan.Namespace, plan.SecretName, record.Id, warn, cancellationToken).ConfigureAwait(false);
            if (listeners.Count == 0)
            {
                listeners = unwiring.Listeners;
            }
        }

        if (plan.GrantRemoval is { } removal)
        {
            await RemoveGrantAsync(removal.Namespace, removal.Name, plan.SecretName, record.Id, warn, cancellationToken).ConfigureAwait(false);
        }

        return listeners;
    }
}
