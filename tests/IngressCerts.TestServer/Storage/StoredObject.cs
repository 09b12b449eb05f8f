using System.Text.Json.Nodes;

namespace IngressCerts.TestServer.Storage;

/// <summary>
/// One immutable version of an object as the store keeps it: serialised once, in list-item form,
/// so a GET or a 500-item page is a copy of bytes rather than a re-serialisation.
/// </summary>
internal sealed class StoredObject
{
    public required string Namespace { get; init; }

    public required string Name { get; init; }

    public required string Uid { get; init; }

    public required long ResourceVersion { get; init; }

    /// <summary>The object as a list item: built-in kinds omit kind/apiVersion there (references 22, 44).</summary>
    public required byte[] ItemJson { get; init; }

    public required IReadOnlyDictionary<string, string> Labels { get; init; }

    /// <summary>Values of the field-selector labels this kind supports.</summary>
    public required IReadOnlyDictionary<string, string> SelectableFields { get; init; }

    /// <summary>Store key: "namespace/name" (or "name" when cluster-scoped), ordered like etcd keys.</summary>
    public string Key => Namespace.Length == 0 ? Name : $"{Namespace}/{Name}";

    public static string KeyOf(string @namespace, string name) => @namespace.Length == 0 ? name : $"{@namespace}/{name}";

    /// <summary>A mutable copy (without kind/apiVersion for built-in kinds).</summary>
    public JsonObject ParseItem() => (JsonObject)JsonNode.Parse(ItemJson)!;
}
