using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using IngressCerts.TestServer.Api;
using IngressCerts.TestServer.Json;

namespace IngressCerts.TestServer.Storage;

/// <summary>
/// Converts between the JSON objects operations work on and stored bytes, in the field order the
/// real server prints: Go struct order for built-in kinds, sorted keys for CRDs (unstructured maps).
/// </summary>
internal static class ObjectCodec
{
    private static readonly string[] MetadataOrder =
    [
        "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation",
        "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations",
        "ownerReferences", "finalizers", "managedFields",
    ];

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // Go escapes <, > and & but any valid JSON is read back the same; keep text readable.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static StoredObject Store(ResourceType type, JsonObject obj)
    {
        var metadata = obj["metadata"] as JsonObject ?? new JsonObject();
        var item = type.IsCustomResource ? SortKeys(obj) : OrderBuiltIn(type, obj, includeTypeMeta: false);
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (metadata["labels"] is JsonObject labelObject)
        {
            foreach (var (key, value) in labelObject) labels[key] = value.AsString() ?? "";
        }
        var @namespace = metadata.GetString("namespace") ?? "";
        var name = metadata.GetString("name") ?? "";
        var fields = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["metadata.name"] = name,
            ["metadata.namespace"] = @namespace,
        };
        foreach (var field in type.ExtraSelectableFields)
        {
            JsonNode? node = obj;
            foreach (var part in field.Split('.')) node = (node as JsonObject)?[part];
            fields[field] = node.AsString() ?? "";
        }
        return new StoredObject
        {
            Namespace = @namespace,
            Name = name,
            Uid = metadata.GetString("uid") ?? "",
            ResourceVersion = long.Parse(metadata.GetString("resourceVersion") ?? "0", System.Globalization.CultureInfo.InvariantCulture),
            ItemJson = Serialize(item),
            Labels = labels,
            SelectableFields = fields,
        };
    }

    /// <summary>The full object (kind and apiVersion first), ready to modify.</summary>
    public static JsonObject Load(ResourceType type, StoredObject stored)
    {
        var item = stored.ParseItem();
        if (type.IsCustomResource) return item;
        var full = new JsonObject { ["kind"] = type.Kind, ["apiVersion"] = type.ApiVersion };
        foreach (var key in item.Select(p => p.Key).ToList())
        {
            var value = item[key];
            item.Remove(key);
            full[key] = value;
        }
        return full;
    }

    /// <summary>Bytes of a single-object answer: the stored item with kind/apiVersion put back in front.</summary>
    public static byte[] FullJson(ResourceType type, StoredObject stored)
    {
        if (type.IsCustomResource) return stored.ItemJson;
        var prefix = Encoding.UTF8.GetBytes($"{{\"kind\":\"{type.Kind}\",\"apiVersion\":\"{type.ApiVersion}\",");
        var body = stored.ItemJson.AsSpan(1);
        var result = new byte[prefix.Length + body.Length];
        prefix.CopyTo(result, 0);
        body.CopyTo(result.AsSpan(prefix.Length));
        return result;
    }

    /// <summary>Canonical order of an object that is answered directly (not stored), e.g. a namespace being deleted.</summary>
    public static JsonObject Canonical(ResourceType type, JsonObject obj) =>
        type.IsCustomResource ? SortKeys(obj) : OrderBuiltIn(type, obj, includeTypeMeta: true);

    public static byte[] Serialize(JsonNode node)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, WriterOptions))
        {
            node.WriteTo(writer);
        }
        return stream.ToArray();
    }

    private static JsonObject OrderBuiltIn(ResourceType type, JsonObject obj, bool includeTypeMeta)
    {
        var ordered = new JsonObject();
        if (includeTypeMeta)
        {
            ordered["kind"] = type.Kind;
            ordered["apiVersion"] = type.ApiVersion;
        }
        if (obj["metadata"] is JsonObject metadata) ordered["metadata"] = OrderMetadata(metadata);
        foreach (var key in type.TopLevelOrder)
        {
            if (obj.TryGetPropertyValue(key, out var value)) ordered[key] = value?.DeepClone();
        }
        foreach (var (key, value) in obj)
        {
            if (key is "kind" or "apiVersion" or "metadata" || type.TopLevelOrder.Contains(key)) continue;
            ordered[key] = value?.DeepClone();
        }
        return ordered;
    }

    private static JsonObject OrderMetadata(JsonObject metadata)
    {
        var ordered = new JsonObject();
        foreach (var key in MetadataOrder)
        {
            if (metadata.TryGetPropertyValue(key, out var value)) ordered[key] = value?.DeepClone();
        }
        foreach (var (key, value) in metadata)
        {
            if (!MetadataOrder.Contains(key)) ordered[key] = value?.DeepClone();
        }
        return ordered;
    }

    private static JsonObject SortKeys(JsonObject obj) => (JsonObject)SortNode(obj)!;

    private static JsonNode? SortNode(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => KeyValuePair.Create(p.Key, SortNode(p.Value)))),
        JsonArray a => new JsonArray(a.Select(SortNode).ToArray()),
        _ => node?.DeepClone(),
    };
}
