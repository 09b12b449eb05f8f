using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Core;

namespace IngressCerts.Engine.Inventory;

/// <summary>
/// A Kubernetes object read from a manifest file, with the file and line it came from. It is kept as compact UTF-8
/// JSON, about the size it had in the file, and <see cref="Json"/> parses it afresh on each call.
/// </summary>
public sealed class ManifestObject
{
    private readonly byte[] _utf8Json;

    public ManifestObject(string file, JsonObject json, int line = 0)
    {
        File = file;
        Line = line;
        StringifyMetadataMaps(json);
        Kind = Text(json["kind"]);
        ApiVersion = Text(json["apiVersion"]);
        Namespace = Text((json["metadata"] as JsonObject)?["namespace"]);
        Name = Text((json["metadata"] as JsonObject)?["name"]);
        _utf8Json = JsonSerializer.SerializeToUtf8Bytes(json, KeptJson);
    }

    // The reader's depth limit is counted in collections; the serializer's in levels, one more for the root.
    private static readonly JsonSerializerOptions KeptJson = new() { MaxDepth = 128 };

    public string File { get; }

    /// <summary>1-based line where the object starts; 0 when unknown.</summary>
    public int Line { get; }

    public string? Kind { get; }

    public string? ApiVersion { get; }

    public string? Namespace { get; }

    public string? Name { get; }

    /// <summary>The object as a new JSON tree (callers may change it).</summary>
    public JsonObject Json => (JsonObject)JsonNode.Parse(_utf8Json, documentOptions: new JsonDocumentOptions { MaxDepth = KeptJson.MaxDepth })!;

    /// <summary>The object as JSON text, for a typed deserializer.</summary>
    public string JsonText => Encoding.UTF8.GetString(_utf8Json);

    /// <summary>"Kind namespace/name" for messages, with the line when known.</summary>
    public string Describe() => $"{Kind} {(Namespace is null ? string.Empty : Namespace + "/")}{Name}{(Line > 0 ? $" (line {Line})" : string.Empty)}";

    // YAML writes `name: 404` as a number: read scalars as text whatever their type.
    private static string? Text(JsonNode? node) => node is JsonValue value ? value.ToString() : null;

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
}

/// <summary>A manifest file that could not be read, with the reason (which names the line where it is known).</summary>
public sealed record ManifestError(string File, string Message);

/// <summary>
/// What to keep from manifest files, and the limits that keep a hostile file from exhausting the host. The defaults
/// keep what the inventory and a publish read: Ingress, Gateway, ReferenceGrant, Secret, the other controllers' kinds
/// (<see cref="IngressCerts.Engine.Inventory.Kinds.OtherKinds"/>), and the items of Lists.
/// </summary>
public sealed record ManifestReadOptions
{
    /// <summary>The kinds the inventory and a publish to manifests read.</summary>
    public static readonly ManifestReadOptions Inventory = new();

    /// <summary>Kinds to keep; null keeps every kind.</summary>
    public IReadOnlySet<string>? Kinds { get; init; } = new HashSet<string>(
        ["Secret", "Ingress", "Gateway", "ReferenceGrant", .. IngressCerts.Engine.Inventory.Kinds.OtherKinds.Apis.Select(a => a.Kind),
         IngressCerts.Engine.Inventory.Kinds.CertManagerCertificates.Api.Kind], StringComparer.Ordinal);

    /// <summary>Top-level fields to keep of a kept object; null keeps all. `status` and the like are never read.</summary>
    public IReadOnlySet<string>? Fields { get; init; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "apiVersion", "kind", "metadata", "spec", "data", "stringData", "type", "immutable",
    };

    /// <summary>
    /// Collections nested deeper than this are refused. Kubernetes objects nest far less, and 64 is System.Text.Json's
    /// default limit, which the typed readers of the objects kept apply again.
    /// </summary>
    public int MaxDepth { get; init; } = 64;

    /// <summary>Nodes built for one kept object, aliases expanded (an object of another kind may be larger).</summary>
    public int MaxNodesPerObject { get; init; } = 250_000;

    /// <summary>Nodes that aliases may produce in one file, all documents together.</summary>
    public int MaxAliasNodes { get; init; } = 100_000;

    internal bool Keeps(string kind) => Kinds is null || Kinds.Contains(kind);

    /// <summary>Kinds whose status is kept too (a kubectl dump of cert-manager Certificates: Ready and renewalTime are in status).</summary>
    public IReadOnlySet<string> KindsWithStatus { get; init; } = new HashSet<string>(StringComparer.Ordinal) { IngressCerts.Engine.Inventory.Kinds.CertManagerCertificates.Api.Kind };

    /// <param name="kind">The object's kind when it was read before this field; null when not (yet) known.</param>
    internal bool KeepsField(string field, string? kind = null) =>
        Fields is null || Fields.Contains(field) || (field == "status" && (kind is null || KindsWithStatus.Contains(kind)));
}

/// <summary>
/// Reads Kubernetes objects from YAML (multi-document, as Helm and GitOps repositories write it) and JSON files,
/// unpacking <c>kind: List</c> as <c>kubectl get -o yaml|json</c> writes it. Files are streamed and bounded (see
/// <see cref="ManifestReadOptions"/>): a hostile file is an error, never a crash or an exhausted host.
/// </summary>
public static class ManifestReader
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
    public static List<ManifestObject> ReadAll(IEnumerable<string> paths, Action<ManifestError> onError, ManifestReadOptions? options = null)
    {
        var objects = new List<ManifestObject>();
        foreach (string file in ExpandPaths(paths))
        {
            var (read, error) = ReadFile(file, options);
            if (error is not null)
            {
                onError(error);
                continue;
            }

            objects.AddRange(read);
        }

        return objects;
    }

    /// <summary>
    /// Reads the wanted objects of one file, streaming it document by document (and a List item by item). A file that
    /// is malformed or breaks a limit produces an error and no objects, never an exception.
    /// </summary>
    public static (IReadOnlyList<ManifestObject> Objects, ManifestError? Error) ReadFile(string file, ManifestReadOptions? options = null)
    {
        options ??= ManifestReadOptions.Inventory;
        var objects = new List<ManifestObject>();
        try
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
            using var events = IsJson(stream) ? (IManifestEvents)new JsonManifestEvents(stream, options.MaxDepth + 1) : new YamlManifestEvents(stream);
            new BoundedManifestBuilder(events, options, file).ReadAll(objects);
            return (objects, null);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return (Array.Empty<ManifestObject>(), new ManifestError(file, ex.Message));
        }
        catch (ManifestLimitException ex)
        {
            return (Array.Empty<ManifestObject>(), new ManifestError(file, ex.Line > 0 ? $"line {ex.Line}: {ex.Message}" : ex.Message));
        }
        catch (YamlException ex)
        {
            return (Array.Empty<ManifestObject>(), new ManifestError(file, ex.Message));
        }
        catch (JsonException ex)
        {
            return (Array.Empty<ManifestObject>(), new ManifestError(file, ex.LineNumber is { } line ? $"line {line + 1}: {ex.Message}" : ex.Message));
        }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException or DecoderFallbackException or OverflowException)
        {
            return (Array.Empty<ManifestObject>(), new ManifestError(file, ex.Message));
        }
    }

    // JSON is YAML too, but the JSON reader is faster and exact about numbers and strings. Decided by the first
    // character after a byte order mark and white space, as before. The stream is rewound to after the mark, which
    // the JSON reader does not take (YAML's reader skips it itself).
    private static bool IsJson(FileStream stream)
    {
        Span<byte> head = stackalloc byte[4096];
        int read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        var text = head[..read];
        int bom = text.StartsWith(Encoding.UTF8.Preamble) ? Encoding.UTF8.Preamble.Length : 0;
        int first = text[bom..].IndexOfAnyExcept(" \t\r\n"u8);
        bool json = first >= 0 && text[bom + first] is (byte)'{' or (byte)'[';
        stream.Position = json ? bom : 0;
        return json;
    }
}
