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

    /// <summary>Reads what an undo of the Secret's last publish needs: the Secret, and what its publish record calls for.</summary>
    public async Task<UndoState> ReadUndoStateAsync(string ns, string secretName, CancellationToken cancellationToken)
    {
        var secret = await _writer.GetSecretAsync(ns, secretName, cancellationToken).ConfigureAwait(false);
        if (secret is null)
        {
            return new UndoState(ns, secretName, null, Array.Empty<V1Secret>());
        }

        var record = PublishRecord.Read(secret);
        var history = record is null || record.SecretAction == PublishAction.Updated
            ? await new SecretHistory(_writer, _clock).ListAsync(ns, secretName, cancellationToken).ConfigureAwait(false)
            : Array.Empty<V1Secret>();
        var ingress = record?.IngressName is { } ingressName
            ? await _writer.GetIngressAsync(ns, ingressName, cancellationToken).ConfigureAwait(false)
            : null;
        var references = record?.SecretAction == PublishAction.Created
            ? await ReadReferencesAsync(ns, cancellationToken).ConfigureAwait(false)
            : null;
        return new UndoState(ns, secretName, secret, history, ingress, references);
    }

    public async Task<UndoPlan> PlanUndoAsync(string ns, string secretName, bool force, CancellationToken cancellationToken) =>
        UndoPlanner.Plan(await ReadUndoStateAsync(ns, secretName, cancellationToken).ConfigureAwait(false), force, _clock());

    /// <summary>Undoes the Secret's last publish: plans, then applies (for callers that show no plan first).</summary>
    /// <exception cref="PublishRefusedException">The undo must not happen (see <see cref="UndoPlanner"/>).</exception>
    public async Task<PublishOutcome> UndoAsync(string ns, string secretName, bool force, CancellationToken cancellationToken) =>
        await ApplyUndoAsync(await PlanUndoAsync(ns, secretName, force, cancellationToken).ConfigureAwait(false), force, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Applies <paramref name="plan"/>: the Ingress update first, then the Secret's restore, update or delete, each
    /// conditional on the resourceVersion read. When another writer changed either meanwhile (or deleted it), the
    /// state is read and planned again; a fresh plan that refuses ends the undo with that refusal.
    /// </summary>
    /// <exception cref="PublishRefusedException">The plan, or a fresh one, refused the undo.</exception>
    /// <exception cref="KubeApiException">A write failed, or conflicts persisted.</exception>
    public async Task<PublishOutcome> ApplyUndoAsync(UndoPlan plan, bool force, CancellationToken cancellationToken)
    {
        string? unwiredIngress = null;
        var unwiredHosts = new List<string>();

        // A failure after the Ingress update leaves it unwired: the error must say so, not only that the undo failed.
        string AlreadyUnwired(string message) =>
            unwiredIngress is null ? message : $"{message} (The wiring of Ingress {plan.Namespace}/{unwiredIngress} was already removed: {string.Join(", ", unwiredHosts)}.)";

        for (int attempt = 1; ; attempt++)
        {
            if (plan.Refusal is { } refusal)
            {
                throw new PublishRefusedException(refusal with { Message = AlreadyUnwired(refusal.Message) });
            }

            try
            {
                if (plan.Unwiring is { } unwiring)
                {
                    await _writer.ReplaceIngressAsync(unwiring.Ingress, cancellationToken).ConfigureAwait(false);
                    unwiredIngress = unwiring.Ingress.Metadata.Name;
                    unwiredHosts.AddRange(unwiring.Hosts);
                    plan = plan with { Unwiring = null };
                }

                await UndoSecretAsync(plan, cancellationToken).ConfigureAwait(false);
                return plan.DeletesSecret
                    ? new PublishOutcome(PublishAction.Deleted, plan.CurrentThumbprint, string.Empty, default, unwiredHosts, IngressName: unwiredIngress)
                    : new PublishOutcome(PublishAction.Updated, plan.CurrentThumbprint,
                        (plan.Restoring is null ? plan.CurrentThumbprint : plan.RestoredThumbprint) ?? string.Empty,
                        (plan.Restoring is null ? plan.CurrentNotAfter : plan.RestoredNotAfter) ?? default,
                        unwiredHosts, IngressName: unwiredIngress);
            }
            catch (KubeApiException ex) when (ex.Kind is KubeErrorKind.Conflict or KubeErrorKind.NotFound && attempt < MaxAttempts)
            {
                _diagnostics?.Invoke($"{ex.Target} changed during the undo ({ex.Kind}); reading again and deciding again.");
                plan = await PlanUndoAsync(plan.Namespace, plan.SecretName, force, cancellationToken).ConfigureAwait(false);
            }
            catch (KubeApiException ex) when (unwiredIngress is not null)
            {
                throw new KubeApiException(ex.Kind, ex.StatusCode, AlreadyUnwired(ex.Message), ex.Verb, ex.Resource, ex.Namespace, ex.Name, ex.Cluster, ex.User, ex);
            }
        }
    }

    private async Task UndoSecretAsync(UndoPlan plan, CancellationToken cancellationToken)
    {
        var current = plan.Current!;
        if (plan.DeletesSecret)
        {
            // Conditional on the resourceVersion read: a Secret changed since is never deleted (409, then re-planned).
            await _writer.DeleteSecretAsync(plan.Namespace, plan.SecretName, current.Metadata.ResourceVersion, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (plan.Restoring is { } entry)
        {
            // Keep what is being replaced, so an undo can itself be undone; the restored entry leaves history and the
            // replaced certificate joins it, so the count stays the same.
            var history = new SecretHistory(_writer, _clock);
            await history.ReplaceArchivingAsync(current, plan.SecretToWrite!, cancellationToken).ConfigureAwait(false);
            await history.DeleteQuietlyAsync(entry, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (plan.SecretToWrite is not null)
        {
            await _writer.ReplaceSecretAsync(plan.SecretToWrite, cancellationToken).ConfigureAwait(false);
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
