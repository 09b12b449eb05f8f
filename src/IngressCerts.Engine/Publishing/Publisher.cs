using IngressCerts.Engine.Inventory;
using IngressCerts.Engine.Kubernetes;
using k8s.Models;

namespace IngressCerts.Engine.Publishing;

/// <summary>
/// Carries out publish plans and undos against a cluster. Order: the previous certificate goes to history, then
/// the Secret is written in one request, then the Ingress refers to it; the Ingress never points at a Secret that
/// is missing or half-written. Every update is conditional on the resourceVersion read; on a conflict the state
/// is read again and the decision made again, a bounded number of times.
/// </summary>
public sealed partial class Publisher
{
    private const int MaxAttempts = 4;
    private readonly ClusterWriter _writer;
    private readonly PublishOptions _options;
    private readonly Func<DateTimeOffset> _clock;
    private readonly Action<string>? _diagnostics;

    public Publisher(ClusterWriter writer, PublishOptions options, Action<string>? diagnostics = null, Func<DateTimeOffset>? clock = null)
    {
        _writer = writer;
        _options = options;
        _diagnostics = diagnostics;
        _clock = clock ?? (() => DateTimeOffset.UtcNow);
    }

    /// <param name="secret">
    /// The Secret as the caller has just read it (Sync, under the target's Lease), used instead of reading it again; the
    /// writes still carry its resourceVersion, so a change made since is a Conflict, read again and decided again.
    /// </param>
    public async Task<PublishState> ReadStateAsync(PublishTarget target, CancellationToken cancellationToken, KnownSecret? secret = null)
    {
        var current = secret is not null ? secret.Secret : await _writer.GetSecretAsync(target.Namespace, target.SecretName, cancellationToken).ConfigureAwait(false);
        var ingress = target.IngressName is null
            ? null
            : await _writer.GetIngressAsync(target.Namespace, target.IngressName, cancellationToken).ConfigureAwait(false);
        return await ReadGatewayStateAsync(target, new PublishState(current, ingress), cancellationToken).ConfigureAwait(false);
    }

    /// <param name="secret">The Secret as the caller has just read it (see <see cref="ReadStateAsync"/>); null reads it.</param>
    public async Task<PublishPlan> PlanAsync(PublishTarget target, PublishPayload payload, CancellationToken cancellationToken, KnownSecret? secret = null)
    {
        var state = await ReadStateAsync(target, cancellationToken, secret).ConfigureAwait(false);
        var plan = PublishPlanner.Plan(target, state, payload, _options, _clock());

        // A Secret that is missing may be missing because its namespace is: say that, before any write is tried. A user
        // who may not read namespaces gets no answer here (null), and the create itself decides.
        if (state.Secret is null && plan.Refusal is null
            && await _writer.NamespaceExistsAsync(target.Namespace, cancellationToken).ConfigureAwait(false) == false)
        {
            plan = plan with
            {
                Refusal = new PublishRefusal("NamespaceNotFound", $"Namespace '{target.Namespace}' does not exist, so Secret {target} cannot be created there. Nothing was written."),
            };
        }

        return plan;
    }

    /// <summary>
    /// Applies <paramref name="plan"/>: the previous certificate to history, the Secret, the Ingress. When another
    /// writer changed the Secret or Ingress meanwhile, the state is read again and planned again; a fresh plan that
    /// refuses (e.g. cert-manager took the Secret over) ends the publish with that refusal. A write whose answer is
    /// lost is settled by reading the object again: applied is success (with a warning to <paramref name="warn"/>).
    /// Every error raised after a write says what was already written and how to undo it. History is not pruned
    /// here: that waits until the publish is verified (<see cref="PruneHistoryAsync"/>).
    /// </summary>
    /// <exception cref="PublishRefusedException">A fresh plan refused the publish.</exception>
    /// <exception cref="KubeApiException">A write failed, or conflicts persisted.</exception>
    public async Task<PublishOutcome> ApplyAsync(PublishPlan plan, PublishPayload payload, CancellationToken cancellationToken, Action<string>? warn = null)
    {
        if (plan.Refusal is null)
        {
            await CheckRightsAsync(PlannedAccess.Of(plan, _options), cancellationToken).ConfigureAwait(false);
        }

        (V1Secret? Secret, V1Secret? Archive) written;
        for (int attempt = 1; ; attempt++)
        {
            if (plan.Refusal is not null)
            {
                throw new PublishRefusedException(plan.Refusal);
            }

            try
            {
                written = await WriteSecretAsync(plan, warn, cancellationToken).ConfigureAwait(false);
                break;
            }
            catch (KubeApiException ex) when (ex.Kind is KubeErrorKind.Conflict or KubeErrorKind.AlreadyExists && attempt < MaxAttempts)
            {
                _diagnostics?.Invoke($"Secret {plan.Target} changed while publishing ({ex.Kind}); reading it again and deciding again.");
                var decide = plan.DecideAgain;
                plan = await PlanAsync(plan.Target, payload, cancellationToken).ConfigureAwait(false);
                if (decide is not null)
                {
                    plan = plan with { DecideAgain = decide, Refusal = plan.Refusal ?? decide(plan.PreviousSecret) };
                }
            }
        }

        bool ingressWritten = false;
        if (plan.IngressToWrite is not null)
        {
            try
            {
                ingressWritten = await WireIngressAsync(plan, warn, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is KubeApiException or PublishRefusedException)
            {
                throw WriteFailures.WithNote(ex, WrittenNote(plan, written.Secret, written.Archive));
            }
        }

        (bool Grant, bool Gateway) wired = (false, false);
        if (plan.GrantToWrite is not null || plan.GatewayToWrite is not null)
        {
            try
            {
                wired = await WireGatewayAsync(plan, warn, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is KubeApiException or PublishRefusedException)
            {
                throw WriteFailures.WithNote(ex, WrittenNote(plan, written.Secret, written.Archive));
            }
        }

        return new PublishOutcome(plan.Action, plan.PreviousThumbprint, plan.Thumbprint, plan.NotAfter, plan.Hosts,
            SecretReplaced: plan.SecretAction == PublishAction.Updated)
        {
            ArchiveName = written.Archive?.Metadata.Name,
            Written = written.Secret,
            Archive = written.Archive,
            IngressWritten = ingressWritten,
            GrantWritten = wired.Grant,
            GatewayWritten = wired.Gateway,
            GatewayName = plan.Target.GatewayName is null ? null : $"{plan.Target.GatewayNs}/{plan.Target.GatewayName}",
            Listeners = plan.Listeners,
        };
    }

    /// <summary>
    /// Before the first write: refuses (InsufficientRights, nothing written) when the user lacks a right the writes
    /// need. A cluster that cannot answer says so to diagnostics, and the writes go ahead.
    /// </summary>
    private async Task CheckRightsAsync(IReadOnlyList<RequiredAccess> needed, CancellationToken cancellationToken)
    {
        if (needed.Count == 0)
        {
            return;
        }

        var denied = await new WritePreflight(_diagnostics).FindDeniedAsync(_writer.Connection, needed, cancellationToken).ConfigureAwait(false);
        if (denied.Count > 0)
        {
            throw new PublishRefusedException(WritePreflight.Refusal(_writer.Connection, denied));
        }
    }

    /// <summary>What a publish had written when a later step failed, and how to take it back, in words.</summary>
    internal static string? WrittenNote(PublishPlan plan, V1Secret? written, V1Secret? archive)
    {
        if (written is null)
        {
            return null;
        }

        string t = $"Secret {plan.Target}";
        string undo = $"Undo-IngressCertificate -Namespace {plan.Target.Namespace} -SecretName {plan.Target.SecretName}";
        return plan.SecretAction switch
        {
            PublishAction.Created => $"{t} was already created with certificate {plan.Thumbprint}; {undo} deletes it.",
            PublishAction.Updated when archive is not null =>
                $"{t} was already updated to {plan.Thumbprint} (the previous certificate {plan.PreviousThumbprint} is kept in history entry {plan.Target.Namespace}/{archive.Metadata.Name}); {undo} puts the previous certificate back.",
            PublishAction.Updated => $"{t} was already updated to {plan.Thumbprint}; no copy of the previous certificate {plan.PreviousThumbprint} was kept (-HistoryLimit 0).",
            _ => $"{t} already carries the record of this publish (its certificate {plan.Thumbprint} did not change); {undo} removes it.",
        };
    }

    private async Task<(V1Secret? Secret, V1Secret? Archive)> WriteSecretAsync(PublishPlan plan, Action<string>? warn, CancellationToken cancellationToken)
    {
        if (plan.SecretToWrite is not { } toWrite)
        {
            return (null, null);
        }

        string t = $"Secret {plan.Target}";
        if (plan.SecretAction == PublishAction.Created)
        {
            await WriteSettlingAsync(plan.Target, toWrite, "creation", c => _writer.CreateSecretAsync(toWrite, c),
                now => now is null ? $"Nothing was written: {t} was not created." : $"{t} was created by another writer meanwhile; nothing of this publish was written.",
                "Nothing was written.", warn, cancellationToken).ConfigureAwait(false);
            return (toWrite, null);
        }

        if (plan.SecretAction == PublishAction.Unchanged || _options.HistoryLimit == 0 || plan.PreviousSecret is null)
        {
            // Unchanged: only the publish record changes, the certificate stays, so there is nothing to archive.
            await WriteSettlingAsync(plan.Target, toWrite, "update", c => _writer.ReplaceSecretAsync(toWrite, c),
                now => now?.Metadata.ResourceVersion == toWrite.Metadata.ResourceVersion ? $"{t} was not changed." : $"{t} was changed by another writer meanwhile; nothing of this publish was written.",
                $"{t} was not changed.", warn, cancellationToken).ConfigureAwait(false);
            return (toWrite, null);
        }

        var history = new SecretHistory(_writer, _clock);
        var (archive, secret) = await history.ReplaceArchivingAsync(
            plan.PreviousSecret, entry => PublishRecord.NamingArchive(toWrite, entry.Metadata.Name), warn, cancellationToken,
            archivedBy: plan.PublishId.Length > 0 ? plan.PublishId : null).ConfigureAwait(false);
        return (secret, archive);
    }

    /// <summary>
    /// One write of a Secret whose answer may be lost: then the Secret is read again, and the write counts as done
    /// (with a warning) when it holds <paramref name="toWrite"/>, else it fails with <paramref name="notWritten"/>'s
    /// note on what the Secret holds. A refusal (4xx but a conflict) fails with <paramref name="refusedNote"/>.
    /// </summary>
    private async Task WriteSettlingAsync(PublishTarget target, V1Secret toWrite, string what, Func<CancellationToken, Task> write,
        Func<V1Secret?, string> notWritten, string refusedNote, Action<string>? warn, CancellationToken cancellationToken)
    {
        try
        {
            await write(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (WriteFailures.OutcomeUnknown(ex))
        {
            var now = await ReadBackAsync(target, ex).ConfigureAwait(false);
            if (now is not null && SecretHistory.Holds(now, toWrite))
            {
                warn?.Invoke($"The {what} of Secret {target} was applied; the reply was lost ({WriteFailures.Why(ex)}).");
                if (ex is OperationCanceledException)
                {
                    throw;
                }

                return;
            }

            throw WriteFailures.WithNote(ex, notWritten(now));
        }
        catch (KubeApiException ex) when (ex.Kind is not (KubeErrorKind.Conflict or KubeErrorKind.AlreadyExists or KubeErrorKind.NotFound))
        {
            throw WriteFailures.WithNote(ex, refusedNote);
        }
    }

    /// <summary>The Secret read again after a write whose answer was lost; when even that fails, the write's failure with a note.</summary>
    private async Task<V1Secret?> ReadBackAsync(PublishTarget target, Exception failure)
    {
        using var budget = WriteFailures.ReadBackToken();
        try
        {
            return await _writer.GetSecretAsync(target.Namespace, target.SecretName, budget.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is KubeApiException or OperationCanceledException)
        {
            throw WriteFailures.WithNote(failure, $"Reading Secret {target} again failed too ({ex.Message}), so whether it was written is unknown.");
        }
    }

    /// <summary>
    /// Keeps the newest <see cref="PublishOptions.HistoryLimit"/> history entries of the Secret, always including
    /// <paramref name="keepName"/> (this publish's own); best-effort, a failure is a warning.
    /// </summary>
    public Task PruneHistoryAsync(PublishTarget target, string? keepName, CancellationToken cancellationToken, Action<string>? warn = null) =>
        new SecretHistory(_writer, _clock).PruneAsync(target.Namespace, target.SecretName, _options.HistoryLimit, keepName, warn, _diagnostics, cancellationToken);

    /// <summary>The Secret, read with a budget of its own: for saying what state a cancelled publish left.</summary>
    internal async Task<V1Secret?> ReadStateWithBudgetAsync(PublishTarget target)
    {
        using var budget = WriteFailures.ReadBackToken();
        return await _writer.GetSecretAsync(target.Namespace, target.SecretName, budget.Token).ConfigureAwait(false);
    }

    /// <summary>The Ingress of a publish, for -Verify (its load balancer address).</summary>
    public Task<V1Ingress?> GetIngressAsync(string ns, string name, CancellationToken cancellationToken) => _writer.GetIngressAsync(ns, name, cancellationToken);

    /// <summary>The Gateway of a publish, for -Verify (its status.addresses).</summary>
    public Task<System.Text.Json.Nodes.JsonObject?> GetGatewayAsync(string ns, string name, CancellationToken cancellationToken) =>
        _writer.GetGatewayApiObjectAsync(GatewayVersion, GatewayPlural, ns, name, cancellationToken);

    private async Task<bool> WireIngressAsync(PublishPlan plan, Action<string>? warn, CancellationToken cancellationToken)
    {
        var ingress = plan.IngressToWrite!;
        string name = $"{plan.Target.Namespace}/{plan.Target.IngressName}";
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await _writer.ReplaceIngressAsync(ingress, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (KubeApiException ex) when (ex.Kind == KubeErrorKind.Conflict && attempt < MaxAttempts)
            {
                _diagnostics?.Invoke($"Ingress {name} changed meanwhile; reading it again.");
                var fresh = await _writer.GetIngressAsync(plan.Target.Namespace, plan.Target.IngressName!, cancellationToken).ConfigureAwait(false)
                    ?? throw new PublishRefusedException(new PublishRefusal("IngressNotFound", $"Ingress {name} was deleted while publishing."));
                var rewired = PublishPlanner.WireIngress(fresh, plan.Target.SecretName, plan.Hosts, plan.PublishId, new List<string>());
                if (rewired is null)
                {
                    return false;
                }

                ingress = rewired;
            }
            catch (Exception ex) when (WriteFailures.OutcomeUnknown(ex))
            {
                using var budget = WriteFailures.ReadBackToken();
                V1Ingress? now;
                try
                {
                    now = await _writer.GetIngressAsync(plan.Target.Namespace, plan.Target.IngressName!, budget.Token).ConfigureAwait(false);
                }
                catch (Exception readFailure) when (readFailure is KubeApiException or OperationCanceledException)
                {
                    throw WriteFailures.WithNote(ex, $"Reading Ingress {name} again failed too ({readFailure.Message}), so whether it was updated is unknown.");
                }

                if (now is not null && WiringRecord.ReadAll(now).TryGetValue(plan.Target.SecretName, out var record) && record.Id == plan.PublishId)
                {
                    warn?.Invoke($"The update of Ingress {name} was applied; the reply was lost ({WriteFailures.Why(ex)}).");
                    if (ex is OperationCanceledException)
                    {
                        // Applied, but the caller cancelled: it hears the cancellation (and reads the state itself).
                        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex);
                    }

                    return true;
                }

                throw WriteFailures.WithNote(ex, $"Ingress {name} was not changed.");
            }
        }
    }

    /// <summary>
    /// Puts back exactly the state before <paramref name="plan"/>'s publish, which <paramref name="applied"/>
    /// describes: the Ingress wiring record and spec.tls, the Secret (data, annotations and the undo record it had),
    /// and removes the history entry the publish made (so history is as before). Unlike an undo it keeps no copy
    /// of the certificate taken out: that certificate failed verification. Returns what was done, in words.
    /// </summary>
    /// <exception cref="PublishRefusedException">Someone changed the Secret or Ingress since the publish: not rolled back.</exception>
    /// <exception cref="KubeApiException">A write failed; the message says what state was left.</exception>
    public async Task<string> RollBackAsync(PublishPlan plan, PublishOutcome applied, CancellationToken cancellationToken, Action<string>? warn = null)
    {
        var target = plan.Target;
        string t = $"Secret {target}";
        var done = new List<string>();
        if (applied.IngressWritten && target.IngressName is { } ingressName)
        {
            string hosts = await UnwireForRollbackAsync(plan, ingressName, warn, cancellationToken).ConfigureAwait(false);
            if (hosts.Length > 0)
            {
                done.Add($"Ingress {target.Namespace}/{ingressName} no longer serves {hosts} from it");
            }
        }

        if (applied.GatewayWritten || applied.GrantWritten)
        {
            done.AddRange(await UnwireGatewayForRollbackAsync(plan, applied, warn, cancellationToken).ConfigureAwait(false));
        }

        if (applied.SecretReplaced && applied.Written is { } written && plan.PreviousSecret is { } previous)
        {
            string undone = done.Count == 0 ? string.Empty : $" ({string.Join("; ", done)})";
            for (int attempt = 1; ; attempt++)
            {
                var fresh = await _writer.GetSecretAsync(target.Namespace, target.SecretName, cancellationToken).ConfigureAwait(false);
                if (fresh is null || !SecretHistory.Holds(fresh, written))
                {
                    throw new PublishRefusedException(new PublishRefusal("SecretChanged",
                        $"{t} was changed by another writer after the publish; not rolling it back, so that change is not lost.{undone}"));
                }

                var restore = Restoring(previous, fresh);
                try
                {
                    await _writer.ReplaceSecretAsync(restore, cancellationToken).ConfigureAwait(false);
                    break;
                }
                catch (KubeApiException ex) when (ex.Kind == KubeErrorKind.Conflict && attempt < MaxAttempts)
                {
                }
                catch (Exception ex) when (ex is KubeApiException or OperationCanceledException)
                {
                    var now = WriteFailures.OutcomeUnknown(ex) ? await ReadBackAsync(target, ex).ConfigureAwait(false) : null;
                    if (now is not null && SecretHistory.Holds(now, restore))
                    {
                        warn?.Invoke($"The rollback of {t} was applied; the reply was lost ({WriteFailures.Why(ex)}).");
                        if (ex is OperationCanceledException)
                        {
                            throw;
                        }

                        break;
                    }

                    throw WriteFailures.WithNote(ex,
                        $"{t} still holds the new certificate {plan.Thumbprint}{undone}; Undo-IngressCertificate -Namespace {target.Namespace} -SecretName {target.SecretName} puts back {plan.PreviousThumbprint}.");
                }
            }

            done.Insert(0, $"{t} was restored to the previous certificate {plan.PreviousThumbprint}");
            if (applied.Archive is { } archive)
            {
                // The Secret holds again what the entry holds: the entry is a spare copy now.
                await new SecretHistory(_writer, _clock).DeleteLeftoverAsync(archive, warn, $"the rollback put its certificate back into {t}").ConfigureAwait(false);
            }
        }

        return done.Count == 0 ? "Nothing was rolled back." : string.Join(", and ", done) + ".";
    }

    /// <summary>The previous Secret as it was (data, labels, annotations with its undo record), at the resourceVersion read now.</summary>
    private static V1Secret Restoring(V1Secret previous, V1Secret fresh) => PublishPlanner.Shaped(fresh, previous);

    /// <summary>Removes this publish's wiring and gives the Secret's entry its wiring record from before; the hosts unwired, in words.</summary>
    private async Task<string> UnwireForRollbackAsync(PublishPlan plan, string ingressName, Action<string>? warn, CancellationToken cancellationToken)
    {
        string ns = plan.Target.Namespace;
        WiringRecord? before = plan.PreviousIngress is { } pi && WiringRecord.ReadAll(pi).TryGetValue(plan.Target.SecretName, out var r) ? r : null;
        for (int attempt = 1; ; attempt++)
        {
            var fresh = await _writer.GetIngressAsync(ns, ingressName, cancellationToken).ConfigureAwait(false);
            if (fresh is null)
            {
                warn?.Invoke($"Ingress {ns}/{ingressName}, which the publish wired, no longer exists; there is no wiring to roll back.");
                return string.Empty;
            }

            var notes = new List<string>();
            var (unwiring, refusal) = UndoPlanner.Unwire(fresh, plan.Target.SecretName, plan.PublishId, force: false, notes);
            foreach (string note in notes)
            {
                warn?.Invoke(note);
            }

            if (refusal is not null)
            {
                throw new PublishRefusedException(refusal);
            }

            if (unwiring is null)
            {
                return string.Empty;
            }

            WiringRecord.Store(unwiring.Ingress, plan.Target.SecretName, before);
            try
            {
                await _writer.ReplaceIngressAsync(unwiring.Ingress, cancellationToken).ConfigureAwait(false);
                return string.Join(", ", unwiring.Hosts);
            }
            catch (KubeApiException ex) when (ex.Kind == KubeErrorKind.Conflict && attempt < MaxAttempts)
            {
            }
            catch (Exception ex) when (WriteFailures.OutcomeUnknown(ex))
            {
                using var budget = WriteFailures.ReadBackToken();
                V1Ingress? now;
                try
                {
                    now = await _writer.GetIngressAsync(ns, ingressName, budget.Token).ConfigureAwait(false);
                }
                catch (Exception readFailure) when (readFailure is KubeApiException or OperationCanceledException)
                {
                    // The rollback's own failure stays the error; the failed read only adds that its outcome is unknown.
                    throw WriteFailures.WithNote(ex, $"Reading Ingress {ns}/{ingressName} again failed too ({readFailure.Message}), so whether its wiring was rolled back is unknown.");
                }

                if (now is not null && !(WiringRecord.ReadAll(now).TryGetValue(plan.Target.SecretName, out var left) && left.Id == plan.PublishId))
                {
                    warn?.Invoke($"The rollback of Ingress {ns}/{ingressName} was applied; the reply was lost ({WriteFailures.Why(ex)}).");
                    if (ex is OperationCanceledException)
                    {
                        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex);
                    }

                    return string.Join(", ", unwiring.Hosts);
                }

                throw;
            }
        }
    }

    /// <summary>
    /// Reads what an undo of the Secret's last publish needs: the Secret, and what its publish record calls for; or,
    /// with <paramref name="thumbprint"/> (a chosen history entry to restore), the Secret and its history.
    /// </summary>
    public async Task<UndoState> ReadUndoStateAsync(string ns, string secretName, CancellationToken cancellationToken, string? thumbprint = null)
    {
        var secret = await _writer.GetSecretAsync(ns, secretName, cancellationToken).ConfigureAwait(false);
        if (secret is null)
        {
            return new UndoState(ns, secretName, null, Array.Empty<V1Secret>(), Thumbprint: thumbprint);
        }

        var record = PublishRecord.Read(secret);
        var store = new SecretHistory(_writer, _clock);
        IReadOnlyList<V1Secret> history = Array.Empty<V1Secret>();
        if (thumbprint is not null)
        {
            return new UndoState(ns, secretName, secret, await store.ListAsync(ns, secretName, cancellationToken).ConfigureAwait(false), Thumbprint: thumbprint);
        }

        if (record is { Undo: true })
        {
            // Already undone: the plan refuses, and needs nothing more.
            return new UndoState(ns, secretName, secret, history);
        }

        if (record?.ArchiveName is { } archiveName)
        {
            // The publish named the entry it made: that one is restored, and no other is looked at.
            history = await store.GetAsync(ns, secretName, archiveName, cancellationToken).ConfigureAwait(false) is { } entry ? new[] { entry } : history;
        }
        else if (record is null || record.SecretAction == PublishAction.Updated)
        {
            history = await store.ListAsync(ns, secretName, cancellationToken).ConfigureAwait(false);
        }

        var ingress = record?.IngressName is { } ingressName
            ? await _writer.GetIngressAsync(ns, ingressName, cancellationToken).ConfigureAwait(false)
            : null;
        var references = record?.SecretAction == PublishAction.Created
            ? await ReadReferencesAsync(ns, cancellationToken).ConfigureAwait(false)
            : null;
        var (gateway, grant) = await ReadUndoGatewayAsync(record, secretName, cancellationToken).ConfigureAwait(false);
        return new UndoState(ns, secretName, secret, history, ingress, references) { Gateway = gateway, Grant = grant };
    }

    /// <summary>Plans an undo of the Secret's last publish, or with <paramref name="thumbprint"/> the restore of that history entry.</summary>
    public async Task<UndoPlan> PlanUndoAsync(string ns, string secretName, bool force, CancellationToken cancellationToken, string? thumbprint = null) =>
        UndoPlanner.Plan(await ReadUndoStateAsync(ns, secretName, cancellationToken, thumbprint).ConfigureAwait(false), force, _clock());

    /// <summary>Undoes the Secret's last publish: plans, then applies (for callers that show no plan first).</summary>
    /// <exception cref="PublishRefusedException">The undo must not happen (see <see cref="UndoPlanner"/>).</exception>
    public async Task<PublishOutcome> UndoAsync(string ns, string secretName, bool force, CancellationToken cancellationToken, Action<string>? warn = null) =>
        await ApplyUndoAsync(await PlanUndoAsync(ns, secretName, force, cancellationToken).ConfigureAwait(false), force, cancellationToken, warn).ConfigureAwait(false);

    /// <summary>
    /// Applies <paramref name="plan"/>: the Ingress update first, then the Secret's restore, update or delete, each
    /// conditional on the resourceVersion read. When another writer changed either meanwhile (or deleted it), the
    /// state is read and planned again; a fresh plan that refuses ends the undo with that refusal. A write whose
    /// answer is lost is settled by reading the object again.
    /// </summary>
    /// <exception cref="PublishRefusedException">The plan, or a fresh one, refused the undo.</exception>
    /// <exception cref="KubeApiException">A write failed, or conflicts persisted.</exception>
    public async Task<PublishOutcome> ApplyUndoAsync(UndoPlan plan, bool force, CancellationToken cancellationToken, Action<string>? warn = null)
    {
        string? unwiredIngress = null;
        string? unwiredGateway = null;
        IReadOnlyList<string> unwiredListeners = Array.Empty<string>();
        var unwiredHosts = new List<string>();
        string again = $"Undo-IngressCertificate -Namespace {plan.Namespace} -SecretName {plan.SecretName} again finishes the undo";

        // A failure after the Ingress update leaves it unwired: the error must say so, not only that the undo failed.
        string? AlreadyUnwired() =>
            unwiredIngress is null ? null : $"(The wiring of Ingress {plan.Namespace}/{unwiredIngress} was already removed: {string.Join(", ", unwiredHosts)}; {again}.)";

        if (plan.Refusal is null)
        {
            await CheckRightsAsync(PlannedAccess.Of(plan), cancellationToken).ConfigureAwait(false);
        }

        for (int attempt = 1; ; attempt++)
        {
            if (plan.Refusal is { } refusal)
            {
                throw WriteFailures.WithNote(new PublishRefusedException(refusal), AlreadyUnwired());
            }

            try
            {
                if (plan.Unwiring is { } unwiring)
                {
                    await UnwireAsync(plan, unwiring, warn, cancellationToken).ConfigureAwait(false);
                    unwiredIngress = unwiring.Ingress.Metadata.Name;
                    unwiredHosts.AddRange(unwiring.Hosts);
                    plan = plan with { Unwiring = null };
                }

                if (plan.GatewayUnwiring is not null || plan.GrantRemoval is not null)
                {
                    unwiredGateway = plan.GatewayUnwiring is { } g ? $"{GatewayWiring.Str(g.Gateway["metadata"], "namespace")}/{GatewayWiring.Str(g.Gateway["metadata"], "name")}" : unwiredGateway;
                    unwiredListeners = await UndoGatewayAsync(plan, warn, cancellationToken).ConfigureAwait(false);
                    plan = plan with { GatewayUnwiring = null, GrantRemoval = null };
                }

                await UndoSecretAsync(plan, warn, cancellationToken).ConfigureAwait(false);
                return (plan.DeletesSecret
                    ? new PublishOutcome(PublishAction.Deleted, plan.CurrentThumbprint, string.Empty, default, unwiredHosts, IngressName: unwiredIngress)
                    : new PublishOutcome(PublishAction.Updated, plan.CurrentThumbprint,
                        (plan.Restoring is null ? plan.CurrentThumbprint : plan.RestoredThumbprint) ?? string.Empty,
                        (plan.Restoring is null ? plan.CurrentNotAfter : plan.RestoredNotAfter) ?? default,
                        unwiredHosts, IngressName: unwiredIngress)) with { GatewayName = unwiredGateway, Listeners = unwiredListeners };
            }
            catch (KubeApiException ex) when (ex.Kind is KubeErrorKind.Conflict or KubeErrorKind.NotFound && attempt < MaxAttempts)
            {
                _diagnostics?.Invoke($"{ex.Target} changed during the undo ({ex.Kind}); reading again and deciding again.");
                plan = await PlanUndoAsync(plan.Namespace, plan.SecretName, force, cancellationToken, plan.ChosenThumbprint).ConfigureAwait(false);
            }
            catch (KubeApiException ex) when (unwiredIngress is not null)
            {
                throw WriteFailures.WithNote(ex, AlreadyUnwired());
            }
        }
    }

    private async Task UnwireAsync(UndoPlan plan, IngressUnwiring unwiring, Action<string>? warn, CancellationToken cancellationToken)
    {
        var ingress = unwiring.Ingress;
        string name = $"{plan.Namespace}/{ingress.Metadata.Name}";
        try
        {
            await _writer.ReplaceIngressAsync(ingress, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (WriteFailures.OutcomeUnknown(ex))
        {
            using var budget = WriteFailures.ReadBackToken();
            V1Ingress? now;
            try
            {
                now = await _writer.GetIngressAsync(plan.Namespace, ingress.Metadata.Name, budget.Token).ConfigureAwait(false);
            }
            catch (Exception readFailure) when (readFailure is KubeApiException or OperationCanceledException)
            {
                throw WriteFailures.WithNote(ex, $"Reading Ingress {name} again failed too ({readFailure.Message}), so whether its wiring was removed is unknown; nothing else was changed.");
            }

            // Applied when the Secret's wiring record is gone (the update removed it together with the hosts).
            if (now is not null && !WiringRecord.ReadAll(now).ContainsKey(plan.SecretName))
            {
                warn?.Invoke($"The update of Ingress {name} was applied; the reply was lost ({WriteFailures.Why(ex)}).");
                if (ex is OperationCanceledException)
                {
                    throw;
                }

                return;
            }

            throw WriteFailures.WithNote(ex, "Nothing was changed.");
        }
        catch (KubeApiException ex) when (ex.Kind is not (KubeErrorKind.Conflict or KubeErrorKind.NotFound))
        {
            throw WriteFailures.WithNote(ex, "Nothing was changed.");
        }
    }

    private async Task UndoSecretAsync(UndoPlan plan, Action<string>? warn, CancellationToken cancellationToken)
    {
        var current = plan.Current!;
        string t = $"Secret {plan.Namespace}/{plan.SecretName}";
        if (plan.DeletesSecret)
        {
            // Conditional on the resourceVersion read: a Secret changed since is never deleted (409, then re-planned).
            try
            {
                await _writer.DeleteSecretAsync(plan.Namespace, plan.SecretName, current.Metadata.ResourceVersion, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (WriteFailures.OutcomeUnknown(ex))
            {
                var now = await ReadBackAsync(new PublishTarget(plan.Namespace, plan.SecretName), ex).ConfigureAwait(false);
                if (now is null || now.Metadata.Uid != current.Metadata.Uid)
                {
                    warn?.Invoke($"The deletion of {t} was applied; the reply was lost ({WriteFailures.Why(ex)}).");
                    if (ex is OperationCanceledException)
                    {
                        throw;
                    }

                    return;
                }

                throw WriteFailures.WithNote(ex, $"{t} was not deleted.");
            }

            return;
        }

        if (plan.Restoring is { } entry)
        {
            // Keep what is being replaced, so Undo -Thumbprint can put it back; the restored entry leaves history and the
            // replaced certificate joins it, so the count stays the same.
            var history = new SecretHistory(_writer, _clock);
            // The undo's record names the entry it made, so the history says which write archived what.
            var restored = plan.SecretToWrite!;
            // Once the Secret holds what the entry holds, the entry is a spare copy of a key: it goes as soon as the
            // restore is known to have landed, also when Ctrl+C came while the reply was outstanding.
            await history.ReplaceArchivingAsync(current, made => PublishRecord.NamingArchive(restored, made.Metadata.Name), warn, cancellationToken,
                archivedBy: PublishRecord.Read(restored)?.Id, spareOnceWritten: (entry, $"its certificate was restored into {t}")).ConfigureAwait(false);
            return;
        }

        if (plan.SecretToWrite is { } toWrite)
        {
            await WriteSettlingAsync(new PublishTarget(plan.Namespace, plan.SecretName), toWrite, "update", c => _writer.ReplaceSecretAsync(toWrite, c),
                _ => $"{t} was not changed.", $"{t} was not changed.", warn, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Every TLS reference in the namespace: the Ingresses' spec.tls entries and the Gateways' listeners.</summary>
    private async Task<IReadOnlyList<TlsReference>> ReadReferencesAsync(string ns, CancellationToken cancellationToken)
    {
        var reader = new ClusterReader(_writer.Connection, _diagnostics);
        string source = _writer.Connection.ContextName;
        var references = new List<TlsReference>();
        await foreach (var page in reader.ListIngressPagesAsync(ns, cancellationToken).ConfigureAwait(false))
        {
            references.AddRange(page.SelectMany(i => ReferenceExtractor.FromIngress(i, source)));
        }

        var grants = new ReferenceGrantIndex();
        await foreach (var page in reader.ListGatewayApiPagesAsync("v1", "gateways", ns, cancellationToken).ConfigureAwait(false))
        {
            references.AddRange(page.SelectMany(g => ReferenceExtractor.FromGateway(g, source, grants)));
        }

        return references;
    }
}

/// <summary>A publish or undo that must not happen, with the reason.</summary>
public sealed class PublishRefusedException : Exception
{
    public PublishRefusedException(PublishRefusal refusal) : base(refusal.Message) => Refusal = refusal;

    public PublishRefusal Refusal { get; }
}
