using System.Text.Json;

namespace IngressCerts.Engine.Kubernetes;

/// <summary>Small accessors for Kubernetes objects held as raw JSON (Gateway API kinds have no typed model).</summary>
internal static class RawObject
{
    public static string? Namespace(JsonElement obj) => Path(obj, "metadata", "namespace")?.GetString();

    public static string? Name(JsonElement obj) => Path(obj, "metadata", "name")?.GetString();

    public static JsonElement? Path(JsonElement obj, params string[] path)
    {
        var current = obj;
        foreach (string segment in path)
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(segment, out var next))
            {
                return null;
            }

            current = next;
        }

        return current.ValueKind == JsonValueKind.Null ? null : current;
    }

    public static string? String(JsonElement obj, params string[] path) =>
        Path(obj, path) is { ValueKind: JsonValueKind.String } e ? e.GetString() : null;

    public static IEnumerable<JsonElement> Array(JsonElement obj, params string[] path) =>
        Path(obj, path) is { ValueKind: JsonValueKind.Array } e ? e.EnumerateArray() : Enumerable.Empty<JsonElement>();
}
