using System.Text;
using System.Text.Json.Nodes;
using IngressCerts.TestServer.Json;
using IngressCerts.TestServer.Validation;

namespace IngressCerts.TestServer.Api.Strategies;

/// <summary>core/v1 Secret: type defaults to Opaque, stringData folds into data, typed secrets need their keys.</summary>
internal sealed class SecretStrategy : IResourceStrategy
{
    private const int MaxSecretSize = 1024 * 1024;

    public void Default(JsonObject obj)
    {
        if (string.IsNullOrEmpty(obj.GetString("type"))) obj["type"] = "Opaque";
        if (obj["data"] is JsonObject data)
        {
            foreach (var (key, value) in data)
            {
                // The real server decodes data into []byte: bad base64 fails the decode with 400.
                var text = value.AsString() ?? "";
                if (!IsBase64(text))
                {
                    throw Status.BadRequest($"Secret in version \"v1\" cannot be handled as a Secret: illegal base64 data at input byte {FirstBadByte(text)}");
                }
            }
        }
        if (obj["stringData"] is JsonObject stringData)
        {
            var target = obj.GetOrAddObject("data");
            foreach (var (key, value) in stringData)
            {
                target[key] = Convert.ToBase64String(Encoding.UTF8.GetBytes(value.AsString() ?? ""));
            }
            obj.Remove("stringData");
        }
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
        var errors = new List<FieldError>();
        var newType = updated.GetString("type") ?? "";
        if (newType != (existing.GetString("type") ?? ""))
        {
            errors.Add(FieldError.Invalid("type", newType, "field is immutable"));
        }
        errors.AddRange(ImmutableContent.Check(updated, existing, "data"));
        errors.AddRange(ObjectMetaValidator.Validate(updated, DnsNames.Subdomain));
        errors.AddRange(ValidateContent(updated));
        return errors;
    }

    private static IEnumerable<FieldError> ValidateContent(JsonObject obj)
    {
        var data = obj["data"] as JsonObject ?? new JsonObject();
        var total = 0;
        foreach (var (key, value) in data)
        {
            foreach (var message in DnsNames.ConfigKey(key)) yield return FieldError.Invalid($"data[{key}]", key, message);
            total += Base64Length(value.AsString() ?? "");
        }
        if (total > MaxSecretSize) yield return FieldError.TooLong("data", MaxSecretSize);
        switch (obj.GetString("type"))
        {
            case "kubernetes.io/tls":
                if (!data.ContainsKey("tls.crt")) yield return FieldError.Required("data[tls.crt]");
                if (!data.ContainsKey("tls.key")) yield return FieldError.Required("data[tls.key]");
                break;
            case "kubernetes.io/dockercfg":
                if (!data.ContainsKey(".dockercfg")) yield return FieldError.Required("data[.dockercfg]");
                break;
            case "kubernetes.io/dockerconfigjson":
                if (!data.ContainsKey(".dockerconfigjson")) yield return FieldError.Required("data[.dockerconfigjson]");
                break;
            case "kubernetes.io/ssh-auth":
                if (!data.ContainsKey("ssh-privatekey")) yield return FieldError.Required("data[ssh-privatekey]");
                break;
            case "kubernetes.io/service-account-token":
                if (string.IsNullOrEmpty((obj["metadata"]?["annotations"] as JsonObject).GetString("kubernetes.io/service-account.name")))
                {
                    yield return FieldError.Required("metadata.annotations[kubernetes.io/service-account.name]");
                }
                break;
        }
    }

    private static bool IsBase64(string text)
    {
        if (text.Length == 0) return true;
        var buffer = new byte[text.Length];
        return Convert.TryFromBase64String(text, buffer, out _);
    }

    private static int FirstBadByte(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (!(char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '=')) return i;
        }
        return text.Length - text.Length % 4;
    }

    private static int Base64Length(string text) => text.Length / 4 * 3;
}
