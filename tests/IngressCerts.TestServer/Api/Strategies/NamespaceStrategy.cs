using System.Text.Json.Nodes;
using IngressCerts.TestServer.Json;
using IngressCerts.TestServer.Validation;

namespace IngressCerts.TestServer.Api.Strategies;

/// <summary>
/// core/v1 Namespace: the metadata.name label is a decode-time default (so the writer owns it, as
/// reference 07 shows), the kubernetes finalizer and phase are server-set.
/// </summary>
internal sealed class NamespaceStrategy : IResourceStrategy
{
    public const string NameLabel = "kubernetes.io/metadata.name";

    public void Default(JsonObject obj)
    {
        var name = (obj["metadata"] as JsonObject).GetString("name");
        if (string.IsNullOrEmpty(name)) return;
        obj.Metadata().GetOrAddObject("labels")[NameLabel] = name;
    }

    public void PrepareForCreate(JsonObject obj)
    {
        obj["spec"] = new JsonObject { ["finalizers"] = new JsonArray("kubernetes") };
        obj["status"] = new JsonObject { ["phase"] = "Active" };
    }

    public void PrepareForUpdate(JsonObject updated, JsonObject existing)
    {
        // Spec (finalizers) and status change only through their subresources.
        updated["spec"] = existing["spec"]?.DeepClone();
        updated["status"] = existing["status"]?.DeepClone();
        if (updated["spec"] is null) updated.Remove("spec");
        if (updated["status"] is null) updated.Remove("status");
    }

    public IReadOnlyList<FieldError> ValidateCreate(JsonObject obj) => ObjectMetaValidator.Validate(obj, DnsNames.Label);

    public IReadOnlyList<FieldError> ValidateUpdate(JsonObject updated, JsonObject existing) => ObjectMetaValidator.Validate(updated, DnsNames.Label);
}
