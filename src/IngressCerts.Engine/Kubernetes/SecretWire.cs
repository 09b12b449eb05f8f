using System.Buffers;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using k8s;
using k8s.Models;

namespace IngressCerts.Engine.Kubernetes;

/// <summary>
/// Writes and reads Secrets as JSON without leaving copies of their data behind: the request body is written into
/// a <see cref="WipedBuffer"/> (the base64 straight from the data's bytes), and the answer is read into another one
/// and turned into a Secret without its <c>data</c> and <c>stringData</c>. Both buffers are zeroed by their owner.
/// </summary>
internal static class SecretWire
{
    private static readonly MediaTypeHeaderValue Json = MediaTypeHeaderValue.Parse("application/json; charset=utf-8");

    /// <summary>Writes <paramref name="secret"/> as the JSON the client library would send.</summary>
    public static void WriteBody(V1Secret secret, IBufferWriter<byte> output)
    {
        // Everything but the data goes through the library's serializer (its names, dates and quantities); that
        // text holds no key.
        var withoutData = new V1Secret
        {
            ApiVersion = secret.ApiVersion ?? "v1",
            Kind = secret.Kind ?? "Secret",
            Metadata = secret.Metadata,
            Type = secret.Type,
            Immutable = secret.Immutable,
        };
        using var rest = JsonDocument.Parse(KubernetesJson.Serialize(withoutData));
        using var writer = new Utf8JsonWriter(output);
        writer.WriteStartObject();
        foreach (var property in rest.RootElement.EnumerateObject())
        {
            property.WriteTo(writer);
        }

        if (secret.Data is { } data)
        {
            writer.WriteStartObject("data");
            foreach (var (key, value) in data)
            {
                writer.WriteBase64String(key, value ?? Array.Empty<byte>());
            }

            writer.WriteEndObject();
        }

        if (secret.StringData is { } stringData)
        {
            writer.WriteStartObject("stringData");
            foreach (var (key, value) in stringData)
            {
                writer.WriteString(key, value);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        writer.Flush();
    }

    /// <summary>The body as request content that sends the buffer's bytes without copying them.</summary>
    public static HttpContent Content(WipedBuffer body)
    {
        var segment = body.WrittenSegment;
        var content = new ByteArrayContent(segment.Array!, segment.Offset, segment.Count);
        content.Headers.ContentType = Json;
        return content;
    }

    /// <summary>
    /// The Secret in <paramref name="json"/> without <c>data</c> and <c>stringData</c>: its metadata (name,
    /// resourceVersion, uid), type and immutability, which is all a writer needs of the server's echo.
    /// </summary>
    /// <exception cref="JsonException">The answer is not a JSON object.</exception>
    public static V1Secret ReadWithoutData(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("The answer is not a JSON object.");
        }

        var kept = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(kept))
        {
            writer.WriteStartObject();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                string name = reader.GetString()!;
                if (!reader.Read())
                {
                    throw new JsonException("The answer ends inside an object.");
                }

                if (name is "data" or "stringData")
                {
                    reader.Skip();
                    continue;
                }

                writer.WritePropertyName(name);
                using var value = JsonDocument.ParseValue(ref reader);
                value.RootElement.WriteTo(writer);
            }

            writer.WriteEndObject();
        }

        return KubernetesJson.Deserialize<V1Secret>(Encoding.UTF8.GetString(kept.WrittenSpan));
    }
}
