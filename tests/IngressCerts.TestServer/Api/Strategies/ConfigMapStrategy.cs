using System.Text.Json.Nodes;
using IngressCerts.TestServer.Validation;

namespace IngressCerts.TestServer.Api.Strategies;

/// <summary>
/// core/v1 ConfigMap, kept minimal: served so that the kube-root-ca.crt ConfigMap every namespace gets can be
/// modelled. Keys are config keys, data and binaryData may not share one, immutable data stays.
/// </summary>
internal sealed class ConfigMapStrategy : IResourceStrategy
{
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
        errors.AddRange(ValidateContent(obj));
        return errors;
    }

    public IReadOnlyList<FieldError> ValidateUpdate(JsonObject updated, JsonObject existing)
    {
        var errors = ImmutableContent.Check(updated, existing, "data", "binaryData").ToList();
        errors.AddRange(ObjectMetaValidator.Validate(updated, DnsNames.Subdomain));
        errors.AddRange(ValidateContent(updated));
        return errors;
    }

    private static IEnumerable<FieldError> ValidateContent(JsonObject obj)
    {
        var data = obj["data"] as JsonObject ?? new JsonObject();
        var binary = obj["binaryData"] as JsonObject ?? new JsonObject();
        foreach (var (key, _) in data)
        {
            foreach (var message in DnsNames.ConfigKey(key)) yield return FieldError.Invalid($"data[{key}]", key, message);
        }
        foreach (var (key, _) in binary)
        {
            foreach (var message in DnsNames.ConfigKey(key)) yield return FieldError.Invalid($"binaryData[{key}]", key, message);
            if (data.ContainsKey(key)) yield return FieldError.Invalid($"binaryData[{key}]", key, "duplicate of key present in data");
        }
    }
}
