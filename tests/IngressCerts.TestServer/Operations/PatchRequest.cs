using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using IngressCerts.TestServer.Api;
using IngressCerts.TestServer.Fields;
using IngressCerts.TestServer.Json;
using IngressCerts.TestServer.Patching;

namespace IngressCerts.TestServer.Operations;

/// <summary>A decoded PATCH body of one of the four patch types, ready to apply to the stored object.</summary>
internal sealed class PatchRequest
{
    public const string JsonPatchType = "application/json-patch+json";
    public const string MergePatchType = "application/merge-patch+json";
    public const string StrategicPatchType = "application/strategic-merge-patch+json";
    public const string ApplyPatchType = "application/apply-patch+yaml";

    private readonly string _mediaType;
    private readonly JsonNode? _patch;

    private PatchRequest(string mediaType, JsonNode? patch, JsonObject? applied)
    {
        _mediaType = mediaType;
        _patch = patch;
        Applied = applied;
    }

    /// <summary>The applied configuration of a server-side apply; null for other patch types.</summary>
    public JsonObject? Applied { get; }

    public static PatchRequest Decode(ResourceType type, string? contentType, byte[] body, bool fieldManagerGiven)
    {
        var mediaType = (contentType ?? "").Split(';')[0].Trim().ToLowerInvariant();
        var accepted = type.IsCustomResource
            ? new[] { JsonPatchType, MergePatchType, ApplyPatchType }
            : new[] { JsonPatchType, MergePatchType, StrategicPatchType, ApplyPatchType };
        if (!accepted.Contains(mediaType)) throw Status.UnsupportedMediaType(accepted);
        var text = Encoding.UTF8.GetString(body);
        if (mediaType == ApplyPatchType)
        {
            if (!fieldManagerGiven)
            {
                throw Status.Invalid("meta.k8s.io", "PatchOptions", "",
                    [FieldError.Required("fieldManager", "is required for apply patch")]);
            }
            JsonNode? parsed;
            try
            {
                parsed = YamlJson.Parse(text);
            }
            catch (FormatException ex)
            {
                throw Status.BadRequest(ex.Message);
            }
            if (parsed is not JsonObject applied) throw Status.BadRequest("error decoding YAML: the applied configuration is not an object");
            applied.RemoveNulls();
            if (applied.GetString("apiVersion") != type.ApiVersion || applied.GetString("kind") != type.Kind)
            {
                throw Status.BadRequest($"the applied configuration must have apiVersion {type.ApiVersion} and kind {type.Kind}");
            }
            return new PatchRequest(mediaType, null, applied);
        }
        try
        {
            return new PatchRequest(mediaType, JsonNode.Parse(text), null);
        }
        catch (JsonException ex)
        {
            throw Status.BadRequest($"error decoding patch: {ex.Message}");
        }
    }

    public JsonObject ApplyTo(JsonObject current, ResourceType type, string manager)
    {
        JsonNode? result = _mediaType switch
        {
            JsonPatchType => JsonPatch.Apply(current, _patch),
            MergePatchType => _patch is JsonObject ? MergePatch.Apply(current, _patch) : throw Status.BadRequest("merge patch must be a JSON object"),
            StrategicPatchType => _patch is JsonObject strategic ? StrategicMergePatch.Apply(current, strategic) : throw Status.BadRequest("strategic merge patch must be a JSON object"),
            _ => ApplyConfiguration(current, type, manager),
        };
        return result as JsonObject ?? throw Status.PatchRejected();
    }

    /// <summary>
    /// Server-side apply, simplified: the configuration merges into the live object (maps merge,
    /// lists replace), and fields this manager applied before but no longer sends, and that no other
    /// manager owns, are removed.
    /// </summary>
    private JsonObject ApplyConfiguration(JsonObject current, ResourceType type, string manager)
    {
        var merged = (JsonObject)MergePatch.Apply(current, Applied)!;
        var updater = new ManagedFieldsUpdater(type);
        foreach (var path in updater.FieldsDroppedByApplier(current["metadata"]?["managedFields"] as JsonArray, Applied!, manager))
        {
            Remove(merged, path, type);
        }
        return merged;
    }

    private static void Remove(JsonObject root, IReadOnlyList<string> path, ResourceType type)
    {
        var parents = new List<(JsonObject Node, string Key)>();
        JsonObject? node = root;
        for (var i = 0; i < path.Count && node is not null; i++)
        {
            var key = path[i].StartsWith("f:", StringComparison.Ordinal) ? path[i][2..] : path[i];
            if (i == path.Count - 1)
            {
                node.Remove(key);
                break;
            }
            parents.Add((node, key));
            node = node[key] as JsonObject;
        }
        // Maps emptied by the removal disappear, as Go's omitempty would drop them.
        for (var i = parents.Count - 1; i >= 0; i--)
        {
            var (parent, key) = parents[i];
            var dotted = string.Join('.', parents.Take(i + 1).Select(p => p.Key));
            if (parent[key] is JsonObject { Count: 0 } && type.IsMapPath(dotted)) parent.Remove(key);
        }
    }
}
