using IngressCerts.Engine.Certificates;
using IngressCerts.Engine.Kubernetes;
using IngressCerts.Engine.Publishing;
using k8s.Models;

namespace IngressCerts.Engine.Sync;

/// <summary>How Sync runs: the window, the Lease, and the publish options every renewal shares.</summary>
/// <param name="TrustedRoots">Roots trusted besides the system's when the chain of a certificate to publish is judged (-TrustedRootPath).</param>
public sealed record SyncOptions(int RenewWithinDays, PublishOptions Publish, VerifyOptions? Verify, TimeSpan LeaseDuration, string Holder,
    System.Security.Cryptography.X509Certificates.X509Certificate2Collection? TrustedRoots = null);

/// <summary>
/// The result of one reference, with the failure behind it when it failed (for the caller's error record).
/// <paramref name="Repeated"/>: another reference to the same Secret carries this failure already (one error per failure).
/// </summary>
public sealed record SyncOutcome(SyncResult Result, Exception? Error = null, PublishRefusal? Refusal = null, bool Repeated = false);

/// <summary>
/// Works through due references, at most a given number at once: for each, take its Lease (another run holding it
/// means Skipped, naming that run), read the Secret again (a run that finished meanwhile leaves nothing to do), get a
/// certificate from the source, publish it through <see cref="PublishOperation"/> (history, Ingress wiring, verify,
/// rollback) and release the Lease. A failure on one target is its result; the others go on.
/// </summary>
public sealed class SyncRunner
{
    private readonly ClusterConnection _connection;
    private readonly ISyncSource _source;
    private readonly SyncOptions _options;
    private readonly Action<string>? _diagnostics;
    private readonly Func<DateTimeOffset> _clock;
    // The rights check of each namespace, made once for this runner's connection (one context, one user) and shared
    // by its workers; it runs on no worker's token, so one worker's cancellation is not every later target's failure.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<Task<PublishRefusal?>>> _rightsByNamespace = new(StringComparer.Ordinal);

    public SyncRunner(ClusterConnection connection, ISyncSource source, SyncOptions options, Action<string>? diagnostics = null, Func<DateTimeOffset>? clock = null)
    {
        _connection = connection;
        _source = source;
        _options = options;
        _diagnostics = diagnostics;
        _clock = clock ?? (() => DateTimeOffset.UtcNow);
    }

    /// <summary>Runs every target, at most <paramref name="throttle"/> at once, handing each reference's outcome to <paramref name="report"/> as its target ends.</summary>
    public async Task RunAllAsync(IEnumerable<SyncTarget> targets, int throttle, PublishCallbacks? callbacks, Action<SyncOutcome> report, CancellationToken cancellationToken)
    {
        // The Sync preflight of a namespace, the publish preflights and the pending requests in it ask the same
        // questions: each is asked once for this run.
        WritePreflight.RememberAllowed(_connection);
        await Parallel.ForEachAsync(targets, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, throttle), CancellationToken = cancellationToken },
            async (target, c) =>
            {
                foreach (var outcome in await RunAsync(target, callbacks, c).ConfigureAwait(false))
                {
                    report(outcome);
                }
            }).ConfigureAwait(false);
    }

    /// <summary>Works on one target (one Secret); one outcome per reference to it, in the order of <see cref="SyncTarget.References"/>.</summary>
    public async Task<IReadOnlyList<SyncOutcome>> RunAsync(SyncTarget target, PublishCallbacks? callbacks, CancellationToken cancellationToken)
    {
        if (!target.Decision.IsDue)
        {
            return Results(target, target.Decision.Action, target.Decision.Reason);
        }

        try
        {
            // The Lease is the first write: the rights every renewal needs are checked before it, once per namespace, so
            // that a user short of one is refused with every missing right named and nothing written.
            if (await RightsAsync(target.Namespace, cancellationToken).ConfigureAwait(false) is { } denied)
            {
                return Results(target, SyncAction.Failed, $"{target}: {denied.Message}", denied);
            }

            var attempt = await TargetLease.TryAcquireAsync(_connection, target.Namespace, target.SecretName, _options.Holder, _options.LeaseDuration, _clock, cancellationToken).ConfigureAwait(false);
            if (attempt.Lease is not { } lease)
            {
                return Results(target, SyncAction.Skipped,
                    $"Leased by another run: {attempt.Holder}{(attempt.HeldUntil is { } until ? $" (until {until.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC unless renewed)" : string.Empty)}.");
            }

            await using (lease.ConfigureAwait(false))
            {
                using var work = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lease.Lost);
                try
                {
                    return await UnderLeaseAsync(target, callbacks, work.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (lease.Lost.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    var lost = new PublishRefusal("LeaseLost", $"{target}: {lease.LostReason} This run stopped working on it.");
                    return Results(target, SyncAction.Failed, lost.Message, lost);
                }
            }
        }
        catch (KubeApiException ex)
        {
            return Results(target, SyncAction.Failed, ex.Message, null, ex, ex.Kind == KubeErrorKind.Conflict ? "PublishConflict" : ex.Kind.ToString());
        }
        catch (PublishRefusedException ex)
        {
            return Results(target, SyncAction.Failed, ex.Refusal.Message, ex.Refusal, ex);
        }
        catch (Exception ex) when (ex is CertificateBundleException or System.Security.Cryptography.CryptographicException or InvalidDataException
            or IOException or UnauthorizedAccessException)
        {
            // A certificate or key this target's source gave that cannot be used: this target fails, the others go on.
            var unusable = new PublishRefusal(UnusableCertificate, $"{target}: the certificate for it cannot be used: {ex.Message}");
            return Results(target, SyncAction.Failed, unusable.Message, unusable, ex);
        }
    }

    /// <summary>
    /// The rights check of <paramref name="ns"/>, made once and shared; a check that failed (an API error) or was
    /// cancelled is not kept, so the next target asks again.
    /// </summary>
    private async Task<PublishRefusal?> RightsAsync(string ns, CancellationToken cancellationToken)
    {
        var check = _rightsByNamespace.GetOrAdd(ns, n => new Lazy<Task<PublishRefusal?>>(() => CheckRightsAsync(n, CancellationToken.None)));
        try
        {
            return await check.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (check.Value.IsFaulted || check.Value.IsCanceled)
        {
            _rightsByNamespace.TryRemove(new KeyValuePair<string, Lazy<Task<PublishRefusal?>>>(ns, check));
            throw;
        }
    }

    private const string RenewedMeanwhile = "RenewedMeanwhile";
    private const string RenewedMeanwhileReason = "Renewed meanwhile by another run: the Secret's certificate is no longer due.";

    /// <summary>The ErrorId of a target whose source gave a certificate or key that cannot be read or used.</summary>
    public const string UnusableCertificate = "CertificateUnusable";

    /// <summary>
    /// The rights every due target in <paramref name="ns"/> needs whatever it turns out to need besides: the Lease (get to
    /// see who holds it, create to take it, update to renew and take over it, delete to release it) and the Secret (get to read it
    /// again under the Lease, create for a new Secret or the history copy, update to replace the certificate). What a
    /// particular publish needs beyond that (wiring, pruning) is checked by the publish's own preflight before it writes.
    /// </summary>
    private async Task<PublishRefusal?> CheckRightsAsync(string ns, CancellationToken cancellationToken)
    {
        const string why = "renew a certificate";
        RequiredAccess[] needed =
        [
            new("get", TargetLease.Group, TargetLease.Resource, ns, null, "see which run holds a target's Lease"),
            new("create", TargetLease.Group, TargetLease.Resource, ns, null, "take a target's Lease, so that one run renews it"),
            new("update", TargetLease.Group, TargetLease.Resource, ns, null, "renew a target's Lease, and take over one that expired"),
            new("delete", TargetLease.Group, TargetLease.Resource, ns, null, "release a target's Lease"),
            RequiredAccess.OnSecrets("get", ns, null, "read the Secret again under its Lease"),
            RequiredAccess.OnSecrets("create", ns, null, why),
            RequiredAccess.OnSecrets("update", ns, null, why),
            .. _source.RequiredAccess(ns),
        ];
        var denied = await new WritePreflight(_diagnostics).FindDeniedAsync(_connection, needed, cancellationToken).ConfigureAwait(false);
        return denied.Count == 0 ? null : WritePreflight.Refusal(_connection, denied);
    }

    private async Task<IReadOnlyList<SyncOutcome>> UnderLeaseAsync(SyncTarget planned, PublishCallbacks? callbacks, CancellationToken cancellationToken)
    {
        var read = await new ClusterWriter(_connection).GetSecretAsync(planned.Namespace, planned.SecretName, cancellationToken).ConfigureAwait(false);
        try
        {
            return await WithSecretAsync(planned, new KnownSecret(read), callbacks, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // The key read with the Secret served the publish plan (the history copy): wiped once the target is done.
            foreach (var value in read?.Data?.Values ?? [])
            {
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(value);
            }
        }
    }

    /// <summary>The target's work once its Secret was read under the Lease (<paramref name="secret"/>, handed to the first publish plan).</summary>
    private async Task<IReadOnlyList<SyncOutcome>> WithSecretAsync(SyncTarget planned, KnownSecret secret, PublishCallbacks? callbacks, CancellationToken cancellationToken)
    {
        var target = Again(planned, secret.Secret);
        if (target is null)
        {
            return Results(planned, SyncAction.Unchanged, RenewedMeanwhileReason);
        }

        using var answer = await _source.ObtainAsync(target, cancellationToken).ConfigureAwait(false);
        if (answer.Pending)
        {
            return Results(target, SyncAction.Requested, $"{target.Decision.Reason} The request is pending at the CA; the next run completes it.");
        }

        if (answer.Refusal is { } refused)
        {
            return Results(target, SyncAction.Failed, refused.Message, refused);
        }

        if (answer.Bundle is not { } bundle)
        {
            var none = new PublishRefusal("NoCertificateAvailable", $"{target}: {target.Decision.Reason} {answer.Nothing}");
            return Results(target, SyncAction.Failed, none.Message, none);
        }

        var failures = bundle.Preflight(target.Hosts, _clock());
        if (failures.Count > 0)
        {
            var refusal = new PublishRefusal(failures[0].Id, $"Not publishing to Secret {target}: {string.Join("; ", failures.Select(f => f.Message))}.");
            return Results(target, SyncAction.Failed, refusal.Message, refusal);
        }

        // What may be wrong with the chain, judged against the roots the caller trusts besides the system's.
        foreach (string warning in _options.TrustedRoots is { } roots ? bundle.WarningsTrusting(roots.Cast<System.Security.Cryptography.X509Certificates.X509Certificate2>()) : bundle.Warnings)
        {
            callbacks?.Warning?.Invoke($"Secret {target}: {warning}");
        }

        try
        {
            // A warning said so far (the chain above, a drop-folder file that could not be read) that stops the run
            // stops it here, before the first write of this target.
            if (callbacks?.Delivered is { } delivered)
            {
                await delivered(cancellationToken).ConfigureAwait(false);
            }

            return await PublishAllAsync(target, secret, answer, bundle, callbacks, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && answer.Stopped is { } stopped)
        {
            // The run stopped before, during or just after the publish: the source settles what it keeps (a pending
            // key goes only if its certificate was written; else the next run completes the request).
            await stopped().ConfigureAwait(false);
            throw;
        }
    }

    private async Task<IReadOnlyList<SyncOutcome>> PublishAllAsync(SyncTarget target, KnownSecret secret, SourceAnswer answer, CertificateBundle bundle, PublishCallbacks? callbacks, CancellationToken cancellationToken)
    {
        // One publish per Ingress or Gateway listener naming the Secret, each wiring its own hosts, as Publish does with
        // -IngressName or -GatewayName: the first writes the certificate, the others find it there and only wire (and
        // verify). A Gateway reference is renewed into the same listener; a cross-namespace one only where a
        // ReferenceGrant already allows it (Sync never widens a grant: the plan refuses with ReferenceGrantRequired).
        var wirings = target.References
            .GroupBy(r => WiringOf(target, r))
            .OrderBy(g => g.Contains(target.Reference) ? 0 : 1)
            .ToList();
        using var payload = new PublishPayload(bundle.Leaf, bundle.TlsCrtPem, bundle.GetTlsKeyPemBytes());
        var operation = new PublishOperation(new Publisher(new ClusterWriter(_connection), _options.Publish, _diagnostics), clock: _clock);
        var outcomes = new Dictionary<IngressCertificate, SyncOutcome>(ReferenceEqualityComparer.Instance);
        PublishOutcome? written = null;
        foreach (var wiring in wirings)
        {
            var hosts = wiring.Key is null ? target.Hosts : wiring.SelectMany(r => r.Hosts).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            var publishTarget = wiring.Key is { Gateway: true } gateway
                ? new PublishTarget(target.Namespace, target.SecretName, Hosts: WiredHosts(hosts))
                {
                    GatewayName = gateway.Name,
                    GatewayNamespace = gateway.Namespace,
                    ListenerName = gateway.Listener,
                }
                : new PublishTarget(target.Namespace, target.SecretName, wiring.Key?.Name, WiredHosts(hosts));
            // The first plan uses the Secret read under the Lease (its PUT carries that resourceVersion: a change since is
            // a Conflict, read again and decided again); the further ones read it as the first left it.
            var published = await PublishAsync(operation, publishTarget, payload, callbacks, written is null ? secret : null,
                written is null ? fresh => Again(target, fresh) is null ? new PublishRefusal(RenewedMeanwhile, RenewedMeanwhileReason) : null : null,
                cancellationToken).ConfigureAwait(false);
            if (written is null)
            {
                if (published.Refusal is { Id: RenewedMeanwhile })
                {
                    // The Secret changed after it was read under the Lease (a run that took the expired Lease over, or a
                    // Publish, renewed it): read again, it is no longer due, and it is not renewed a second time. The
                    // certificate obtained for it is not used, so what the source keeps for it (a pending key) goes.
                    await CleanUpAsync(answer, callbacks, $"Secret {target} was renewed meanwhile by another writer, but cleaning up the certificate obtained for it failed", cancellationToken).ConfigureAwait(false);
                    return Results(target, SyncAction.Unchanged, RenewedMeanwhileReason);
                }

                if (published.Outcome is not { } first || !Kept(first))
                {
                    // The certificate was not written, or was taken back: every reference shares that.
                    return published.Outcome is { } back
                        ? target.References.Select((r, i) => new SyncOutcome(Published(target, r, back, back), Repeated: i > 0)).ToList()
                        : Results(target, SyncAction.Failed, published.Refusal!.Message, published.Refusal);
                }

                written = first;
                await CleanUpAsync(answer, callbacks, $"Secret {target} was published, but cleaning up after it failed", cancellationToken).ConfigureAwait(false);
            }

            foreach (var reference in wiring)
            {
                outcomes[reference] = published.Outcome is { } own
                    ? new SyncOutcome(Published(target, reference, written, own))
                    : new SyncOutcome(Describe(reference, SyncAction.Failed, published.Refusal!.Message, written.PreviousThumbprint, written.Thumbprint, written.NotAfter, null, published.Refusal.Id),
                        Refusal: published.Refusal);
            }
        }

        // In the order of the references.
        return target.References.Select(r => outcomes[r]).ToList();
    }

    /// <summary>Runs the source's <see cref="SourceAnswer.AfterPublish"/> (e.g. deletes the pending key); a failure is a warning.</summary>
    private static async Task CleanUpAsync(SourceAnswer answer, PublishCallbacks? callbacks, string failed, CancellationToken cancellationToken)
    {
        if (answer.AfterPublish is { } after)
        {
            try
            {
                await after(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is KubeApiException or PublishRefusedException)
            {
                callbacks?.Warning?.Invoke($"{failed}: {ex.Message}");
            }
        }
    }

    /// <param name="first">The Secret read under the Lease, for the first publish (the one that writes it); null for a further one (it only wires).</param>
    /// <param name="decideAgain">Whether the Secret, read again after a Conflict on its write, is still to be renewed (see <see cref="PublishPlan.DecideAgain"/>).</param>
    private async Task<(PublishOutcome? Outcome, PublishRefusal? Refusal)> PublishAsync(
        PublishOperation operation, PublishTarget publishTarget, PublishPayload payload, PublishCallbacks? callbacks, KnownSecret? first,
        Func<V1Secret?, PublishRefusal?>? decideAgain, CancellationToken cancellationToken)
    {
        bool further = first is null;
        try
        {
            var plan = await operation.PlanAsync(publishTarget, payload, cancellationToken, first).ConfigureAwait(false);
            plan = plan with { DecideAgain = decideAgain };
            if ((plan.Refusal ?? PublishOperation.CheckVerify(plan, _options.Verify)) is { } refusal)
            {
                return (null, refusal);
            }

            return (await operation.RunAsync(plan, payload, _options.Verify, callbacks, cancellationToken).ConfigureAwait(false), null);
        }
        catch (PublishRefusedException ex) when (ex.Refusal.Id == RenewedMeanwhile)
        {
            return (null, ex.Refusal);
        }
        catch (PublishRefusedException ex) when (further)
        {
            // Wiring a further Ingress or listener failed: the certificate is written; that one's references fail.
            return (null, ex.Refusal);
        }
        catch (KubeApiException ex) when (further)
        {
            return (null, new PublishRefusal(ex.Kind.ToString(), ex.Message));
        }
    }

    /// <summary>What a reference wires: its Ingress (in the Secret's namespace), its Gateway listener, or nothing.</summary>
    private static Wiring? WiringOf(SyncTarget target, IngressCertificate reference) => reference.Kind switch
    {
        "Ingress" when string.Equals(reference.Namespace, target.Namespace, StringComparison.Ordinal) => new Wiring(false, reference.Namespace, reference.Name, null),
        "Gateway" when Inventory.ApiGroups.IsGatewayApi(reference.Kind, reference.ApiGroup) => new Wiring(true, reference.Namespace, reference.Name, reference.Listener),
        _ => null,
    };

    private sealed record Wiring(bool Gateway, string Namespace, string Name, string? Listener);

    private static bool Kept(PublishOutcome outcome) => outcome.Action != PublishAction.RolledBack && outcome.Verified != false;

    /// <summary>A reference's result once the certificate was written: the Secret's change, with the verification of its own Ingress.</summary>
    private SyncResult Published(SyncTarget target, IngressCertificate reference, PublishOutcome written, PublishOutcome own) =>
        Describe(reference, own.Action == PublishAction.RolledBack ? SyncAction.RolledBack : Kept(own) ? target.Decision.Action : SyncAction.Failed,
            own.VerifyFailure ?? target.Decision.Reason, written.PreviousThumbprint, written.Thumbprint, written.NotAfter, own.Verified, Kept(own) ? null : "VerifyTimeout");

    /// <summary>
    /// The target as <paramref name="secret"/> (read under the Lease) shows it; null when it is no longer due (a run that
    /// held the Lease before renewed it). Only the certificate is looked at.
    /// </summary>
    private SyncTarget? Again(SyncTarget planned, V1Secret? secret)
    {
        if (secret is null)
        {
            return planned with { CurrentNotAfter = null };
        }

        using var parsed = TlsSecretParser.Parse(secret.Data);
        var leaf = parsed.Leaf;
        if (!SyncPlanner.StillDue(leaf, parsed.KeyMatchesLeaf, planned.Hosts, _options.RenewWithinDays, _clock())
            && !string.Equals(leaf!.Thumbprint, planned.Reference.Thumbprint, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return planned with
        {
            CurrentNotAfter = leaf?.NotAfter.ToUniversalTime(),
            CurrentKeyAlgorithm = parsed.KeyAlgorithm?.ToString() ?? planned.Reference.KeyAlgorithm,
            CurrentKeySize = planned.Reference.KeySize,
        };
    }

    private static IReadOnlyList<string>? WiredHosts(IReadOnlyList<string> hosts)
    {
        var wired = hosts.Where(h => IngressHostName.TryNormalize(h, out _, out _)).ToList();
        return wired.Count == 0 ? null : wired;
    }

    /// <summary>
    /// One outcome per reference of <paramref name="target"/>, each carrying its Secret's outcome; the failure behind
    /// it goes with the first only (the others are <see cref="SyncOutcome.Repeated"/>).
    /// </summary>
    private IReadOnlyList<SyncOutcome> Results(SyncTarget target, SyncAction action, string reason, PublishRefusal? refusal = null, Exception? error = null, string? errorId = null) =>
        target.References.Select((r, i) => new SyncOutcome(
            Describe(r, action, reason, r.Thumbprint,
                action is SyncAction.Unchanged or SyncAction.Skipped ? r.Thumbprint : null,
                action is SyncAction.Unchanged or SyncAction.Skipped ? r.NotAfter : null,
                null, errorId ?? refusal?.Id),
            error, refusal, Repeated: i > 0)).ToList();

    private SyncResult Describe(IngressCertificate reference, SyncAction action, string reason, string? previous, string? thumbprint, DateTime? notAfter, bool? verified, string? errorId) => new()
    {
        Context = string.IsNullOrEmpty(reference.Context) ? _connection.ContextName : reference.Context,
        Namespace = reference.Namespace,
        Kind = reference.Kind,
        Name = reference.Name,
        SecretName = reference.SecretName,
        Hosts = reference.Hosts.ToArray(),
        Action = action.ToString(),
        Reason = reason,
        PreviousThumbprint = previous,
        Thumbprint = thumbprint,
        NotAfter = notAfter,
        Verified = verified,
        ErrorId = errorId,
    };
}
