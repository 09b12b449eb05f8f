using System.Text.Json;
using System.Text.Json.Nodes;
using IngressCerts.Engine.Inventory;

namespace IngressCerts.Engine.Publishing;

/// <summary>What one publish added to a ReferenceGrant for one Secret, kept on the grant (<see cref="Annotation"/>, by Secret name).</summary>
/// <param name="CreatedGrant">The publish created the grant (Undo deletes it when nothing else is left in it).</param>
public sealed record GrantRecord(string Id, bool CreatedGrant)
{
    public const string Annotation = "ingresscerts.io/grant-wiring";

    public static IReadOnlyDictionary<string, GrantRecord> ReadAll(JsonObject grant) => AnnotationRecords.Read<GrantRecord>(grant, Annotation);

    internal static void Store(JsonObject grant, string secretName, GrantRecord? record) => AnnotationRecords.Store(grant, Annotation, secretName, record);
}

/// <summary>A ReferenceGrant write: create <see cref="Grant"/> (no resourceVersion), or replace it (with the one read), or delete it.</summary>
public sealed record GrantChange(JsonObject Grant, bool Create, bool Delete, string Description)
{
    public string Name => GatewayWiring.Str(Grant["metadata"], "name") ?? string.Empty;

    public string Namespace => GatewayWiring.Str(Grant["metadata"], "namespace") ?? string.Empty;
}

/// <summary>
/// Decides the ReferenceGrant (gateway.networking.k8s.io/v1beta1) a Gateway needs to use a Secret in another
/// namespace. Pure: reads and writes nothing.
/// </summary>
/// <remarks>
/// A grant that already lets Gateways of the Gateway's namespace use the Secret is enough: nothing changes. Else, with
/// -GrantReference, a grant in the Secret's namespace whose every "from" is Gateways of that namespace is extended
/// with a "to" entry naming the Secret (so the change lets nobody else in); the one named
/// <see cref="DefaultName"/> is preferred; without such a grant, that one is created. Each change is recorded on the
/// grant for Undo, which takes out only the entry (or the grant) the publish added.
/// </remarks>
public static class ReferenceGrants
{
    public const string ApiVersion = "gateway.networking.k8s.io/v1beta1";

    /// <summary>The name of the grant the module creates for Gateways of <paramref name="gatewayNamespace"/>.</summary>
    public static string DefaultName(string gatewayNamespace)
    {
        string name = $"ingresscerts-gateways-{gatewayNamespace}";
        return name.Length <= 253 ? name : name[..253];
    }

    public static bool Allows(IEnumerable<JsonObject> grants, string gatewayNamespace, string secretNamespace, string secretName)
    {
        var index = new ReferenceGrantIndex();
        foreach (var grant in grants)
        {
            index.Add(JsonSerializer.SerializeToElement(grant));
        }

        return index.Allows(gatewayNamespace, secretNamespace, secretName);
    }

    /// <summary>
    /// The name for a new grant: <see cref="DefaultName"/>, or, when a grant in <paramref name="grants"/> has it (one
    /// that could not be extended), the first of "-2", "-3", ... after it that none has.
    /// </summary>
    public static string FreeName(IReadOnlyList<JsonObject> grants, string gatewayNamespace)
    {
        var taken = grants.Select(g => GatewayWiring.Str(g["metadata"], "name")).OfType<string>().ToHashSet(StringComparer.Ordinal);
        string name = DefaultName(gatewayNamespace);
        for (int n = 2; taken.Contains(name); n++)
        {
            string suffix = $"-{n}";
            name = DefaultName(gatewayNamespace)[..Math.Min(DefaultName(gatewayNamespace).Length, 253 - suffix.Length)] + suffix;
        }

        return name;
    }

    /// <summary>
    /// The grant a cross-namespace reference needs, as YAML (for the refusal without -GrantReference), named
    /// <paramref name="name"/>: a name no grant has, so that applying it never overwrites someone's grant.
    /// </summary>
    public static string NeededYaml(string gatewayNamespace, string secretNamespace, string secretName, string name) =>
        $"apiVersion: {ApiVersion}\nkind: ReferenceGrant\nmetadata:\n  name: {name}\n  namespace: {secretNamespace}\n" +
        $"spec:\n  from:\n  - group: {GatewayWiring.Group}\n    kind: Gateway\n    namespace: {gatewayNamespace}\n  to:\n  - group: \"\"\n    kind: Secret\n    name: {secretName}\n";

    /// <summary>The write that makes <paramref name="grants"/> allow the reference, with its record; null when they already do.</summary>
    public static GrantChange? Plan(IReadOnlyList<JsonObject> grants, string gatewayNamespace, string secretNamespace, string secretName, string publishId)
    {
        if (Allows(grants, gatewayNamespace, secretNamespace, secretName))
        {
            return null;
        }

        var extendable = grants
            .Where(g => From(g).Count > 0 && From(g).All(f => GatewayWiring.Str(f, "group") == GatewayWiring.Group && GatewayWiring.Str(f, "kind") == "Gateway" && GatewayWiring.Str(f, "namespace") == gatewayNamespace))
            .OrderBy(g => GatewayWiring.Str(g["metadata"], "name") == DefaultName(gatewayNamespace) ? 0 : 1)
            .FirstOrDefault();
        if (extendable is not null)
        {
            var copy = (JsonObject)extendable.DeepClone();
            var to = copy["spec"]!["to"] as JsonArray ?? new JsonArray();
            copy["spec"]!["to"] = to;
            to.Add(ToSecret(secretName));
            GrantRecord.Store(copy, secretName, new GrantRecord(publishId, CreatedGrant: false));
            return new GrantChange(copy, Create: false, Delete: false,
                $"Update ReferenceGrant {secretNamespace}/{GatewayWiring.Str(copy["metadata"], "name")}: let Gateways from '{gatewayNamespace}' use Secret {secretName}");
        }

        string name = FreeName(grants, gatewayNamespace);
        var created = new JsonObject
        {
            ["apiVersion"] = ApiVersion,
            ["kind"] = "ReferenceGrant",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = secretNamespace },
            ["spec"] = new JsonObject
            {
                ["from"] = new JsonArray(new JsonObject { ["group"] = GatewayWiring.Group, ["kind"] = "Gateway", ["namespace"] = gatewayNamespace }),
                ["to"] = new JsonArray(ToSecret(secretName)),
            },
        };
        GrantRecord.Store(created, secretName, new GrantRecord(publishId, CreatedGrant: true));
        return new GrantChange(created, Create: true, Delete: false,
            $"Create ReferenceGrant {secretNamespace}/{name}: let Gateways from '{gatewayNamespace}' use Secret {secretName}");
    }

    /// <summary>
    /// Takes out of <paramref name="grant"/> what publish <paramref name="publishId"/> added for the Secret: its "to"
    /// entry, and the grant itself when the publish created it and nothing else is left in it. Null when the grant has
    /// no record of that publish.
    /// </summary>
    public static GrantChange? Remove(JsonObject grant, string secretName, string publishId, List<string> notes)
    {
        string name = $"{GatewayWiring.Str(grant["metadata"], "namespace")}/{GatewayWiring.Str(grant["metadata"], "name")}";
        if (!GrantRecord.ReadAll(grant).TryGetValue(secretName, out var record) || record.Id != publishId)
        {
            notes.Add($"ReferenceGrant {name} has no record of the entry the publish added for Secret {secretName}; it is left as it is.");
            return null;
        }

        var copy = (JsonObject)grant.DeepClone();
        var to = copy["spec"]?["to"] as JsonArray ?? new JsonArray();
        var ours = to.FirstOrDefault(t => GatewayWiring.Str(t, "kind") == "Secret" && (GatewayWiring.Str(t, "group") ?? string.Empty).Length == 0 && GatewayWiring.Str(t, "name") == secretName);
        if (ours is not null)
        {
            to.Remove(ours);
        }
        else
        {
            notes.Add($"ReferenceGrant {name} no longer names Secret {secretName}; that was changed since the publish and is left alone.");
        }

        GrantRecord.Store(copy, secretName, null);
        bool delete = record.CreatedGrant && to.Count == 0 && GrantRecord.ReadAll(copy).Count == 0;
        return new GrantChange(copy, Create: false, Delete: delete,
            delete ? $"Delete ReferenceGrant {name}, which the publish created" : $"Update ReferenceGrant {name}: take out the entry for Secret {secretName} that the publish added");
    }

    private static List<JsonNode?> From(JsonObject grant) => (grant["spec"]?["from"] as JsonArray ?? new JsonArray()).ToList();

    private static JsonObject ToSecret(string secretName) => new() { ["group"] = string.Empty, ["kind"] = "Secret", ["name"] = secretName };
}
