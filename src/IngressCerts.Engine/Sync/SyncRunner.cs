using IngressCerts.Engine.Certificates;
using IngressCerts.Engine.Kubernetes;
using IngressCerts.Engine.Publishing;

namespace IngressCerts.Engine.Sync;

/// <summary>How Sync runs: the window, the Lease, and the publish options every renewal shares.</summary>
public sealed record SyncOptions(int RenewWithinDays, PublishOptions Publish, VerifyOptions? Verify, TimeSpan LeaseDuration, string Holder);

/// <summary>The result of one reference, with the failure behind it when it failed (for the caller's error record).</summary>
public sealed record SyncOutcome(SyncResult Result, Exception? Error = null, PublishRefusal? Refusal = null);

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
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Task<PublishRefusal?>> _rightsByNamespace = new(StringComparer.Ordinal);

    public SyncRunner(ClusterConnection connection, ISyncSource source, SyncOptions options, Action<string>? diagnostics = null, Func<DateTimeOffset>? clock = null)
    {
        _connection = connection;
        _source = source;
        _options = options;
        _diagnostics = diagnostics;
        _clock = clock ?? (() => DateTimeOffset.UtcNow);
    }

    /// <summary>Runs every target, at most <paramref name="throttle"/> at once, handing each outcome to <paramref name="report"/> as it ends.</summary>
    public async Task RunAllAsync(IEnumerable<SyncTarget> targets, int throttle, PublishCallbacks? callbacks, Action<SyncOutcome> report, CancellationToken cancellationToken)
    {
        await Parallel.ForEachAsync(targets, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, throttle), CancellationToken = cancellationToken },
            async (target, c) => report(await RunAsync(target, callbacks, c).ConfigureAwait(false))).ConfigureAwait(false);
    }

    public async Task<SyncOutcome> RunAsync(SyncTarget target, PublishCallbacks? callbacks, CancellationToken cancellationToken)
    {
        if (!target.Decision.IsDue)
        {
            return new SyncOutcome(Result(target, target.Decision.Action, target.Decision.Reason));
        }

        try
        {
            // The Lease is the first write: the rights every renewal needs are checked before it, once per namespace, so
            // that a user short of one is refused with every missing right named and nothing written.
            if (await _rightsByNamespace.GetOrAdd(target.Namespace, ns => CheckRightsAsync(ns, cancellationToken)).ConfigureAwait(false) is { } denied)
            {
                return new SyncOutcome(Result(target, SyncAction.Failed, $"{target}: {denied.Message}", errorId: denied.Id), Refusal: denied);
            }

            var attempt = await TargetLease.TryAcquireAsync(_connection, target.Namespace, target.SecretName, _options.Holder, _options.LeaseDuration, _clock, cancellationToken).ConfigureAwait(false);
            if (attempt.Lease is not { } lease)
            {
                return new SyncOutcome(Result(target, SyncAction.Skipped,
                    $"Leased by another run: {attempt.Holder}{(attempt.HeldUntil is { } until ? $" (until {until.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC unless renewed)" : string.Empty)}."));
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
                    return new SyncOutcome(Result(target, SyncAction.Failed, lost.Message, errorId: lost.Id), Refusal: lost);
                }
            }
        }
        catch (KubeApiException ex)
        {
            return new SyncOutcome(Result(target, SyncAction.Failed, ex.Message, errorId: ex.Kind == KubeErrorKind.Conflict ? "PublishConflict" : ex.Kind.ToString()), ex);
        }
        catch (PublishRefusedException ex)
        {
            return new SyncOutcome(Result(target, SyncAction.Failed, ex.Refusal.Message, errorId: ex.Refusal.Id), ex, ex.Refusal);
        }
        catch (Exception ex) when (ex is CertificateBundleException or System.Security.Cryptography.CryptographicException or InvalidDataException
            or IOException or UnauthorizedAccessException)
        {
            // A certificate or key this target's source gave that cannot be used: this target fails, the others go on.
            var unusable = new PublishRefusal(UnusableCertificate, $"{target}: the certificate for it cannot be used: {ex.Message}");
            return new SyncOutcome(Result(target, SyncAction.Failed, unusable.Message, errorId: unusable.Id), ex, unusable);
        }
    }

    /// <summary>The ErrorId of a target whose source gave a certificate or key that cannot be read or used.</summary>
    public const string UnusableCertificate = "CertificateUnusable";

    /// <summary>
    /// The rights every due target in <paramref name="ns"/> needs whatever it turns out to need besides: the Lease (get to
    /// see who holds it, create to take it, update to renew, take over and release it) and the Secret (get to read it
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
            new("update", TargetLease.Group, TargetLease.Resource, ns, null, "renew, take over and release a target's Lease"),
            RequiredAccess.OnSecrets("get", ns, null, "read the Secret again under its Lease"),
            RequiredAccess.OnSecrets("create", ns, null, why),
            RequiredAccess.OnSecrets("update", ns, null, why),
        ];
        var denied = await new WritePreflight(_diagnostics).FindDeniedAsync(_connection, needed, cancellationToken).ConfigureAwait(false);
        return denied.Count == 0 ? null : WritePreflight.Refusal(_connection, denied);
    }

    private async Task<SyncOutcome> UnderLeaseAsync(SyncTarget planned, PublishCallbacks? callbacks, CancellationToken cancellationToken)
    {
        var target = await ReadAgainAsync(planned, cancellationToken).ConfigureAwait(false);
        if (target is null)
        {
            return new SyncOutcome(Result(planned, SyncAction.Unchanged, "Renewed meanwhile by another run: the Secret's certificate is no longer due."));
        }

        using var answer = await _source.ObtainAsync(target, cancellationToken).ConfigureAwait(false);
        if (answer.Pending)
        {
            return new SyncOutcome(Result(target, SyncAction.Requested, $"{target.Decision.Reason} The request is pending at the CA; the next run completes it."));
        }

        if (answer.Refusal is { } refused)
        {
            return new SyncOutcome(Result(target, SyncAction.Failed, refused.Message, errorId: refused.Id), Refusal: refused);
        }

        if (answer.Bundle is not { } bundle)
        {
            var none = new PublishRefusal("NoCertificateAvailable", $"{target}: {target.Decision.Reason} {answer.Nothing}");
            return new SyncOutcome(Result(target, SyncAction.Failed, none.Message, errorId: none.Id), Refusal: none);
        }

        // A Gateway reference is renewed into the same listener; a cross-namespace one only where a ReferenceGrant
        // already allows it (Sync never widens a grant: the plan refuses with ReferenceGrantRequired).
        var publishTarget = target.Reference.Kind == "Gateway"
            ? new PublishTarget(target.Namespace, target.SecretName, Hosts: WiredHosts(target.Hosts))
            {
                GatewayName = target.Reference.Name,
                GatewayNamespace = target.Reference.Namespace,
                ListenerName = target.Reference.Listener,
            }
            : new PublishTarget(target.Namespace, target.SecretName, target.Reference.Name, WiredHosts(target.Hosts));
        var failures = bundle.Preflight(target.Hosts, _clock());
        if (failures.Count > 0)
        {
            var refusal = new PublishRefusal(failures[0].Id, $"Not publishing to Secret {target}: {string.Join("; ", failures.Select(f => f.Message))}.");
            return new SyncOutcome(Result(target, SyncAction.Failed, refusal.Message, errorId: refusal.Id), Refusal: refusal);
        }

        using var payload = new PublishPayload(bundle.Leaf, bundle.TlsCrtPem, bundle.GetTlsKeyPemBytes());
        var operation = new PublishOperation(new Publisher(new ClusterWriter(_connection), _options.Publish, _diagnostics), clock: _clock);
        var plan = await operation.PlanAsync(publishTarget, payload, cancellationToken).ConfigureAwait(false);
        if (plan.Refusal is { } planRefusal)
        {
            return new SyncOutcome(Result(target, SyncAction.Failed, planRefusal.Message, errorId: planRefusal.Id), Refusal: planRefusal);
        }

        if (PublishOperation.CheckVerify(plan, _options.Verify) is { } cannot)
        {
            return new SyncOutcome(Result(target, SyncAction.Failed, cannot.Message, errorId: cannot.Id), Refusal: cannot);
        }

        var outcome = await operation.RunAsync(plan, payload, _options.Verify, callbacks, cancellationToken).ConfigureAwait(false);
        bool kept = outcome.Action != PublishAction.RolledBack && outcome.Verified != false;
        if (kept && answer.AfterPublish is { } after)
        {
            try
            {
                await after(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is KubeApiException or PublishRefusedException)
            {
                callbacks?.Warning?.Invoke($"Secret {target} was published, but cleaning up after it failed: {ex.Message}");
            }
        }

        var action = outcome.Action == PublishAction.RolledBack ? SyncAction.RolledBack
            : !kept ? SyncAction.Failed
            : target.Decision.Action;
        string reason = outcome.VerifyFailure ?? target.Decision.Reason;
        return new SyncOutcome(new SyncResult
        {
            Context = _connection.ContextName,
            Namespace = target.Reference.Namespace,
            Kind = target.Reference.Kind,
            Name = target.Reference.Name,
            SecretName = target.SecretName,
            Hosts = target.Hosts.ToArray(),
            Action = action.ToString(),
            Reason = reason,
            PreviousThumbprint = outcome.PreviousThumbprint,
            Thumbprint = outcome.Thumbprint,
            NotAfter = outcome.NotAfter,
            Verified = outcome.Verified,
            ErrorId = kept ? null : "VerifyTimeout",
        });
    }

    /// <summary>
    /// The target as the Secret is now, read under the Lease; null when it is no longer due (a run that held the Lease
    /// before renewed it). The key read with it is wiped at once: only the certificate is looked at.
    /// </summary>
    private async Task<SyncTarget?> ReadAgainAsync(SyncTarget planned, CancellationToken cancellationToken)
    {
        var secret = await new ClusterWriter(_connection).GetSecretAsync(planned.Namespace, planned.SecretName, cancellationToken).ConfigureAwait(false);
        if (secret is null)
        {
            return planned with { CurrentNotAfter = null };
        }

        try
        {
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
        finally
        {
            if (secret.Data is { } data)
            {
                foreach (var value in data.Values)
                {
                    Array.Clear(value);
                }
            }
        }
    }

    private static IReadOnlyList<string>? WiredHosts(IReadOnlyList<string> hosts)
    {
        var wired = hosts.Where(h => IngressHostName.TryNormalize(h, out _, out _)).ToList();
        return wired.Count == 0 ? null : wired;
    }

    private SyncResult Result(SyncTarget target, SyncAction action, string reason, string? errorId = null) => new()
    {
        Context = string.IsNullOrEmpty(target.Reference.Context) ? _connection.ContextName : target.Reference.Context,
        Namespace = target.Reference.Namespace,
        Kind = target.Reference.Kind,
        Name = target.Reference.Name,
        SecretName = target.Reference.SecretName,
        Hosts = target.Hosts.ToArray(),
        Action = action.ToString(),
        Reason = reason,
        PreviousThumbprint = target.Reference.Thumbprint,
        Thumbprint = action is SyncAction.Unchanged or SyncAction.Skipped ? target.Reference.Thumbprint : null,
        NotAfter = action is SyncAction.Unchanged or SyncAction.Skipped ? target.Reference.NotAfter : null,
        ErrorId = errorId,
    };
}
