using IngressCerts.Engine.Certificates;
using IngressCerts.Engine.Publishing;

namespace IngressCerts.Engine.Sync;

/// <summary>
/// One Secret Sync works on, as planned, with what it held when it was read under the Lease. Every reference naming
/// the Secret is one target (<see cref="References"/>, <see cref="Reference"/> the one that made it due), whose
/// hosts are the union of theirs: one Lease, one certificate covering them all, and one result per reference.
/// </summary>
public sealed record SyncTarget(IngressCertificate Reference, SyncDecision Decision, IReadOnlyList<string> Hosts)
{
    private readonly IReadOnlyList<IngressCertificate>? _references;

    /// <summary>Every reference naming the Secret (the reference alone unless set).</summary>
    public IReadOnlyList<IngressCertificate> References
    {
        get => _references ?? [Reference];
        init => _references = value;
    }

    public string Namespace => Reference.SecretNamespace ?? Reference.Namespace;

    public string SecretName => Reference.SecretName!;

    /// <summary>NotAfter of the certificate the Secret holds now; null when there is none.</summary>
    public DateTime? CurrentNotAfter { get; init; }

    public string? CurrentKeyAlgorithm { get; init; }

    public int? CurrentKeySize { get; init; }

    public override string ToString() => $"{Namespace}/{SecretName}";

    /// <summary>
    /// The result of a target that published nothing: its reference as found, the action and why. Thumbprint and NotAfter
    /// are the current certificate's when it stays (<paramref name="keepsCertificate"/>), else unknown.
    /// </summary>
    public SyncResult Result(string context, SyncAction action, string reason, string? errorId, bool keepsCertificate) => new()
    {
        Context = string.IsNullOrEmpty(Reference.Context) ? context : Reference.Context,
        Namespace = Reference.Namespace,
        Kind = Reference.Kind,
        Name = Reference.Name,
        SecretName = Reference.SecretName,
        Hosts = Hosts.ToArray(),
        Action = action.ToString(),
        Reason = reason,
        PreviousThumbprint = Reference.Thumbprint,
        Thumbprint = keepsCertificate ? Reference.Thumbprint : null,
        NotAfter = keepsCertificate ? Reference.NotAfter : null,
        ErrorId = errorId,
    };
}

/// <summary>
/// What a source gave for one target: a bundle to publish (with what to do once it is published), a request still
/// waiting at the CA, nothing newer, or a refusal.
/// </summary>
public sealed class SourceAnswer : IDisposable
{
    private SourceAnswer(CertificateBundle? bundle, bool pending, string? nothing, PublishRefusal? refusal, Func<CancellationToken, Task>? afterPublish)
    {
        Bundle = bundle;
        Pending = pending;
        Nothing = nothing;
        Refusal = refusal;
        AfterPublish = afterPublish;
    }

    public CertificateBundle? Bundle { get; }

    /// <summary>The request is at the CA: the target is Requested.</summary>
    public bool Pending { get; }

    /// <summary>Why there is nothing to publish (no newer certificate in the folder).</summary>
    public string? Nothing { get; }

    public PublishRefusal? Refusal { get; }

    /// <summary>Run after a publish that kept the certificate, or once the target is found renewed meanwhile and the certificate is not needed (e.g. delete the pending request).</summary>
    public Func<CancellationToken, Task>? AfterPublish { get; }

    public static SourceAnswer Publish(CertificateBundle bundle, Func<CancellationToken, Task>? afterPublish = null, Func<Task>? stopped = null) =>
        new(bundle, false, null, null, afterPublish) { Stopped = stopped };

    /// <summary>
    /// Run when the run stops (Ctrl+C, -...Action Stop, the Lease lost) anywhere from the publish to <see cref="AfterPublish"/>,
    /// with no token of the run's: settles what the source keeps (e.g. the pending request: kept unless the certificate was written).
    /// </summary>
    public Func<Task>? Stopped { get; private init; }

    public static SourceAnswer StillPending() => new(null, true, null, null, null);

    public static SourceAnswer NothingNewer(string why) => new(null, false, why, null, null);

    public static SourceAnswer Refused(PublishRefusal refusal) => new(null, false, null, refusal, null);

    public void Dispose() => Bundle?.Dispose();
}

/// <summary>Where Sync gets certificates from: a CA through a script block, or a drop folder.</summary>
public interface ISyncSource
{
    Task<SourceAnswer> ObtainAsync(SyncTarget target, CancellationToken cancellationToken);

    /// <summary>The rights this source needs in <paramref name="ns"/> besides a renewal's (checked before the first write).</summary>
    IEnumerable<RequiredAccess> RequiredAccess(string ns) => [];
}
