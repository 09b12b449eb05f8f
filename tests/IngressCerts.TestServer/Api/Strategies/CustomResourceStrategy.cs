using System.Text.Json.Nodes;
using IngressCerts.TestServer.Json;
using IngressCerts.TestServer.Validation;

namespace IngressCerts.TestServer.Api.Strategies;

/// <summary>
/// A CRD kind with a status subresource: status is dropped on create and kept on update of the
/// main resource; the schema is reduced to the required fields listed per kind.
/// </summary>
internal sealed class CustomResourceStrategy(params string[] requiredPaths) : IResourceStrategy
{
    public void Default(JsonObject obj)
    {
    }

    public void PrepareForCreate(JsonObject obj) => obj.Remove("status");

    public void PrepareForUpdate(JsonObject updated, JsonObject existing)
    {
        var status = existing["status"]?.DeepClone();
        if (status is null) updated.Remove("status");
        else updated["status"] = status;
    }

    public IReadOnlyList<FieldError> ValidateCreate(JsonObject obj)
    {
        var errors = ObjectMetaValidator.Validate(obj, DnsNames.Subdomain);
        foreach (var path in requiredPaths)
        {
            JsonNode? node = obj;
            foreach (var part in path.Split('.'))
            {
                node = (node as JsonObject)?[part];
            }
            if (node is null || (node is JsonArray array && array.Count == 0))
            {
                errors.Add(FieldError.Required(path));
            }
        }
        return errors;
    }

    public IReadOnlyList<FieldError> ValidateUpdate(JsonObject updated, JsonObject existing) => ValidateCreate(updated);
}
