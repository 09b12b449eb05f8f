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

    internal static readonly JsonWriterOptions WriterOptions = new()
    {
        // Go escapes <, > and & but any valid JSON is read back the same; keep text readable.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static StoredObject Store(ResourceType type, JsonObject obj)
    {
        var metadata = obj["metadata"] as JsonObject ?? new JsonObject();
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
            ItemJson = Write(type, obj, includeTypeMeta: false),
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

    /// <summary>Bytes of an object that is answered without being stored (dry run, a namespace being deleted).</summary>
    public static byte[] Answer(ResourceType type, JsonObject obj) => Write(type, obj, includeTypeMeta: true);

    public static byte[] Serialize(JsonNode node)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, WriterOptions))
        {
            node.WriteTo(writer);
        }
        return stream.ToArray();
    }

    /// <summary>
    /// Writes straight from the tree in canonical order, without building a reordered copy:
    /// stores happen on every write and on bulk seeding, where copies of 3 KB secrets add up.
    /// </summary>
    private static byte[] Write(ResourceType type, JsonObject obj, bool includeTypeMeta)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, WriterOptions))
        {
            if (type.IsCustomResource)
            {
                WriteSorted(writer, obj);
            }
            else
            {
                writer.WriteStartObject();
                if (includeTypeMeta)
                {
                    writer.WriteString("kind", type.Kind);
                    writer.WriteString("apiVersion", type.ApiVersion);
                }
                if (obj["metadata"] is JsonObject metadata)
                {
                    writer.WritePropertyName("metadata");
                    WriteOrdered(writer, metadata, MetadataOrder);
                }
                foreach (var key in type.TopLevelOrder)
                {
                    if (!obj.TryGetPropertyValue(key, out var value)) continue;
                    writer.WritePropertyName(key);
                    WriteField(writer, type.MapPaths.Contains(key), value);
                }
                foreach (var (key, value) in obj)
                {
                    if (key is "kind" or "apiVersion" or "metadata" || type.TopLevelOrder.Contains(key)) continue;
                    writer.WritePropertyName(key);
                    WriteField(writer, type.MapPaths.Contains(key), value);
                }
                writer.WriteEndObject();
            }
        }
        return stream.ToArray();
    }

    private static void WriteOrdered(Utf8JsonWriter writer, JsonObject obj, IReadOnlyList<string> order)
    {
        writer.WriteStartObject();
        foreach (var key in order)
        {
            if (!obj.TryGetPropertyValue(key, out var value)) continue;
            writer.WritePropertyName(key);
            WriteField(writer, key is "labels" or "annotations", value);
        }
        foreach (var (key, value) in obj)
        {
            if (order.Contains(key)) continue;
            writer.WritePropertyName(key);
            WriteValue(writer, value);
        }
        writer.WriteEndObject();
    }

    /// <summary>Go prints map[string]... fields (labels, annotations, data) with sorted keys.</summary>
    private static void WriteField(Utf8JsonWriter writer, bool isMap, JsonNode? value)
    {
        if (isMap) WriteSorted(writer, value);
        else WriteValue(writer, value);
    }

    private static void WriteValue(Utf8JsonWriter writer, JsonNode? value)
    {
        if (value is null) writer.WriteNullValue();
        else value.WriteTo(writer);
    }

    /// <summary>Unstructured objects print with sorted keys (Go marshals maps that way).</summary>
    private static void WriteSorted(Utf8JsonWriter writer, JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                writer.WriteStartObject();
                foreach (var (key, value) in obj.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(key);
                    WriteSorted(writer, value);
                }
                writer.WriteEndObject();
                break;
            case JsonArray array:
                writer.WriteStartArray();
                foreach (var item in array) WriteSorted(writer, item);
                writer.WriteEndArray();
                break;
            default:
                WriteValue(writer, node);
                break;
        }
    }
}
