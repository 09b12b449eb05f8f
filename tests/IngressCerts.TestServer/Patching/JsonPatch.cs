using System.Text.Json.Nodes;
using IngressCerts.TestServer.Api;

namespace IngressCerts.TestServer.Patching;

/// <summary>
/// RFC 6902 JSON patch. A malformed patch document is a 400; an operation that cannot be applied
/// (a failed test, a missing path) is the generic 422 of references 28 and 29.
/// </summary>
internal static class JsonPatch
{
    public static JsonNode Apply(JsonNode document, JsonNode? patch)
    {
        if (patch is not JsonArray operations)
        {
            throw Status.BadRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
        }
        var result = document.DeepClone();
        foreach (var node in operations)
        {
            if (node is not JsonObject operation) throw Status.BadRequest("json: cannot unmarshal into Go value of type jsonpatch.Operation");
            var op = operation["op"]?.GetValue<string>();
            var path = operation["path"]?.GetValue<string>() ?? throw Status.PatchRejected();
            switch (op)
            {
                case "add":
                    result = Add(result, Pointer(path), Value(operation));
                    break;
                case "remove":
                    result = Remove(result, Pointer(path), out _);
                    break;
                case "replace":
                    result = Remove(result, Pointer(path), out _);
                    result = Add(result, Pointer(path), Value(operation));
                    break;
                case "move":
                    var from = operation["from"]?.GetValue<string>() ?? throw Status.PatchRejected();
                    result = Remove(result, Pointer(from), out var moved);
                    result = Add(result, Pointer(path), moved);
                    break;
                case "copy":
                    var source = operation["from"]?.GetValue<string>() ?? throw Status.PatchRejected();
                    result = Add(result, Pointer(path), Get(result, Pointer(source))?.DeepClone());
                    break;
                case "test":
                    if (!JsonNode.DeepEquals(Get(result, Pointer(path)), Value(operation))) throw Status.PatchRejected();
                    break;
                default:
                    throw Status.PatchRejected();
            }
        }
        return result;
    }

    private static JsonNode? Value(JsonObject operation)
    {
        if (!operation.TryGetPropertyValue("value", out var value)) throw Status.PatchRejected();
        return value?.DeepClone();
    }

    private static string[] Pointer(string path)
    {
        if (path.Length == 0) return [];
        if (!path.StartsWith('/')) throw Status.PatchRejected();
        return path[1..].Split('/').Select(p => p.Replace("~1", "/").Replace("~0", "~")).ToArray();
    }

    private static JsonNode? Get(JsonNode root, string[] pointer)
    {
        JsonNode? node = root;
        foreach (var part in pointer)
        {
            node = node switch
            {
                JsonObject obj when obj.TryGetPropertyValue(part, out var child) => child,
                JsonArray array when int.TryParse(part, out var index) && index >= 0 && index < array.Count => array[index],
                _ => throw Status.PatchRejected(),
            };
        }
        return node;
    }

    private static JsonNode Add(JsonNode root, string[] pointer, JsonNode? value)
    {
        if (pointer.Length == 0) return value ?? throw Status.PatchRejected();
        var parent = Get(root, pointer[..^1]);
        var last = pointer[^1];
        switch (parent)
        {
            case JsonObject obj:
                obj[last] = value;
                break;
            case JsonArray array when last == "-":
                array.Add(value);
                break;
            case JsonArray array when int.TryParse(last, out var index) && index >= 0 && index <= array.Count:
                array.Insert(index, value);
                break;
            default:
                throw Status.PatchRejected();
        }
        return root;
    }

    private static JsonNode Remove(JsonNode root, string[] pointer, out JsonNode? removed)
    {
        if (pointer.Length == 0) throw Status.PatchRejected();
        var parent = Get(root, pointer[..^1]);
        var last = pointer[^1];
        switch (parent)
        {
            case JsonObject obj when obj.TryGetPropertyValue(last, out var child):
                obj.Remove(last);
                removed = child;
                break;
            case JsonArray array when int.TryParse(last, out var index) && index >= 0 && index < array.Count:
                removed = array[index];
                array.RemoveAt(index);
                break;
            default:
                throw Status.PatchRejected();
        }
        return root;
    }
}
