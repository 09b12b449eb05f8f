using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using IngressCerts.Engine.Inventory.Kinds;
using IngressCerts.Engine.Kubernetes;
using IngressCerts.Engine.Publishing;
using k8s;

namespace IngressCerts.Engine.Sync;

/// <summary>
/// Sync-IngressCertificate -RenewCertManager: asks cert-manager to re-issue the Certificate that manages a due or broken
/// Secret, exactly as <c>cmctl renew</c> does: the Certificate's status gets the condition Issuing=True, reason
/// ManuallyTriggered, message "Certificate re-issuance manually triggered", observedGeneration its metadata.generation
/// (a condition of that type is replaced in place, keeping its lastTransitionTime when its status was already True;
/// else appended with the time now), written by one update of the status subresource with the resourceVersion read.
/// Unlike cmctl, a Certificate already Issuing=True is left alone (cert-manager is issuing it). The Secret is never
/// written: cert-manager writes it when it has issued. Rights: get certificates and update certificates/status.
/// </summary>
public sealed class CertManagerRenewal
{
    public const string IssuingCondition = "Issuing";
    public const string TriggerReason = "ManuallyTriggered";
    public const string TriggerMessage = "Certificate re-issuance manually triggered";

    /// <summary>The ErrorId of a target whose Certificate does not exist (the Secret names one that was deleted).</summary>
    public const string NotFoundErrorId = "CertManagerCertificateNotFound";

    private readonly ClusterConnection _connection;
    private readonly Func<DateTimeOffset> _clock;
    private readonly Action<string>? _diagnostics;
    private readonly ConcurrentDictionary<string, Task<PublishRefusal?>> _rights = new(StringComparer.Ordinal);

    // One request per Certificate, however many references share its Secret.
    private readonly ConcurrentDictionary<string, Lazy<Task<(SyncAction Action, string Reason, string? ErrorId, Exception? Error)>>> _requests = new(StringComparer.Ordinal);

    public CertManagerRenewal(ClusterConnection connection, Action<string>? diagnostics = null, Func<DateTimeOffset>? clock = null)
    {
        _connection = connection;
        _diagnostics = diagnostics;
        _clock = clock ?? (() => DateTimeOffset.UtcNow);
    }

    private string Context => _connection.ContextName;

    /// <summary>Runs every target, at most <paramref name="throttle"/> at once, handing each outcome to <paramref name="report"/> as it ends.</summary>
    public Task RunAllAsync(IEnumerable<SyncTarget> targets, int throttle, Action<SyncOutcome> report, CancellationToken cancellationToken) =>
        Parallel.ForEachAsync(targets, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, throttle), CancellationToken = cancellationToken },
            async (target, c) => report(await RunAsync(target, c).ConfigureAwait(false)));

    public async Task<SyncOutcome> RunAsync(SyncTarget target, CancellationToken cancellationToken)
    {
        string ns = target.Namespace;
        string certificate = target.Reference.CertManagerCertificate
            ?? throw new ArgumentException($"{target}: no cert-manager Certificate manages it.", nameof(target));
        if (await _rights.GetOrAdd(ns, n => CheckRightsAsync(n, cancellationToken)).ConfigureAwait(false) is { } denied)
        {
            return Outcome(target, SyncAction.Failed, $"{target}: {denied.Message}", denied.Id, refusal: denied);
        }

        var request = _requests.GetOrAdd($"{ns}/{certificate}", _ => new Lazy<Task<(SyncAction, string, string?, Exception?)>>(
            () => TriggerAsync(ns, certificate, target.SecretName, target.Decision.Reason, cancellationToken)));
        try
        {
            var (action, reason, errorId, error) = await request.Value.ConfigureAwait(false);
            return Outcome(target, action, reason, errorId, error, errorId is null || error is KubeApiException ? null : new PublishRefusal(errorId, reason));
        }
        catch (KubeApiException ex)
        {
            return Outcome(target, SyncAction.Failed, ex.Message, ex.Kind == KubeErrorKind.Conflict ? "PublishConflict" : ex.Kind.ToString(), ex);
        }
    }

    private async Task<PublishRefusal?> CheckRightsAsync(string ns, CancellationToken cancellationToken)
    {
        var api = CertManagerCertificates.Api;
        RequiredAccess[] needed =
        [
            new("get", api.Group, api.Plural, ns, null, "read the cert-manager Certificate that manages the Secret"),
            new("update", api.Group, api.Plural, ns, null, "ask cert-manager to re-issue the Certificate (its Issuing condition)") { Subresource = "status" },
        ];
        var denied = await new WritePreflight(_diagnostics).FindDeniedAsync(_connection, needed, cancellationToken).ConfigureAwait(false);
        return denied.Count == 0 ? null : WritePreflight.Refusal(_connection, denied);
    }

    /// <summary>Reads the Certificate and sets its Issuing condition; one retry on a conflict, one read again after a lost answer.</summary>
    private async Task<(SyncAction, string, string?, Exception?)> TriggerAsync(string ns, string name, string secretName, string why, CancellationToken cancellationToken)
    {
        string qualified = $"cert-manager Certificate {ns}/{name}";
        for (int attempt = 0; ; attempt++)
        {
            var current = await GetAsync(ns, name, cancellationToken).ConfigureAwait(false);
            if (current is not { } certificate)
            {
                return (SyncAction.Failed, $"Secret {ns}/{secretName} names {qualified}, which does not exist in '{Context}': nothing asked cert-manager to renew it.", NotFoundErrorId, null);
            }

            if (RawObject.String(certificate, "spec", "secretName") != secretName)
            {
                return (SyncAction.Skipped, $"{qualified} no longer manages Secret {ns}/{secretName}: nothing was asked.", null, null);
            }

            if (CertManagerCertificates.Condition(certificate, IssuingCondition) is { } issuing && RawObject.String(issuing, "status") == "True")
            {
                string since = RawObject.String(issuing, "lastTransitionTime") is { } t ? $" since {t}" : string.Empty;
                string reason = RawObject.String(issuing, "reason") is { } r ? $", reason {r}" : string.Empty;
                return attempt == 0
                    ? (SyncAction.Skipped, $"{qualified} is already being issued (Issuing=True{since}{reason}): not asked again. {why}", null, null)
                    : (SyncAction.Requested, $"Asked cert-manager to re-issue {qualified} (Issuing=True{since}{reason}; the answer to the request was lost or raced another writer). {why}", null, null);
            }

            var body = WithIssuing(certificate, _clock());
            try
            {
                await KubeCall.RunAsync(_connection, "update", "certificates/status", ns, name,
                    c => _connection.Client.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync(body, CertManagerCertificates.Api.Group, CertManagerCertificates.Api.Version,
                        ns, CertManagerCertificates.Api.Plural, name, cancellationToken: c), cancellationToken).ConfigureAwait(false);
                return (SyncAction.Requested,
                    $"Asked cert-manager to re-issue {qualified} (condition Issuing=True, reason {TriggerReason}, as cmctl renew does); it writes Secret {ns}/{secretName} when issued. {why}", null, null);
            }
            catch (KubeApiException ex) when (attempt == 0 && ex.Kind is KubeErrorKind.Conflict or KubeErrorKind.ClusterUnreachable or KubeErrorKind.ServerError)
            {
                // Changed meanwhile (cert-manager writes status too), or the answer was lost after the write: read again.
                _diagnostics?.Invoke($"Updating the status of {qualified} in '{Context}' failed ({ex.Message}); reading it again.");
            }
        }
    }

    private async Task<JsonElement?> GetAsync(string ns, string name, CancellationToken cancellationToken)
    {
        try
        {
            object result = await KubeCall.RunAsync(_connection, "get", "certificates", ns, name,
                c => _connection.Client.CustomObjects.GetNamespacedCustomObjectAsync(CertManagerCertificates.Api.Group, CertManagerCertificates.Api.Version,
                    ns, CertManagerCertificates.Api.Plural, name, cancellationToken: c), cancellationToken).ConfigureAwait(false);
            return result is JsonElement element ? element.Clone() : JsonSerializer.SerializeToElement(result);
        }
        catch (KubeApiException ex) when (ex.Kind == KubeErrorKind.NotFound)
        {
            return null;
        }
    }

    /// <summary>
    /// The Certificate as read, with the condition cmctl renew sets (cert-manager's SetCertificateCondition): an Issuing
    /// condition is replaced where it stands, keeping its lastTransitionTime when its status was already True; else one is
    /// appended. observedGeneration is metadata.generation, left out when 0 as Go's omitempty does.
    /// </summary>
    public static JsonObject WithIssuing(JsonElement certificate, DateTimeOffset now)
    {
        var body = JsonNode.Parse(certificate.GetRawText())!.AsObject();
        long generation = RawObject.Path(certificate, "metadata", "generation") is { ValueKind: JsonValueKind.Number } g && g.TryGetInt64(out long value) ? value : 0;
        var condition = new JsonObject
        {
            ["type"] = IssuingCondition,
            ["status"] = "True",
            ["lastTransitionTime"] = now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ["reason"] = TriggerReason,
            ["message"] = TriggerMessage,
        };
        if (generation != 0)
        {
            condition["observedGeneration"] = generation;
        }

        if (body["status"] is not JsonObject status)
        {
            body["status"] = status = new JsonObject();
        }

        if (status["conditions"] is not JsonArray conditions)
        {
            status["conditions"] = conditions = new JsonArray();
        }

        for (int i = 0; i < conditions.Count; i++)
        {
            if (conditions[i] is JsonObject existing && existing["type"]?.GetValueKind() == JsonValueKind.String && existing["type"]!.GetValue<string>() == IssuingCondition)
            {
                if (existing["status"]?.GetValueKind() == JsonValueKind.String && existing["status"]!.GetValue<string>() == "True" && existing["lastTransitionTime"] is { } kept)
                {
                    condition["lastTransitionTime"] = kept.DeepClone();
                }

                conditions[i] = condition;
                return body;
            }
        }

        conditions.Add(condition);
        return body;
    }

    // The Secret is cert-manager's: whatever was asked, it still holds the certificate it held.
    private SyncOutcome Outcome(SyncTarget target, SyncAction action, string reason, string? errorId = null, Exception? error = null, PublishRefusal? refusal = null) =>
        new(target.Result(Context, action, reason, errorId, keepsCertificate: true), error, refusal);
}
