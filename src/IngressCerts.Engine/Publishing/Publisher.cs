using IngressCerts.Engine.Kubernetes;
using k8s.Models;

namespace IngressCerts.Engine.Publishing;

/// <summary>
/// Carries out publish plans and undos against a cluster. Order: the previous certificate goes to history, then
/// the Secret is written in one request, then the Ingress refers to it; the Ingress never points at a Secret that
/// is missing or half-written. Every update is conditional on the resourceVersion read; on a conflict the state
/// is read again and the decision made again, a bounded number of times.
/// </summary>
public sealed class Publisher
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

    public async Task<PublishState> ReadStateAsync(PublishTarget target, CancellationToken cancellationToken)
    {
        var secret = await _writer.GetSecretAsync(target.Namespace, target.SecretName, cancellationToken).ConfigureAwait(false);
        var ingress = target.IngressName is null
            ? null
            : await _writer.GetIngressAsync(target.Namespace, target.IngressName, cancellationToken).ConfigureAwait(false);
        return new PublishState(secret, ingress);
    }

    public async Task<PublishPlan> PlanAsync(PublishTarget target, PublishPayload payload, CancellationToken cancellationToken) =>
        PublishPlanner.Plan(target, await ReadStateAsync(target, cancellationToken).ConfigureAwait(false), payload, _options, _clock());

    /// <summary>
    /// Applies <paramref name="plan"/>. When another writer changed the Secret or Ingress meanwhile, the state is
    /// read again and planned again; a fresh plan that refuses (e.g. cert-manager took the Secret over) ends the
    /// publish with that refusal.
    /// </summary>
    /// <exception cref="PublishRefusedException">A fresh plan refused the publish.</exception>
    /// <exception cref="KubeApiException">A write failed, or conflicts persisted.</exception>
    public async Task<PublishOutcome> ApplyAsync(PublishPlan plan, PublishPayload payload, CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            if (plan.Refusal is not null)
            {
                throw new PublishRefusedException(plan.Refusal);
            }

            try
            {
                await WriteSecretAsync(plan, cancellationToken).ConfigureAwait(false);
                break;
            }
            catch (KubeApiException ex) when (ex.Kind is KubeErrorKind.Conflict or KubeErrorKind.AlreadyExists && attempt < MaxAttempts)
            {
                _diagnostics?.Invoke($"Secret {plan.Target} changed while publishing ({ex.Kind}); reading it again and deciding again.");
                plan = await PlanAsync(plan.Target, payload, cancellationToken).ConfigureAwait(false);
            }
        }

        if (plan.IngressToWrite is not null)
        {
            await WireIngressAsync(plan, cancellationToken).ConfigureAwait(false);
        }

        return new PublishOutcome(plan.Action, plan.PreviousThumbprint, plan.Thumbprint, plan.NotAfter, plan.Hosts,
            SecretReplaced: plan.SecretAction == PublishAction.Updated);
    }

    private async Task WriteSecretAsync(PublishPlan plan, CancellationToken cancellationToken)
    {
        if (plan.SecretToWrite is null)
        {
            return;
        }

        if (plan.SecretAction == PublishAction.Created)
        {
            await _writer.CreateSecretAsync(plan.SecretToWrite, cancellationToken).ConfigureAwait(false);
            return;
        }

        var history = new SecretHistory(_writer, _clock);
        if (plan.SecretAction == PublishAction.Unchanged || _options.HistoryLimit == 0 || plan.PreviousSecret is null)
        {
            // Unchanged: only the publish record changes, the certificate stays, so there is nothing to archive.
            await _writer.ReplaceSecretAsync(plan.SecretToWrite, cancellationToken).ConfigureAwait(false);
            return;
        }

        await history.ReplaceArchivingAsync(plan.PreviousSecret, plan.SecretToWrite, cancellationToken).ConfigureAwait(false);
        await history.PruneAsync(plan.Target.Namespace, plan.Target.SecretName, _options.HistoryLimit, _diagnostics, cancellationToken).ConfigureAwait(false);
    }

    private async Task WireIngressAsync(PublishPlan plan, CancellationToken cancellationToken)
    {
        var ingress = plan.IngressToWrite!;
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await _writer.ReplaceIngressAsync(ingress, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (KubeApiException ex) when (ex.Kind == KubeErrorKind.Conflict && attempt < MaxAttempts)
            {
                _diagnostics?.Invoke($"Ingress {plan.Target.Namespace}/{plan.Target.IngressName} changed meanwhile; reading it again.");
                var fresh = await _writer.GetIngressAsync(plan.Target.Namespace, plan.Target.IngressName!, cancellationToken).ConfigureAwait(false)
                    ?? throw new PublishRefusedException(new PublishRefusal("IngressNotFound", $"Ingress {plan.Target.Namespace}/{plan.Target.IngressName} was deleted while publishing."));
                var rewired = PublishPlanner.WireIngress(fresh, plan.Target.SecretName, plan.Hosts, plan.PublishId, new List<string>());
                if (rewired is null)
                {
                    return;
                }

                ingress = rewired;
            }
        }
    }

    /// <summary>Puts the newest previous certificate back into the Secret; the replaced one goes to history.</summary>
    /// <exception cref="PublishRefusedException">No Secret, or no history to restore.</exception>
    public async Task<PublishOutcome> UndoAsync(string ns, string secretName, bool force, CancellationToken cancellationToken)
    {
        var history = new SecretHistory(_writer, _clock);
        for (int attempt = 1; ; attempt++)
        {
            var current = await _writer.GetSecretAsync(ns, secretName, cancellationToken).ConfigureAwait(false)
                ?? throw new PublishRefusedException(new PublishRefusal("SecretNotFound", $"Secret {ns}/{secretName} does not exist."));
            if (!force && current.Metadata.Annotations?.ContainsKey(SecretAnnotations.CertManagerCertificate) == true)
            {
                throw new PublishRefusedException(new PublishRefusal("CertManagerManaged", $"Secret {ns}/{secretName} is managed by cert-manager; use -Force to restore anyway."));
            }

            var entries = await history.ListAsync(ns, secretName, cancellationToken).ConfigureAwait(false);
            var newest = entries.FirstOrDefault()
                ?? throw new PublishRefusedException(new PublishRefusal("NoHistory",
                    $"Secret {ns}/{secretName} has no previous certificate to restore: the first publish created it, history was off (-HistoryLimit 0), or the previous one was already restored."));

            var (previousThumbprint, _) = PublishPlanner.ReadCurrentCertificate(current);
            var (restoredThumbprint, restoredNotAfter) = PublishPlanner.ReadCurrentCertificate(newest);

            // The same safety as a publish: putting back a certificate that has expired meanwhile is an outage.
            if (!force && restoredNotAfter is { } notAfter && notAfter < _clock().UtcDateTime)
            {
                throw new PublishRefusedException(new PublishRefusal("CertificateExpired",
                    $"The previous certificate of Secret {ns}/{secretName} ({restoredThumbprint}) expired on {notAfter:yyyy-MM-dd}; not restoring it. Use -Force to restore it anyway."));
            }
            var restored = SecretHistory.Restore(current, newest, _clock());
            try
            {
                // Keep what is being replaced, so an undo can itself be undone.
                var archived = await history.ArchiveAsync(current, cancellationToken).ConfigureAwait(false);
                try
                {
                    await _writer.ReplaceSecretAsync(restored, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is KubeApiException or OperationCanceledException)
                {
                    await history.DeleteQuietlyAsync(archived, CancellationToken.None).ConfigureAwait(false);
                    throw;
                }

                // The restored entry leaves history and the replaced certificate joins it: the count stays the same.
                await history.DeleteQuietlyAsync(newest, cancellationToken).ConfigureAwait(false);
                return new PublishOutcome(PublishAction.Updated, previousThumbprint, restoredThumbprint ?? string.Empty,
                    restoredNotAfter ?? DateTime.MinValue, Array.Empty<string>());
            }
            catch (KubeApiException ex) when (ex.Kind == KubeErrorKind.Conflict && attempt < MaxAttempts)
            {
                _diagnostics?.Invoke($"Secret {ns}/{secretName} changed during the undo; reading it again.");
            }
        }
    }
}

/// <summary>A publish or undo that must not happen, with the reason.</summary>
public sealed class PublishRefusedException : Exception
{
    public PublishRefusedException(PublishRefusal refusal) : base(refusal.Message) => Refusal = refusal;

    public PublishRefusal Refusal { get; }
}
