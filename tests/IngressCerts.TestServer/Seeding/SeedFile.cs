using System.Text.Json.Nodes;
using IngressCerts.TestServer.Json;

namespace IngressCerts.TestServer.Seeding;

/// <summary>Reads manifests for seeding: multi-document YAML, a JSON object, a JSON array, or kind: List.</summary>
public static class SeedFile
{
    public static IReadOnlyList<JsonObject> Load(string path) => Parse(File.ReadAllText(path));

    public static IReadOnlyList<JsonObject> Parse(string text)
    {
        var trimmed = text.TrimStart();
        IEnumerable<JsonNode?> documents = trimmed.StartsWith('[') || trimmed.StartsWith('{')
            ? [JsonNode.Parse(text)]
            : YamlJson.ParseDocuments(text);
        var objects = new List<JsonObject>();
        foreach (var document in documents)
        {
            switch (document)
            {
                case JsonArray array:
                    objects.AddRange(array.OfType<JsonObject>());
                    break;
                case JsonObject obj:
                    objects.Add(obj);
                    break;
            }
        }
        return objects;
    }
}
