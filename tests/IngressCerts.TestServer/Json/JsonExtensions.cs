using System.Text.Json;
using System.Text.Json.Nodes;

namespace IngressCerts.TestServer.Json;

/// <summary>Small null-tolerant readers for JsonNode trees: objects here come from clients and may hold anything.</summary>
internal static class JsonExtensions
{
    public static string? GetString(this JsonObject? obj, string property) =>
        obj is not null && obj.TryGetPropertyValue(property, out var value) ? value.AsString() : null;

    /// <summary>The string value of a node, or null when it is absent or not a string.</summary>
    public static string? AsString(this JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;

    public static JsonObject Metadata(this JsonObject obj)
    {
        if (obj["metadata"] is JsonObject metadata) return metadata;
        metadata = new JsonObject();
        obj["metadata"] = metadata;
        return metadata;
    }

    public static JsonObject GetOrAddObject(this JsonObject obj, string property)
    {
        if (obj[property] is JsonObject child) return child;
        child = new JsonObject();
        obj[property] = child;
        return child;
    }

    /// <summary>Go decoding drops JSON nulls for our typed fields; do the same so nulls never get stored.</summary>
    public static void RemoveNulls(this JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var key in obj.Where(p => p.Value is null).Select(p => p.Key).ToList()) obj.Remove(key);
                foreach (var (_, child) in obj) child.RemoveNulls();
                break;
            case JsonArray array:
                foreach (var child in array) child.RemoveNulls();
                break;
        }
    }

    public static JsonObject CloneObject(this JsonObject obj) => (JsonObject)obj.DeepClone();
}
