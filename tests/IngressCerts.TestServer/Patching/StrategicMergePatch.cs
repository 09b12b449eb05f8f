using System.Text.Json.Nodes;
using IngressCerts.TestServer.Json;

namespace IngressCerts.TestServer.Patching;

/// <summary>
/// Strategic merge patch for the built-in kinds served here. None of their lists has a merge key
/// (spec.tls and spec.rules of Ingress included, see reference 42), so lists are replaced; the
/// exceptions are metadata.finalizers (merged as a set) and metadata.ownerReferences (merged by uid).
/// Directives: $patch (replace/delete), $retainKeys, $deleteFromPrimitiveList/…, $setElementOrder/… (ignored).
/// </summary>
internal static class StrategicMergePatch
{
    public static JsonObject Apply(JsonObject target, JsonObject patch) => MergeObject(target, patch, "");

    private static JsonObject MergeObject(JsonObject target, JsonObject patch, string path)
    {
        var directive = patch.GetString("$patch");
        if (directive == "replace")
        {
            var replacement = (JsonObject)patch.DeepClone();
            replacement.Remove("$patch");
            return replacement;
        }
        var result = (JsonObject)target.DeepClone();
        if (patch["$retainKeys"] is JsonArray retain)
        {
            var keep = retain.Select(k => k.AsString()).ToHashSet();
            foreach (var key in result.Select(p => p.Key).Where(k => !keep.Contains(k)).ToList()) result.Remove(key);
        }
        foreach (var (key, value) in patch)
        {
            if (key is "$patch" or "$retainKeys" || key.StartsWith("$setElementOrder/", StringComparison.Ordinal)) continue;
            if (key.StartsWith("$deleteFromPrimitiveList/", StringComparison.Ordinal))
            {
                var listKey = key["$deleteFromPrimitiveList/".Length..];
                if (result[listKey] is JsonArray list && value is JsonArray remove)
                {
                    var drop = remove.Select(v => v?.ToJsonString()).ToHashSet();
                    result[listKey] = new JsonArray(list.Where(v => !drop.Contains(v?.ToJsonString())).Select(v => v?.DeepClone()).ToArray());
                }
                continue;
            }
            var childPath = path.Length == 0 ? key : path + "." + key;
            if (value is null)
            {
                result.Remove(key);
                continue;
            }
            if (value is JsonObject patchChild)
            {
                if (patchChild.GetString("$patch") == "delete")
                {
                    result.Remove(key);
                    continue;
                }
                result[key] = MergeObject(result[key] as JsonObject ?? new JsonObject(), patchChild, childPath);
                continue;
            }
            if (value is JsonArray patchList && result[key] is JsonArray currentList)
            {
                result[key] = childPath switch
                {
                    "metadata.finalizers" => UnionPrimitives(currentList, patchList),
                    "metadata.ownerReferences" => MergeByKey(currentList, patchList, "uid"),
                    _ => patchList.DeepClone(),
                };
                continue;
            }
            result[key] = value.DeepClone();
        }
        return result;
    }

    private static JsonArray UnionPrimitives(JsonArray current, JsonArray patch)
    {
        var result = new JsonArray(current.Select(v => v?.DeepClone()).ToArray());
        var seen = current.Select(v => v?.ToJsonString()).ToHashSet();
        foreach (var value in patch)
        {
            if (seen.Add(value?.ToJsonString())) result.Add(value?.DeepClone());
        }
        return result;
    }

    private static JsonArray MergeByKey(JsonArray current, JsonArray patch, string mergeKey)
    {
        var result = new JsonArray(current.Select(v => v?.DeepClone()).ToArray());
        foreach (var item in patch.OfType<JsonObject>())
        {
            var key = item.GetString(mergeKey);
            var index = -1;
            for (var i = 0; i < result.Count; i++)
            {
                if ((result[i] as JsonObject).GetString(mergeKey) == key) { index = i; break; }
            }
            if (item.GetString("$patch") == "delete")
            {
                if (index >= 0) result.RemoveAt(index);
                continue;
            }
            if (index >= 0) result[index] = MergeObject((JsonObject)result[index]!, item, "");
            else result.Add(item.DeepClone());
        }
        return result;
    }
}
