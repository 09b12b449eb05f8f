using System.Text.Json;
using k8s.Models;

namespace IngressCerts.Engine.Kubernetes;

/// <summary>
/// Reads one page of a Secret list straight from the server's JSON with <see cref="Utf8JsonReader"/>, keeping only
/// what an inventory reads: namespace, name, labels, the cert-manager annotation, type and data. The client library's
/// models would also build every Secret's managedFields, annotations (kubectl's last-applied-configuration holds a
/// second copy of the key there) and timestamps, which cost most of a scan's fetch CPU. The page's bytes stay in a
/// <see cref="WipedBuffer"/>, zeroed once read; the data values are decoded from base64 into arrays of their own.
/// </summary>
internal static class SecretListReader
{
    /// <summary>The one annotation the inventory reads of a listed Secret (see ReferenceEvaluator).</summary>
    internal const string KeptAnnotation = "cert-manager.io/certificate-name";

    /// <summary>GETs <paramref name="relativeUri"/> (a Secret list) and reads it.</summary>
    public static async Task<(IList<V1Secret> Items, string? Continue)> GetAsync(KubeClient client, string relativeUri, CancellationToken cancellationToken)
    {
        using var response = await client.GetAsync(relativeUri, cancellationToken).ConfigureAwait(false);
        long? length = response.Content.Headers.ContentLength;
        using var body = new WipedBuffer(System.Buffers.ArrayPool<byte>.Shared, length is > 0 and < int.MaxValue ? (int)length.Value + 1 : 256 * 1024);
        await using (var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false))
        {
            await body.ReadFromAsync(stream, cancellationToken).ConfigureAwait(false);
        }

        return Read(body.WrittenSpan);
    }

    /// <summary>The items and metadata.continue of a SecretList.</summary>
    /// <exception cref="JsonException">The text is not a list object.</exception>
    public static (IList<V1Secret> Items, string? Continue) Read(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        Expect(ref reader, JsonTokenType.StartObject);
        var items = new List<V1Secret>();
        string? token = null;
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("items"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null)
                {
                    continue;
                }

                Require(ref reader, JsonTokenType.StartArray);
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    items.Add(ReadSecret(ref reader));
                }
            }
            else if (reader.ValueTextEquals("metadata"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }

                while (NextProperty(ref reader))
                {
                    bool isContinue = reader.ValueTextEquals("continue"u8);
                    reader.Read();
                    if (isContinue && reader.TokenType == JsonTokenType.String)
                    {
                        token = reader.GetString();
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return (items, token);
    }

    private static V1Secret ReadSecret(ref Utf8JsonReader reader)
    {
        Require(ref reader, JsonTokenType.StartObject);
        var secret = new V1Secret { ApiVersion = "v1", Kind = "Secret", Metadata = new V1ObjectMeta() };
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("metadata"u8))
            {
                reader.Read();
                ReadMetadata(ref reader, secret.Metadata);
            }
            else if (reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                secret.Type = reader.TokenType == JsonTokenType.Null ? null : String(ref reader);
            }
            else if (reader.ValueTextEquals("data"u8))
            {
                reader.Read();
                secret.Data = ReadData(ref reader);
            }
            else
            {
                // stringData is write-only (never in an answer); immutable and the rest are not read by an inventory.
                reader.Read();
                reader.Skip();
            }
        }

        return secret;
    }

    private static void ReadMetadata(ref Utf8JsonReader reader, V1ObjectMeta metadata)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return;
        }

        Require(ref reader, JsonTokenType.StartObject);
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("name"u8))
            {
                reader.Read();
                metadata.Name = String(ref reader);
            }
            else if (reader.ValueTextEquals("namespace"u8))
            {
                reader.Read();
                metadata.NamespaceProperty = String(ref reader);
            }
            else if (reader.ValueTextEquals("labels"u8))
            {
                reader.Read();
                metadata.Labels = ReadStrings(ref reader, keep: null);
            }
            else if (reader.ValueTextEquals("annotations"u8))
            {
                reader.Read();
                metadata.Annotations = ReadStrings(ref reader, keep: KeptAnnotation);
            }
            else
            {
                // managedFields, uid, resourceVersion, creationTimestamp, ownerReferences, ...
                reader.Read();
                reader.Skip();
            }
        }
    }

    /// <summary>A map of strings; with <paramref name="keep"/>, only that key (null when it is absent).</summary>
    private static Dictionary<string, string>? ReadStrings(ref Utf8JsonReader reader, string? keep)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        Require(ref reader, JsonTokenType.StartObject);
        Dictionary<string, string>? map = keep is null ? new Dictionary<string, string>(StringComparer.Ordinal) : null;
        while (NextProperty(ref reader))
        {
            if (keep is not null && !reader.ValueTextEquals(keep))
            {
                reader.Read();
                reader.Skip();
                continue;
            }

            string key = reader.GetString()!;
            reader.Read();
            map ??= new Dictionary<string, string>(1, StringComparer.Ordinal);
            map[key] = reader.TokenType == JsonTokenType.Null ? string.Empty : String(ref reader);
        }

        return map;
    }

    private static Dictionary<string, byte[]>? ReadData(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        Require(ref reader, JsonTokenType.StartObject);
        var data = new Dictionary<string, byte[]>(3, StringComparer.Ordinal);
        while (NextProperty(ref reader))
        {
            string key = reader.GetString()!;
            reader.Read();
            if (reader.TokenType == JsonTokenType.Null)
            {
                data[key] = null!; // as the library's model holds a null value
                continue;
            }

            Require(ref reader, JsonTokenType.String);
            data[key] = reader.TryGetBytesFromBase64(out var value) ? value : throw new JsonException($"The value of '{key}' in the Secret list is not base64.");
        }

        return data;
    }

    /// <summary>Moves to the next property name of the current object; false at its end.</summary>
    private static bool NextProperty(ref Utf8JsonReader reader)
    {
        if (!reader.Read())
        {
            throw new JsonException("The list ends inside an object.");
        }

        if (reader.TokenType == JsonTokenType.EndObject)
        {
            return false;
        }

        Require(ref reader, JsonTokenType.PropertyName);
        return true;
    }

    private static string String(ref Utf8JsonReader reader)
    {
        Require(ref reader, JsonTokenType.String);
        return reader.GetString()!;
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type)
    {
        if (!reader.Read())
        {
            throw new JsonException("The answer is empty.");
        }

        Require(ref reader, type);
    }

    private static void Require(ref Utf8JsonReader reader, JsonTokenType type)
    {
        if (reader.TokenType != type)
        {
            throw new JsonException($"Expected {type} in the Secret list, found {reader.TokenType}.");
        }
    }
}
