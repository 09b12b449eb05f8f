using System.Text.Json;
using IngressCerts.Engine.Inventory;
using k8s;
using k8s.Models;

namespace IngressCerts.Engine.Publishing;

/// <summary>
/// What manifest files hold for a publish target (<see cref="State"/>), or why they cannot tell
/// (<see cref="Problems"/>, and then no state: a publish to manifests must not go on).
/// </summary>
public sealed record ManifestStateResult(PublishState? State, IReadOnlyList<ManifestError> Problems);

/// <summary>What manifest files hold for a publish target: the Secret and the Ingress, as a cluster would.</summary>
public static class ManifestState
{
    private static readonly ManifestReadOptions SecretsAndIngresses = new()
    {
        Kinds = new HashSet<string>(StringComparer.Ordinal) { "Secret", "Ingress", "Gateway", "ReferenceGrant" },
    };

    /// <summary>
    /// Reads the target's Secret and Ingress from the files under <paramref name="paths"/>. A file that cannot be read
    /// may hold the target, and a target object that cannot be read has an unknown owner, type and immutability: either
    /// is a problem, never "absent", so that the planner's refusals cannot be skipped by a broken file.
    /// </summary>
    public static ManifestStateResult Read(IEnumerable<string> paths, PublishTarget target)
    {
        var problems = new List<ManifestError>();
        var objects = ManifestReader.ReadAll(paths, error => problems.Add(error with
        {
            Message = $"{error.Message} It may hold Secret {target.Namespace}/{target.SecretName}, so no manifest is written.",
        }), SecretsAndIngresses);
        var found = Find(objects, target);
        problems.AddRange(found.Problems);
        return problems.Count == 0 ? found : new ManifestStateResult(null, problems);
    }

    /// <summary>The target's Secret and Ingress among <paramref name="objects"/> (an object without namespace is in "default").</summary>
    public static ManifestStateResult Find(IEnumerable<ManifestObject> objects, PublishTarget target)
    {
        V1Secret? secret = null;
        V1Ingress? ingress = null;
        System.Text.Json.Nodes.JsonObject? gateway = null;
        var grants = new List<System.Text.Json.Nodes.JsonObject>();
        var problems = new List<ManifestError>();
        var all = objects.ToList();
        foreach (var obj in all.Where(o => target.GatewayName is not null && o.Kind == "Gateway" && o.Name == target.GatewayName
            && (o.Namespace ?? "default") == target.GatewayNs && o.ApiVersion?.StartsWith(GatewayWiring.Group + "/", StringComparison.Ordinal) == true))
        {
            gateway = System.Text.Json.Nodes.JsonNode.Parse(obj.JsonText)!.AsObject();
            gateway["metadata"]!["namespace"] ??= target.GatewayNs;
        }

        foreach (var obj in all.Where(o => (o.Namespace ?? "default") == target.Namespace))
        {
            try
            {
                if (obj.Kind == "ReferenceGrant" && target.CrossNamespace)
                {
                    grants.Add(System.Text.Json.Nodes.JsonNode.Parse(obj.JsonText)!.AsObject());
                    continue;
                }

                if (obj.Kind == "Secret" && obj.Name == target.SecretName)
                {
                    secret = KubernetesJson.Deserialize<V1Secret>(obj.JsonText);
                }
                else if (obj.Kind == "Ingress" && obj.Name == target.IngressName)
                {
                    ingress = KubernetesJson.Deserialize<V1Ingress>(obj.JsonText);
                    ingress.Metadata ??= new V1ObjectMeta { Name = obj.Name };
                    ingress.Metadata.NamespaceProperty ??= target.Namespace;
                }
            }
            catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
            {
                problems.Add(new ManifestError(obj.File,
                    $"{obj.Describe()} cannot be read: {ex.Message} Its owner, type and immutability are unknown, so no manifest is written."));
            }
        }

        return problems.Count == 0 ? new ManifestStateResult(new PublishState(secret, ingress) { Gateway = gateway, Grants = grants }, problems) : new ManifestStateResult(null, problems);
    }
}
