using System.Buffers;
using System.Security.Cryptography;
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

    /// <summary>
    /// A string field as its UTF-8 bytes, never made a .NET string (which could not be wiped): for key material,
    /// which the caller wipes when done. Every intermediate buffer is wiped here. Null when the field is no string.
    /// </summary>
    public static byte[]? Utf8Bytes(JsonElement obj, params string[] path)
    {
        if (Path(obj, path) is not { ValueKind: JsonValueKind.String } value)
        {
            return null;
        }

        // The escaped JSON text of the value ("...\n..."), then unescaped by the reader into a buffer of ours.
        var written = new ArrayBufferWriter<byte>(16 * 1024);
        byte[]? unescaped = null;
        try
        {
            using (var writer = new Utf8JsonWriter(written))
            {
                value.WriteTo(writer);
            }

            var reader = new Utf8JsonReader(written.WrittenSpan);
            reader.Read();
            unescaped = new byte[reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length];
            int length = reader.CopyString(unescaped);
            return unescaped.AsSpan(0, length).ToArray();
        }
        finally
        {
            written.Clear(); // zeroes what was written
            if (unescaped is not null)
            {
                CryptographicOperations.ZeroMemory(unescaped);
            }
        }
    }
}
