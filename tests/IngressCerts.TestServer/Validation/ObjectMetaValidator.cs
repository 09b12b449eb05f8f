using System.Text.Json.Nodes;
using IngressCerts.TestServer.Api;
using IngressCerts.TestServer.Json;

namespace IngressCerts.TestServer.Validation;

/// <summary>ValidateObjectMeta: the name, label and annotation checks every kind shares.</summary>
internal static class ObjectMetaValidator
{
    public static List<FieldError> Validate(JsonObject obj, Func<string, IReadOnlyList<string>> nameRule)
    {
        var errors = new List<FieldError>();
        var metadata = obj["metadata"] as JsonObject;
        var name = metadata.GetString("name") ?? "";
        if (name.Length == 0)
        {
            errors.Add(FieldError.Required("metadata.name", "name or generateName is required"));
        }
        else
        {
            errors.AddRange(nameRule(name).Select(m => FieldError.Invalid("metadata.name", name, m)));
        }
        if (metadata?["labels"] is JsonObject labels)
        {
            foreach (var (key, value) in labels)
            {
                errors.AddRange(DnsNames.QualifiedName(key).Select(m => FieldError.Invalid("metadata.labels", key, m)));
                var text = value.AsString() ?? "";
                errors.AddRange(DnsNames.LabelValue(text).Select(m => FieldError.Invalid("metadata.labels", text, m)));
            }
        }
        if (metadata?["annotations"] is JsonObject annotations)
        {
            foreach (var (key, _) in annotations)
            {
                errors.AddRange(DnsNames.QualifiedName(key.ToLowerInvariant()).Select(m => FieldError.Invalid("metadata.annotations", key, m)));
            }
        }
        return errors;
    }
}
