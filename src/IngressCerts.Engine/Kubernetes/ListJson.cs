using System.Text.Json;

namespace IngressCerts.Engine.Kubernetes;

/// <summary>Reads one item of a list at its StartObject token, leaving the reader at its EndObject.</summary>
internal delegate T ListItemReader<T>(ref Utf8JsonReader reader);

/// <summary>
/// The envelope of a Kubernetes list answer (<c>{"metadata":{"continue":...},"items":[...]}</c>) read with
/// <see cref="Utf8JsonReader"/>, and the strict token helpers the list readers share: anything that is not the shape
/// they expect is a <see cref="JsonException"/>, as the client library's deserialiser would throw.
/// </summary>
internal static class ListJson
{
    /// <summary>GETs <paramref name="relativeUri"/> and reads the list; the answer's bytes are held in a buffer zeroed afterwards.</summary>
    public static async Task<(IList<T>? Items, string? Continue)> GetAsync<T>(KubeClient client, string relativeUri, ListItemReader<T> item, CancellationToken cancellationToken)
    {
        using var response = await client.GetAsync(relativeUri, cancellationToken).ConfigureAwait(false);
        long? length = response.Content.Headers.ContentLength;
        using var body = new WipedBuffer(System.Buffers.ArrayPool<byte>.Shared, length is > 0 and < int.MaxValue - 1 ? (int)length.Value + 1 : 256 * 1024);
        await using (var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false))
        {
            await body.ReadFromAsync(stream, cancellationToken).ConfigureAwait(false);
        }

        return Read(body.WrittenSpan, item);
    }

    /// <summary>The items and metadata.continue of a list.</summary>
    /// <exception cref="JsonException">The text is not a list object.</exception>
    public static (IList<T>? Items, string? Continue) Read<T>(ReadOnlySpan<byte> json, ListItemReader<T> item)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        if (!reader.Read())
        {
            throw new JsonException("The answer is empty.");
        }

        Require(ref reader, JsonTokenType.StartObject);
        var items = new List<T>();
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
                    Require(ref reader, JsonTokenType.StartObject);
                    items.Add(item(ref reader));
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
                SkipValue(ref reader);
            }
        }

        return (items, token);
    }

    /// <summary>Moves to the next property name of the current object; false at its end.</summary>
    public static bool NextProperty(ref Utf8JsonReader reader)
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

    /// <summary>At a property name: skips its value.</summary>
    public static void SkipValue(ref Utf8JsonReader reader)
    {
        reader.Read();
        reader.Skip();
    }

    /// <summary>At a property name: its value, a string or null.</summary>
    public static string? StringValue(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        Require(ref reader, JsonTokenType.String);
        return reader.GetString();
    }

    /// <summary>At a property name whose value is an object: true, at its StartObject; false when it is null.</summary>
    public static bool EnterObject(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            return false;
        }

        Require(ref reader, JsonTokenType.StartObject);
        return true;
    }

    /// <summary>At a property name whose value is an array: true, at its StartArray; false when it is null.</summary>
    public static bool EnterArray(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            return false;
        }

        Require(ref reader, JsonTokenType.StartArray);
        return true;
    }

    public static void Require(ref Utf8JsonReader reader, JsonTokenType type)
    {
        if (reader.TokenType != type)
        {
            throw new JsonException($"Expected {type} in the list, found {reader.TokenType}.");
        }
    }
}
