using System.Security.Cryptography;
using System.Text;
using IngressCerts.Engine.Kubernetes;
using k8s;
using k8s.Models;

namespace IngressCerts.Engine.Sync;

/// <summary>What an attempt to take a target's Lease found.</summary>
public sealed record LeaseAttempt(TargetLease? Lease, string? Holder, DateTimeOffset? HeldUntil)
{
    public bool Acquired => Lease is not null;
}

/// <summary>
/// The coordination.k8s.io/v1 Lease that lets one run at a time work on one target Secret. The API server is the
/// arbiter: a create that finds the Lease there (AlreadyExists) or an update whose resourceVersion is stale (Conflict)
/// means another run won. A holder that stopped renewing (a crashed run) loses the Lease once its
/// leaseDurationSeconds have passed since its last renewal. Release deletes the Lease on the precondition of the uid and
/// resourceVersion last written, so a run never removes a Lease another run took over meanwhile.
/// </summary>
public sealed class TargetLease : IAsyncDisposable
{
    /// <summary>Suffix of the Lease name beside the Secret's name.</summary>
    public const string NameSuffix = "-ingresscerts-sync";

    /// <summary>The API group of Leases.</summary>
    public const string Group = "coordination.k8s.io";

    /// <summary>The plural resource name of Leases.</summary>
    public const string Resource = "leases";

    private const int MaxNameLength = 253;

    private readonly ClusterConnection _connection;
    private readonly Func<DateTimeOffset> _clock;
    private readonly CancellationTokenSource _lost = new();
    private readonly SemaphoreSlim _writing = new(1, 1);
    private V1Lease _lease;
    private Timer? _timer;
    private bool _released;

    private TargetLease(ClusterConnection connection, V1Lease lease, Func<DateTimeOffset> clock)
    {
        _connection = connection;
        _lease = lease;
        _clock = clock;
    }

    public string Namespace => _lease.Metadata.NamespaceProperty;

    public string Name => _lease.Metadata.Name;

    public string Holder => _lease.Spec.HolderIdentity;

    public TimeSpan Duration => TimeSpan.FromSeconds(_lease.Spec.LeaseDurationSeconds ?? 0);

    /// <summary>Cancelled when a renewal finds the Lease taken by another run: the work must stop before its next write.</summary>
    public CancellationToken Lost => _lost.Token;

    /// <summary>Why the Lease was lost, once <see cref="Lost"/> is cancelled.</summary>
    public string? LostReason { get; private set; }

    /// <summary>The Lease name for Secret <paramref name="secretName"/>; shortened with a hash when the name would be too long.</summary>
    public static string NameFor(string secretName)
    {
        ArgumentException.ThrowIfNullOrEmpty(secretName);
        string name = secretName + NameSuffix;
        if (name.Length <= MaxNameLength)
        {
            return name;
        }

        string hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(secretName)))[..10].ToLowerInvariant();
        return secretName[..(MaxNameLength - NameSuffix.Length - hash.Length - 1)].TrimEnd('.', '-') + "-" + hash + NameSuffix;
    }

    /// <summary>An identity that names this run: host, process and a random part (two runspaces in one process differ).</summary>
    public static string NewHolderIdentity() =>
        $"{Environment.MachineName.ToLowerInvariant()}/pid-{Environment.ProcessId}/{Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant()}";

    /// <summary>
    /// Takes the Lease of Secret <paramref name="ns"/>/<paramref name="secretName"/> for <paramref name="holder"/>:
    /// creates it, or takes it over when it is free or expired. When another run holds it, the attempt names that
    /// run and nothing is written. An acquired Lease renews itself every third of <paramref name="duration"/>.
    /// </summary>
    public static async Task<LeaseAttempt> TryAcquireAsync(
        ClusterConnection connection, string ns, string secretName, string holder, TimeSpan duration, Func<DateTimeOffset>? clock, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentException.ThrowIfNullOrEmpty(holder);
        if (duration < TimeSpan.FromSeconds(1))
        {
            throw new ArgumentOutOfRangeException(nameof(duration), "a lease lasts at least one second");
        }

        clock ??= () => DateTimeOffset.UtcNow;
        string name = NameFor(secretName);
        var now = Micro(clock());
        int seconds = (int)Math.Ceiling(duration.TotalSeconds);
        try
        {
            // The create comes first: a released Lease is deleted, so on a target nobody works on it is the only call
            // (the read is needed only when the Lease is there: held by another run, or left by one that crashed).
            var lease = new V1Lease
            {
                ApiVersion = "coordination.k8s.io/v1",
                Kind = "Lease",
                Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = new Dictionary<string, string> { ["app.kubernetes.io/managed-by"] = "ingresscerts" } },
                Spec = new V1LeaseSpec { HolderIdentity = holder, LeaseDurationSeconds = seconds, AcquireTime = now, RenewTime = now, LeaseTransitions = 0 },
            };
            V1Lease? written = null;
            bool lostReply = false;
            for (int attempt = 1; written is null; attempt++)
            {
                try
                {
                    written = await KubeCall.RunAsync(connection, "create", "leases", ns, name,
                        c => connection.Client.CoordinationV1.CreateNamespacedLeaseAsync(lease, ns, fieldManager: ClusterWriter.FieldManager, cancellationToken: c), cancellationToken).ConfigureAwait(false);
                    break;
                }
                catch (KubeApiException ex) when (ex.Kind == KubeErrorKind.AlreadyExists)
                {
                    // There: held by another run, or left by one that crashed or released it the older way (holder cleared).
                }
                catch (KubeApiException ex) when (Publishing.WriteFailures.OutcomeUnknown(ex) && attempt < 3)
                {
                    // The reply to the create was lost (no answer, a timeout, a 5xx): whether the Lease was made is read
                    // below. This run's own holder identity there means the create went through; another's, that run
                    // holds it; none, that it was not made (or not yet): create it again, and a create that lands late
                    // is found as this run's own by the next read.
                    lostReply = true;
                }

                var existing = await ReadAsync(connection, ns, name, cancellationToken).ConfigureAwait(false);
                if (existing is null)
                {
                    // Released (deleted) between the create and the read, or a create whose reply was lost was not made:
                    // create it again, a bounded number of times.
                    if (attempt < 3)
                    {
                        continue;
                    }

                    return new LeaseAttempt(null, "another run (it took and released the Lease meanwhile)", null);
                }

                if (lostReply && string.Equals(existing.Spec?.HolderIdentity, holder, StringComparison.Ordinal))
                {
                    // The create went through: the Lease read back is this run's, as made.
                    written = existing;
                    break;
                }

                if (HeldByOther(existing, holder, clock()) is { } until)
                {
                    return new LeaseAttempt(null, existing.Spec?.HolderIdentity ?? "another run", until);
                }

                var spec = existing.Spec ?? new V1LeaseSpec();
                bool transition = !string.Equals(spec.HolderIdentity, holder, StringComparison.Ordinal);
                spec.LeaseTransitions = (spec.LeaseTransitions ?? 0) + (transition && !string.IsNullOrEmpty(spec.HolderIdentity) ? 1 : 0);
                spec.HolderIdentity = holder;
                spec.LeaseDurationSeconds = seconds;
                spec.AcquireTime = now;
                spec.RenewTime = now;
                existing.Spec = spec;
                written = await ReplaceAsync(connection, existing, cancellationToken).ConfigureAwait(false);
            }

            var acquired = new TargetLease(connection, written, clock);
            acquired.StartRenewing();
            return new LeaseAttempt(acquired, holder, now + duration);
        }
        catch (Exception ex) when (Publishing.WriteFailures.OutcomeUnknown(ex))
        {
            // The reply to the take was lost (the run stopped, the connection broke): a Lease this run may hold is
            // released now, or it would stay held until it expires.
            await ReleaseIfOursAsync(connection, ns, name, holder).ConfigureAwait(false);
            throw;
        }
        catch (KubeApiException ex) when (ex.Kind is KubeErrorKind.Conflict or KubeErrorKind.NotFound)
        {
            // Another run took over (or took and released) the expired Lease first: name it.
            var winner = await ReadAsync(connection, ns, name, cancellationToken).ConfigureAwait(false);
            return new LeaseAttempt(null, winner?.Spec?.HolderIdentity ?? "another run", winner is null ? null : Expiry(winner));
        }
    }

    /// <summary>Releases the Lease when <paramref name="holder"/> holds it (read again, within a short budget of its own); a failure leaves it to expire.</summary>
    private static async Task ReleaseIfOursAsync(ClusterConnection connection, string ns, string name, string holder)
    {
        using var budget = Publishing.WriteFailures.ReadBackToken();
        try
        {
            var now = await ReadAsync(connection, ns, name, budget.Token).ConfigureAwait(false);
            if (now?.Spec is { } spec && string.Equals(spec.HolderIdentity, holder, StringComparison.Ordinal))
            {
                await DeleteAsync(connection, now, budget.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is KubeApiException or OperationCanceledException)
        {
            // It expires on its own after its leaseDurationSeconds.
        }
    }

    /// <summary>Renews the Lease now; false (and <see cref="Lost"/> cancelled) when another run has taken it.</summary>
    public async Task<bool> RenewAsync(CancellationToken cancellationToken)
    {
        await _writing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_released || _lost.IsCancellationRequested)
            {
                return !_lost.IsCancellationRequested;
            }

            var renewed = Copy(_lease);
            renewed.Spec.RenewTime = Micro(_clock());
            try
            {
                _lease = await ReplaceAsync(_connection, renewed, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (KubeApiException ex) when (ex.Kind is KubeErrorKind.Conflict or KubeErrorKind.NotFound)
            {
                var now = await ReadAsync(_connection, Namespace, Name, cancellationToken).ConfigureAwait(false);
                LostReason = $"Lease {Namespace}/{Name} was taken over by {now?.Spec?.HolderIdentity ?? "nobody (deleted)"} while this run worked on it.";
                _lost.Cancel();
                return false;
            }
        }
        finally
        {
            _writing.Release();
        }
    }

    /// <summary>
    /// Stops renewing and deletes the Lease, on the precondition that it is as this run last wrote it (uid and
    /// resourceVersion: a Lease taken over meanwhile is left alone). A release that fails leaves a Lease that expires
    /// on its own.
    /// </summary>
    public async Task ReleaseAsync(CancellationToken cancellationToken)
    {
        if (_timer is not null)
        {
            await _timer.DisposeAsync().ConfigureAwait(false);
            _timer = null;
        }

        await _writing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_released || _lost.IsCancellationRequested)
            {
                _released = true;
                return;
            }

            _released = true;
            try
            {
                await DeleteAsync(_connection, _lease, cancellationToken).ConfigureAwait(false);
            }
            catch (KubeApiException ex) when (ex.Kind is KubeErrorKind.Conflict or KubeErrorKind.NotFound)
            {
                // Taken over or deleted meanwhile: nothing of ours to release.
            }
        }
        finally
        {
            _writing.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await ReleaseAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (KubeApiException)
        {
            // The Lease expires by itself.
        }

        _lost.Dispose();
        _writing.Dispose();
    }

    /// <summary>When another holder's Lease runs out; null when it is free, expired, or <paramref name="holder"/>'s own.</summary>
    internal static DateTimeOffset? HeldByOther(V1Lease lease, string holder, DateTimeOffset now)
    {
        string? current = lease.Spec?.HolderIdentity;
        if (string.IsNullOrEmpty(current) || string.Equals(current, holder, StringComparison.Ordinal))
        {
            return null;
        }

        var until = Expiry(lease);
        return until is { } u && u > now ? u : null;
    }

    private static DateTimeOffset? Expiry(V1Lease lease)
    {
        var spec = lease.Spec;
        var renewed = spec?.RenewTime ?? spec?.AcquireTime;
        if (renewed is null || spec?.LeaseDurationSeconds is not { } seconds)
        {
            return null;
        }

        return new DateTimeOffset(DateTime.SpecifyKind(renewed.Value, DateTimeKind.Utc)) + TimeSpan.FromSeconds(seconds);
    }

    private void StartRenewing()
    {
        var every = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(200).Ticks, Duration.Ticks / 3));
        _timer = new Timer(_ => _ = RenewQuietlyAsync(), null, every, every);
    }

    private async Task RenewQuietlyAsync()
    {
        try
        {
            await RenewAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is KubeApiException or ObjectDisposedException or OperationCanceledException)
        {
            // A missed renewal is retried at the next tick; the Lease lasts three of them.
        }
    }

    private static async Task<V1Lease?> ReadAsync(ClusterConnection connection, string ns, string name, CancellationToken cancellationToken)
    {
        try
        {
            return await KubeCall.RunAsync(connection, "get", "leases", ns, name,
                c => connection.Client.CoordinationV1.ReadNamespacedLeaseAsync(name, ns, cancellationToken: c), cancellationToken).ConfigureAwait(false);
        }
        catch (KubeApiException ex) when (ex.Kind == KubeErrorKind.NotFound)
        {
            return null;
        }
    }

    private static Task<V1Lease> ReplaceAsync(ClusterConnection connection, V1Lease lease, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(lease.Metadata.ResourceVersion))
        {
            throw new InvalidOperationException("A Lease is only updated with the resourceVersion that was read.");
        }

        return KubeCall.RunAsync(connection, "update", "leases", lease.Metadata.NamespaceProperty, lease.Metadata.Name,
            c => connection.Client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, lease.Metadata.Name, lease.Metadata.NamespaceProperty, fieldManager: ClusterWriter.FieldManager, cancellationToken: c),
            cancellationToken);
    }

    /// <summary>Deletes <paramref name="lease"/> only if it is still the object and version read or written (else Conflict).</summary>
    private static Task DeleteAsync(ClusterConnection connection, V1Lease lease, CancellationToken cancellationToken)
    {
        var meta = lease.Metadata;
        if (string.IsNullOrEmpty(meta.ResourceVersion) || string.IsNullOrEmpty(meta.Uid))
        {
            throw new InvalidOperationException("A Lease is only deleted on the uid and resourceVersion that were read.");
        }

        var preconditions = new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = meta.Uid, ResourceVersion = meta.ResourceVersion } };
        return KubeCall.RunAsync(connection, "delete", "leases", meta.NamespaceProperty, meta.Name,
            c => connection.Client.CoordinationV1.DeleteNamespacedLeaseAsync(meta.Name, meta.NamespaceProperty, preconditions, cancellationToken: c),
            cancellationToken);
    }

    private static V1Lease Copy(V1Lease lease) => KubernetesJson.Deserialize<V1Lease>(KubernetesJson.Serialize(lease));

    // MicroTime keeps microseconds: a DateTime with finer ticks would not survive the round trip and would not compare equal.
    private static DateTime Micro(DateTimeOffset instant) =>
        new(instant.UtcDateTime.Ticks - (instant.UtcDateTime.Ticks % 10), DateTimeKind.Utc);
}
