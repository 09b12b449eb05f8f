using System.Text.Json;

namespace IngressCerts.Engine.Kubernetes;

/// <summary>
/// The API groups a cluster serves and their versions, from GET /apis (an APIGroupList), read with the JSON reader
/// instead of the client library's serializer, whose first use in a fresh process cost about 0.15 s of CPU.
/// </summary>
internal static class DiscoveryJson
{
    /// <summary>GETs /apis and reads it.</summary>
    public static async Task<Dictionary<string, HashSet<string>>?> GetAsync(KubeClient client, CancellationToken cancellationToken)
    {
        using var answer = await client.GetAsync("apis", cancellationToken).ConfigureAwait(false);
        await using var stream = await answer.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var document = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
        return Read(document.RootElement);
    }

    /// <summary>Group name to served versions; groups or versions without a name are left out.</summary>
    /// <exception cref="JsonException">The answer is not an APIGroupList.</exception>
    public static Dictionary<string, HashSet<string>> Read(JsonElement list)
    {
        if (list.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("The discovery answer is not an object.");
        }

        var served = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        if (!list.TryGetProperty("groups", out var groups) || groups.ValueKind != JsonValueKind.Array)
        {
            return served;
        }

        foreach (var group in groups.EnumerateArray())
        {
            if (group.ValueKind != JsonValueKind.Object || Text(group, "name") is not { } name)
            {
                continue;
            }

            var versions = served.TryGetValue(name, out var known) ? known : served[name] = new HashSet<string>(StringComparer.Ordinal);
            if (group.TryGetProperty("versions", out var offered) && offered.ValueKind == JsonValueKind.Array)
            {
                foreach (var version in offered.EnumerateArray())
                {
                    if (version.ValueKind == JsonValueKind.Object && Text(version, "version") is { } v)
                    {
                        versions.Add(v);
                    }
                }
            }
        }

        return served;
    }

    private static string? Text(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
