using IngressCerts.Engine.Kubernetes;
using IngressCerts.Engine.Probing;

namespace IngressCerts.Engine.Publishing;

/// <summary>How a publish proves itself: wait until every host serves the certificate, and roll back if not.</summary>
/// <param name="Timeout">How long to wait for every host to serve the new certificate.</param>
/// <param name="Endpoint">host:port to probe instead of the Ingress's load balancer address (or DNS).</param>
/// <param name="Rollback">Put the state before the publish back when a host does not serve the certificate.</param>
public sealed record VerifyOptions(TimeSpan Timeout, string? Endpoint = null, bool Rollback = true);

/// <summary>Where -Verify stands while it waits.</summary>
/// <param name="Served">Hosts that serve the new certificate so far, of <paramref name="Total"/>.</param>
/// <param name="Status">What the last round saw, in words.</param>
public sealed record VerifyProgress(string Thumbprint, TimeSpan Elapsed, TimeSpan Timeout, int Served, int Total, string Status)
{
    public int PercentComplete => Timeout <= TimeSpan.Zero ? 100 : (int)Math.Clamp(Elapsed.TotalMilliseconds * 100 / Timeout.TotalMilliseconds, 0, 100);

    public int SecondsRemaining => (int)Math.Max(0, Math.Ceiling((Timeout - Elapsed).TotalSeconds));
}

/// <summary>What a running publish tells its caller, as it happens. Every member is optional.</summary>
public sealed class PublishCallbacks
{
    /// <summary>Something the user must know that does not fail the publish (a lost reply, a copy left over, history not pruned).</summary>
    public Action<string>? Warning { get; init; }

    /// <summary>-Verify's progress, once before the first probe and after every round.</summary>
    public Action<VerifyProgress>? Progress { get; init; }

    /// <summary>The publish was cancelled: the state it left, in words, said before the cancellation goes on.</summary>
    public Action<string>? Interrupted { get; init; }

    /// <summary>
    /// Completes once every <see cref="Warning"/> given so far has reached the user; awaited before a first write when
    /// a warning may stop the run (-WarningAction Stop): a warning that stops it then stops it before that write, not
    /// in the middle of it. Null: warnings never stop the run, and nothing waits.
    /// </summary>
    public Func<CancellationToken, Task>? Delivered { get; init; }
}

/// <summary>
/// The one write path for a certificate: plan, apply, verify, then prune the history (verified) or roll back to
/// exactly the state before (not verified). Publish-IngressCertificate drives it after its confirmation; unattended
/// callers drive it the same way. It decides everything; callers only show what it reports.
/// </summary>
public sealed class PublishOperation
{
    private readonly Publisher _publisher;
    private readonly ServedVerifier _verifier;
    private readonly Func<DateTimeOffset> _clock;

    public PublishOperation(Publisher publisher, ServedVerifier? verifier = null, Func<DateTimeOffset>? clock = null)
    {
        _publisher = publisher;
        _verifier = verifier ?? new ServedVerifier();
        _clock = clock ?? (() => DateTimeOffset.UtcNow);
    }

    /// <param name="secret">The Secret as the caller has just read it (Sync, under its Lease); null reads it.</param>
    public Task<PublishPlan> PlanAsync(PublishTarget target, PublishPayload payload, CancellationToken cancellationToken, KnownSecret? secret = null) =>
        _publisher.PlanAsync(target, payload, cancellationToken, secret);

    /// <summary>
    /// Why -Verify could not run for <paramref name="plan"/>, decided before any write (so a bad -Endpoint or a
    /// publish without hosts writes nothing); null when it can run, or when there is nothing to verify.
    /// </summary>
    public static PublishRefusal? CheckVerify(PublishPlan plan, VerifyOptions? verify)
    {
        if (verify is null)
        {
            return null;
        }

        if (verify.Endpoint is { } endpoint && !ProbeEndpoint.TryParse(endpoint, out _))
        {
            return new PublishRefusal("InvalidEndpoint", $"-Endpoint '{endpoint}' is not host, host:port or [ipv6]:port; nothing was written to Secret {plan.Target}.");
        }

        if (plan.Hosts.Count == 0)
        {
            return new PublishRefusal("VerifyNeedsHost", $"Cannot verify Secret {plan.Target}: no host is known; give -Host or -IngressName. Nothing was written.");
        }

        return null;
    }

    /// <summary>
    /// Applies <paramref name="plan"/> (when it changes anything), then with <paramref name="verify"/> waits for the
    /// certificate to be served. Verified (or not verifying): history is pruned to the limit. Not verified: the state
    /// before the publish is put back (Action RolledBack, with the certificate the Secret holds again), unless
    /// <see cref="VerifyOptions.Rollback"/> is off or there is nothing to put back; <see cref="PublishOutcome.VerifyFailure"/>
    /// says what was seen and done.
    /// </summary>
    /// <exception cref="PublishRefusedException">The plan (or a fresh one) refused, or -Verify cannot run.</exception>
    /// <exception cref="KubeApiException">A write failed; the message says what was already written.</exception>
    public async Task<PublishOutcome> RunAsync(PublishPlan plan, PublishPayload payload, VerifyOptions? verify, PublishCallbacks? callbacks, CancellationToken cancellationToken)
    {
        callbacks ??= new PublishCallbacks();
        if (CheckVerify(plan, verify) is { } refusal)
        {
            throw new PublishRefusedException(refusal);
        }

        PublishOutcome outcome;
        if (plan.HasChanges)
        {
            // The rights check (WritePreflight) runs in ApplyAsync, before its first write.
            try
            {
                outcome = await _publisher.ApplyAsync(plan, payload, cancellationToken, callbacks.Warning).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                callbacks.Interrupted?.Invoke(await StoppedWhileWritingAsync(plan).ConfigureAwait(false));
                throw;
            }
        }
        else
        {
            outcome = new PublishOutcome(plan.Action, plan.PreviousThumbprint, plan.Thumbprint, plan.NotAfter, plan.Hosts);
        }

        if (verify is null)
        {
            await PruneAsync(plan, outcome, callbacks, cancellationToken).ConfigureAwait(false);
            return outcome;
        }

        IReadOnlyList<ServedObservation> observations;
        try
        {
            observations = await VerifyAsync(plan, verify, callbacks, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            callbacks.Interrupted?.Invoke(Unverified(plan, outcome));
            throw;
        }
        catch (KubeApiException ex)
        {
            throw WriteFailures.WithNote(ex, Publisher.WrittenNote(plan, outcome.Written, outcome.Archive));
        }

        if (observations.All(o => o.Verified))
        {
            await PruneAsync(plan, outcome, callbacks, cancellationToken).ConfigureAwait(false);
            return outcome with { Verified = true, Observations = observations };
        }

        string failure = $"The endpoint did not serve {plan.Thumbprint} for Secret {plan.Target} within {verify.Timeout.TotalSeconds:0.##} s. "
            + string.Join(" ", observations.Where(o => !o.Verified).Select(o => o.Message));
        string target = $"Secret {plan.Target}";
        string undo = $"Undo-IngressCertificate -Namespace {plan.Target.Namespace} -SecretName {plan.Target.SecretName}";
        string what;
        if (verify.Rollback && ((outcome.SecretReplaced && outcome.Archive is not null) || outcome.GatewayWritten || outcome.GrantWritten))
        {
            try
            {
                string done = await _publisher.RollBackAsync(plan, outcome, cancellationToken, callbacks.Warning).ConfigureAwait(false);
                return new PublishOutcome(PublishAction.RolledBack, plan.Thumbprint, plan.PreviousThumbprint ?? string.Empty, plan.PreviousNotAfter ?? default, plan.Hosts)
                {
                    GatewayName = outcome.GatewayName,
                    Listeners = outcome.Listeners,
                    Verified = false,
                    VerifyFailure = $"{failure} {done}",
                    Observations = observations,
                };
            }
            catch (Exception ex) when (ex is PublishRefusedException or KubeApiException)
            {
                what = $"Restoring the previous certificate failed: {ex.Message}";
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Ctrl+C in the middle of the rollback: what the Secret holds now is what the user must hear.
                callbacks.Interrupted?.Invoke($"The rollback after a failed -Verify was stopped. {await StoppedWhileWritingAsync(plan).ConfigureAwait(false)}");
                throw;
            }
        }
        else if (!verify.Rollback && plan.HasChanges)
        {
            what = $"The new certificate was kept (-NoRollback); {undo} puts back {plan.PreviousThumbprint ?? "the state before"}.";
        }
        else if (outcome.Action == PublishAction.Created)
        {
            what = $"There is no previous certificate to restore; {undo} deletes {target}.";
        }
        else if (outcome.SecretReplaced)
        {
            what = $"No copy of the previous certificate {plan.PreviousThumbprint} was kept (-HistoryLimit 0), so it cannot be restored.";
        }
        else
        {
            what = $"{target} holds {plan.Thumbprint} as before; nothing was rolled back.";
        }

        // Not verified and not rolled back: the history stays as it is, so that Undo still has every entry.
        return outcome with { Verified = false, VerifyFailure = $"{failure} {what}", Observations = observations };
    }

    private async Task PruneAsync(PublishPlan plan, PublishOutcome outcome, PublishCallbacks callbacks, CancellationToken cancellationToken)
    {
        if (outcome.Archive is null)
        {
            return;
        }

        try
        {
            await _publisher.PruneHistoryAsync(plan.Target, outcome.ArchiveName, cancellationToken, callbacks.Warning).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The publish itself is done; only the clean-up of old copies was cut short.
            callbacks.Interrupted?.Invoke($"The publish was stopped while pruning history: Secret {plan.Target} holds {plan.Thumbprint} as published; older history entries may remain beyond the limit, and the next publish prunes them.");
            throw;
        }
    }

    private async Task<IReadOnlyList<ServedObservation>> VerifyAsync(PublishPlan plan, VerifyOptions verify, PublishCallbacks callbacks, CancellationToken cancellationToken)
    {
        var ingress = plan.Target.IngressName is null || verify.Endpoint is not null
            ? null
            : await _publisher.GetIngressAsync(plan.Target.Namespace, plan.Target.IngressName, cancellationToken).ConfigureAwait(false);
        // A Gateway is probed at its status.addresses, as an Ingress at its load balancer status.
        var gateway = plan.Target.GatewayName is null || verify.Endpoint is not null
            ? null
            : await _publisher.GetGatewayAsync(plan.Target.GatewayNs, plan.Target.GatewayName, cancellationToken).ConfigureAwait(false);
        // An address in the status that cannot be probed is a target without an endpoint: that host fails
        // verification (ServedObservation.AddressInvalid) and the others are probed as usual.
        IReadOnlyList<ServedTarget> targets;
        try
        {
            targets = gateway is null
                ? ServedVerifier.Targets(plan.Hosts, verify.Endpoint, ingress)
                : ServedVerifier.Targets(plan.Hosts, verify.Endpoint, GatewayWiring.StatusAddress(gateway), $"Gateway {plan.Target.GatewayNs}/{plan.Target.GatewayName} has the address");
        }
        catch (ArgumentException ex)
        {
            // Only a user's -Endpoint throws here, and CheckVerify refuses a bad one before any write.
            return plan.Hosts.Select(h => new ServedObservation(h, string.Empty, false, null, $"{h}: {ex.Message}")).ToList();
        }

        var started = _clock();
        callbacks.Progress?.Invoke(new VerifyProgress(plan.Thumbprint, TimeSpan.Zero, verify.Timeout, 0, targets.Count, $"Probing {string.Join(", ", plan.Hosts)}"));
        return await _verifier.WaitAsync(targets, plan.Thumbprint, verify.Timeout, cancellationToken, round =>
            callbacks.Progress?.Invoke(new VerifyProgress(plan.Thumbprint, _clock() - started, verify.Timeout, round.Count(o => o.Verified), round.Count,
                string.Join(" ", round.Where(o => !o.Verified).Select(o => o.Message).DefaultIfEmpty("Every host serves it.")))))
            .ConfigureAwait(false);
    }

    /// <summary>The state a cancelled -Verify leaves, in words: written, not verified, not rolled back.</summary>
    private static string Unverified(PublishPlan plan, PublishOutcome outcome)
    {
        string target = $"Secret {plan.Target}";
        string undo = $"Undo-IngressCertificate -Namespace {plan.Target.Namespace} -SecretName {plan.Target.SecretName}";
        return outcome switch
        {
            { SecretReplaced: true } => $"-Verify was stopped: the new certificate {plan.Thumbprint} is in {target} but was not verified and not rolled back; {undo} puts back {plan.PreviousThumbprint}.",
            { Action: PublishAction.Created } when plan.HasChanges => $"-Verify was stopped: the new certificate {plan.Thumbprint} is in {target} (created by this publish) but was not verified; {undo} deletes it.",
            _ => $"-Verify was stopped: {target} holds {plan.Thumbprint}; it was not verified.",
        };
    }

    /// <summary>The state a publish cancelled while writing leaves, read from the cluster (its own budget: the caller has cancelled).</summary>
    private async Task<string> StoppedWhileWritingAsync(PublishPlan plan)
    {
        string target = $"Secret {plan.Target}";
        try
        {
            var state = await _publisher.ReadStateWithBudgetAsync(plan.Target).ConfigureAwait(false);
            var (thumbprint, _) = state is null ? (null, null) : PublishPlanner.ReadCurrentCertificate(state);
            string undo = $"Undo-IngressCertificate -Namespace {plan.Target.Namespace} -SecretName {plan.Target.SecretName}";
            if (string.Equals(thumbprint, plan.Thumbprint, StringComparison.OrdinalIgnoreCase) && plan.SecretAction != PublishAction.Unchanged)
            {
                return $"The publish was stopped after {target} got the new certificate {plan.Thumbprint} (not verified); {undo} puts back {(plan.PreviousThumbprint ?? "the state before (it deletes the Secret)")}.";
            }

            return state is null
                ? $"The publish was stopped; {target} was not created."
                : $"The publish was stopped; {target} still holds {thumbprint ?? "no certificate"}.";
        }
        catch (Exception ex) when (ex is KubeApiException or OperationCanceledException)
        {
            return $"The publish was stopped while writing {target}, and reading it again failed ({ex.Message}): check which certificate it holds.";
        }
    }
}
