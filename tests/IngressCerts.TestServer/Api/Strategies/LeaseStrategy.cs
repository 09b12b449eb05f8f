using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using IngressCerts.TestServer.Validation;

namespace IngressCerts.TestServer.Api.Strategies;

/// <summary>
/// coordination.k8s.io/v1 Lease as ValidateLease checks it: a DNS-subdomain name, a positive leaseDurationSeconds,
/// a non-negative leaseTransitions, and acquireTime/renewTime in MicroTime form (RFC 3339 with exactly six
/// fractional digits, UTC). The server never sets or clears the holder: resourceVersion preconditions are the
/// only arbiter between two candidates, as on a real cluster.
/// </summary>
internal sealed class LeaseStrategy : IResourceStrategy
{
    /// <summary>metav1.RFC3339Micro.</summary>
    public const string MicroTimeFormat = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

    public void Default(JsonObject obj)
    {
    }

    public void PrepareForCreate(JsonObject obj)
    {
    }

    public void PrepareForUpdate(JsonObject updated, JsonObject existing)
    {
    }

    public IReadOnlyList<FieldError> ValidateCreate(JsonObject obj)
    {
        var errors = ObjectMetaValidator.Validate(obj, DnsNames.Subdomain);
        errors.AddRange(ValidateSpec(obj["spec"] as JsonObject));
        return errors;
    }

    public IReadOnlyList<FieldError> ValidateUpdate(JsonObject updated, JsonObject existing) => ValidateCreate(updated);

    private static IEnumerable<FieldError> ValidateSpec(JsonObject? spec)
    {
        if (spec is null) yield break;
        if (spec["holderIdentity"] is JsonNode holder && holder.GetValueKind() != JsonValueKind.String)
        {
            yield return FieldError.Invalid("spec.holderIdentity", holder.ToJsonString(), "must be a string");
        }
        if (spec["leaseDurationSeconds"] is JsonNode duration)
        {
            if (!TryInteger(duration, out var seconds))
                yield return FieldError.Invalid("spec.leaseDurationSeconds", duration.ToJsonString(), "must be an integer");
            else if (seconds <= 0)
                yield return FieldError.Invalid("spec.leaseDurationSeconds", seconds.ToString(CultureInfo.InvariantCulture), "must be greater than 0");
        }
        if (spec["leaseTransitions"] is JsonNode transitions)
        {
            if (!TryInteger(transitions, out var count))
                yield return FieldError.Invalid("spec.leaseTransitions", transitions.ToJsonString(), "must be an integer");
            else if (count < 0)
                yield return FieldError.Invalid("spec.leaseTransitions", count.ToString(CultureInfo.InvariantCulture), "must be greater than or equal to 0");
        }
        foreach (var field in new[] { "acquireTime", "renewTime" })
        {
            if (spec[field] is not JsonNode time) continue;
            var text = time.GetValueKind() == JsonValueKind.String ? time.GetValue<string>() : time.ToJsonString();
            if (!IsMicroTime(text))
                yield return FieldError.Invalid($"spec.{field}", text, $"must be a MicroTime ({MicroTimeFormat.Replace("'", "")})");
        }
    }

    private static bool IsMicroTime(string text) =>
        DateTime.TryParseExact(text, MicroTimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out _);

    private static bool TryInteger(JsonNode node, out long value)
    {
        value = 0;
        return node.GetValueKind() == JsonValueKind.Number && node is JsonValue v && v.TryGetValue(out value);
    }
}
