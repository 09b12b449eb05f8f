using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace IngressCerts.Engine.Inventory;

/// <summary>A Kubernetes object read from a manifest file, as JSON, with the file it came from.</summary>
public sealed record ManifestObject(string File, JsonObject Json)
{
    public string? Kind => Text(Json["kind"]);

    public string? ApiVersion => Text(Json["apiVersion"]);

    public string? Namespace => Text((Json["metadata"] as JsonObject)?["namespace"]);

    public string? Name => Text((Json["metadata"] as JsonObject)?["name"]);

    /// <summary>"Kind namespace/name" for messages.</summary>
    public string Describe() => $"{Kind} {(Namespace is null ? string.Empty : Namespace + "/")}{Name}";

    // YAML writes `name: 404` as a number: read scalars as text whatever their type.
    private static string? Text(JsonNode? node) => node is JsonValue value ? value.ToString() : null;
}

/// <summary>A manifest file that could not be read, with the reason.</summary>
public sealed record ManifestError(string File, string Message);

/// <summary>
/// Reads Kubernetes objects from YAML (multi-document, as Helm and GitOps repositories write it) and JSON files,
/// unpacking <c>kind: List</c> as <c>kubectl get -o yaml|json</c> writes it.
/// </summary>
public static partial class ManifestReader
{
    private static readonly string[] Extensions = { ".yaml", ".yml", ".json" };

    /// <summary>Expands folders (recursively) into their manifest files; files are taken as given.</summary>
    public static IEnumerable<string> ExpandPaths(IEnumerable<string> paths)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string path in paths)
        {
            IEnumerable<string> files = Directory.Exists(path)
                ? Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
                    .Where(f => Extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
                    .OrderBy(f => f, StringComparer.Ordinal)
                : new[] { path };
            foreach (string file in files)
            {
                if (seen.Add(Path.GetFullPath(file)))
                {
                    yield return Path.GetFullPath(file);
                }
            }
        }
    }

    /// <summary>Reads every object of every manifest file under <paramref name="paths"/>; unreadable files go to <paramref name="onError"/>.</summary>
    public static List<ManifestObject> ReadAll(IEnumerable<string> paths, Action<ManifestError> onError)
    {
        var objects = new List<ManifestObject>();
        foreach (string file in ExpandPaths(paths))
        {
            var (read, error) = ReadFile(file);
            if (error is not null)
            {
                onError(error);
                continue;
            }

            objects.AddRange(read);
        }

        return objects;
    }

    /// <summary>Reads every object in one file. Malformed files produce an error, not an exception.</summary>
    public static (IReadOnlyList<ManifestObject> Objects, ManifestError? Error) ReadFile(string file)
    {
        string text;
        try
        {
            text = File.ReadAllText(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return (Array.Empty<ManifestObject>(), new ManifestError(file, ex.Message));
        }

        try
        {
            var objects = new List<ManifestObject>();
            foreach (var node in ParseDocuments(text))
            {
                Unpack(node, file, objects);
            }

            return (objects, null);
        }
        catch (Exception ex) when (ex is YamlException or JsonException or FormatException or InvalidOperationException)
        {
            return (Array.Empty<ManifestObject>(), new ManifestError(file, ex.Message));
        }
    }

    private static IEnumerable<JsonNode?> ParseDocuments(string text)
    {
        string trimmed = text.TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
        if (trimmed.StartsWith('{') || trimmed.StartsWith('['))
        {
            // JSON is YAML too, but the JSON parser is faster and exact about numbers and strings.
            return new[] { JsonNode.Parse(trimmed) };
        }

        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return stream.Documents.Select(d => ToJson(d.RootNode)).ToList();
    }

    private static void Unpack(JsonNode? node, string file, List<ManifestObject> into)
    {
        switch (node)
        {
            case JsonArray array:
                foreach (var item in array)
                {
                    Unpack(item, file, into);
                }

                break;
            case JsonObject obj when obj["kind"] is JsonValue kindValue && kindValue.TryGetValue<string>(out var kind):
                if (kind.EndsWith("List", StringComparison.Ordinal) && obj["items"] is JsonArray items)
                {
                    foreach (var item in items)
                    {
                        Unpack(item, file, into);
                    }
                }
                else
                {
                    StringifyMetadataMaps(obj);
                    into.Add(new ManifestObject(file, obj));
                }

                break;
        }
    }

    // Labels and annotations are string maps, but hand-written YAML often has `ssl-redirect: true` or a bare
    // number; read them as the text they are rather than failing the whole object.
    private static void StringifyMetadataMaps(JsonObject obj)
    {
        if (obj["metadata"] is not JsonObject metadata)
        {
            return;
        }

        foreach (string map in new[] { "labels", "annotations" })
        {
            if (metadata[map] is JsonObject values)
            {
                foreach (var (key, value) in values.ToList())
                {
                    if (value is JsonValue v && v.GetValueKind() != JsonValueKind.String)
                    {
                        values[key] = JsonValue.Create(v.ToJsonString().Trim('"'));
                    }
                }
            }
        }
    }

    private static JsonNode? ToJson(YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                var obj = new JsonObject();
                foreach (var (key, value) in mapping.Children)
                {
                    string name = key is YamlScalarNode s ? s.Value ?? string.Empty : key.ToString();
                    obj[name] = ToJson(value);
                }

                return obj;
            case YamlSequenceNode sequence:
                var array = new JsonArray();
                foreach (var child in sequence.Children)
                {
                    array.Add(ToJson(child));
                }

                return array;
            case YamlScalarNode scalar:
                return ToJsonScalar(scalar);
            default:
                return null;
        }
    }

    // YAML 1.2 core schema for plain scalars; quoted and block scalars are always strings.
    private static JsonNode? ToJsonScalar(YamlScalarNode scalar)
    {
        string value = scalar.Value ?? string.Empty;
        if (scalar.Style != ScalarStyle.Plain)
        {
            return JsonValue.Create(value);
        }

        switch (value)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "true" or "True" or "TRUE":
                return JsonValue.Create(true);
            case "false" or "False" or "FALSE":
                return JsonValue.Create(false);
        }

        if (IntegerPattern().IsMatch(value) && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long integer))
        {
            return JsonValue.Create(integer);
        }

        if (FloatPattern().IsMatch(value) && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double real))
        {
            return JsonValue.Create(real);
        }

        return JsonValue.Create(value);
    }

    [GeneratedRegex("^[-+]?[0-9]+$")]
    private static partial Regex IntegerPattern();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatPattern();
}
