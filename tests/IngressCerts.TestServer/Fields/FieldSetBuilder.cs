using System.Text.Json.Nodes;
using IngressCerts.TestServer.Api;

namespace IngressCerts.TestServer.Fields;

/// <summary>
/// Computes field sets of objects the way structured-merge-diff does for our kinds:
/// structs recurse without a marker, maps (labels, annotations, data) recurse with "." when the
/// operation is an Update, lists are atomic leaves. Apply owns leaves only (reference 31).
/// </summary>
/// <param name="statusOnly">For the status subresource: only status is tracked (the rest of the object cannot change there).</param>
internal sealed class FieldSetBuilder(ResourceType type, bool statusOnly = false)
{
    /// <summary>metadata fields a manager can own; the rest are server-set.</summary>
    private static readonly HashSet<string> TrackedMetadata = new(StringComparer.Ordinal)
    {
        "generateName", "labels", "annotations", "finalizers", "ownerReferences",
    };

    public FieldTree Build(JsonObject obj, bool mapMarkers)
    {
        var root = new FieldTree();
        foreach (var (key, value) in TrackedTopLevel(obj))
        {
            root.Set("f:" + key, BuildValue(value, key, mapMarkers));
        }
        return root;
    }

    /// <summary>Fields that are new or hold a different value in <paramref name="after"/> than in <paramref name="before"/>.</summary>
    public FieldTree Changed(JsonObject after, JsonObject? before)
    {
        var root = new FieldTree();
        var old = before is null ? new Dictionary<string, JsonNode?>() : TrackedTopLevel(before).ToDictionary(p => p.Key, p => p.Value);
        foreach (var (key, value) in TrackedTopLevel(after))
        {
            var diff = old.TryGetValue(key, out var previous) ? ChangedValue(value, previous, key) : BuildValue(value, key, true);
            if (diff is not null && !diff.IsEmpty) root.Set("f:" + key, diff);
        }
        return root;
    }

    /// <summary>Fields present in <paramref name="before"/> that <paramref name="after"/> no longer has.</summary>
    public FieldTree Removed(JsonObject before, JsonObject after)
    {
        var full = Build(before, true);
        full.ExceptWith(Build(after, true));
        return full;
    }

    private IEnumerable<KeyValuePair<string, JsonNode?>> TrackedTopLevel(JsonObject obj)
    {
        foreach (var (key, value) in obj)
        {
            if (statusOnly)
            {
                if (key == "status") yield return new(key, value);
                continue;
            }
            if (key is "kind" or "apiVersion" || type.ResetFields.Contains(key)) continue;
            if (key == "metadata")
            {
                if (value is not JsonObject metadata) continue;
                var tracked = new JsonObject();
                foreach (var (metaKey, metaValue) in metadata)
                {
                    if (TrackedMetadata.Contains(metaKey)) tracked[metaKey] = metaValue?.DeepClone();
                }
                if (tracked.Count > 0) yield return new(key, tracked);
                continue;
            }
            yield return new(key, value);
        }
    }

    private FieldTree BuildValue(JsonNode? value, string path, bool mapMarkers)
    {
        if (value is not JsonObject obj) return FieldTree.Member();
        var tree = new FieldTree();
        if (obj.Count == 0) return FieldTree.Member();
        if (mapMarkers && type.IsMapPath(path)) tree.IsMember = true;
        foreach (var (key, child) in obj)
        {
            tree.Set("f:" + key, BuildValue(child, path + "." + key, mapMarkers));
        }
        return tree;
    }

    private FieldTree? ChangedValue(JsonNode? after, JsonNode? before, string path)
    {
        if (after is JsonObject afterObj && afterObj.Count > 0 && before is JsonObject beforeObj && beforeObj.Count > 0)
        {
            var tree = new FieldTree();
            foreach (var (key, child) in afterObj)
            {
                var diff = beforeObj.TryGetPropertyValue(key, out var previous)
                    ? ChangedValue(child, previous, path + "." + key)
                    : BuildValue(child, path + "." + key, true);
                if (diff is not null && !diff.IsEmpty) tree.Set("f:" + key, diff);
            }
            return tree.IsEmpty ? null : tree;
        }
        if (after is JsonObject && before is not JsonObject) return BuildValue(after, path, true);
        return JsonNode.DeepEquals(after, before) ? null : BuildValue(after, path, true);
    }
}
