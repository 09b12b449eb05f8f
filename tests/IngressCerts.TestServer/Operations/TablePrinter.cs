using System.Text.Json.Nodes;
using IngressCerts.TestServer.Api;
using IngressCerts.TestServer.Json;
using IngressCerts.TestServer.Storage;

namespace IngressCerts.TestServer.Operations;

/// <summary>
/// meta.k8s.io/v1 Table answers, which kubectl get asks for (Accept: ...;as=Table;v=v1;g=meta.k8s.io):
/// the same columns the apiserver prints (secrets: NAME TYPE DATA AGE, ingresses: NAME CLASS HOSTS
/// ADDRESS PORTS AGE, namespaces: NAME STATUS AGE, CRDs: their printer columns).
/// </summary>
internal sealed class TablePrinter(TimeProvider time)
{
    public static bool Wants(string? accept) =>
        accept is not null && accept.Contains("as=Table", StringComparison.Ordinal) && accept.Contains("g=meta.k8s.io", StringComparison.Ordinal);

    public byte[] Render(ResourceType type, IReadOnlyList<StoredObject> items, ListPage? page, string includeObject)
    {
        var metadata = new JsonObject();
        if (page is not null)
        {
            metadata["resourceVersion"] = page.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (page.Continue is not null) metadata["continue"] = page.Continue;
            if (page.RemainingItemCount is not null) metadata["remainingItemCount"] = page.RemainingItemCount;
        }
        var rows = new JsonArray();
        foreach (var item in items)
        {
            var obj = ObjectCodec.Load(type, item);
            var row = new JsonObject { ["cells"] = new JsonArray(Cells(type, obj).ToArray()) };
            switch (includeObject)
            {
                case "None":
                    break;
                case "Object":
                    row["object"] = obj;
                    break;
                default:
                    row["object"] = new JsonObject
                    {
                        ["kind"] = "PartialObjectMetadata",
                        ["apiVersion"] = "meta.k8s.io/v1",
                        ["metadata"] = obj["metadata"]?.DeepClone(),
                    };
                    break;
            }
            rows.Add(row);
        }
        return ObjectCodec.Serialize(new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = metadata,
            ["columnDefinitions"] = new JsonArray(Columns(type).Select(c => (JsonNode)new JsonObject
            {
                ["name"] = c.Name,
                ["type"] = c.Type,
                ["format"] = c.Name == "Name" ? "name" : "",
                ["description"] = c.Description,
                ["priority"] = 0,
            }).ToArray()),
            ["rows"] = rows,
        });
    }

    private static IEnumerable<(string Name, string Type, string Description)> Columns(ResourceType type)
    {
        yield return ("Name", "string", "Name must be unique within a namespace.");
        switch (type.Kind)
        {
            case "Secret":
                yield return ("Type", "string", "Used to facilitate programmatic handling of secret data.");
                yield return ("Data", "string", "Data contains the secret data.");
                break;
            case "ConfigMap":
                yield return ("Data", "string", "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the BinaryData field. The keys stored in Data must not overlap with the keys in the BinaryData field, this is enforced during validation process.");
                break;
            case "Ingress":
                yield return ("Class", "string", "IngressClassName is the name of an IngressClass cluster resource.");
                yield return ("Hosts", "string", "Hosts that incoming requests are matched against.");
                yield return ("Address", "string", "Address is a list containing ingress points for the load-balancer.");
                yield return ("Ports", "string", "Ports of TLS configurations that open.");
                break;
            case "Namespace":
                yield return ("Status", "string", "The status of the namespace");
                break;
            case "Gateway":
                yield return ("Class", "string", "");
                yield return ("Address", "string", "");
                yield return ("Programmed", "string", "");
                break;
        }
        yield return ("Age", "date", "CreationTimestamp is a timestamp representing the server time when this object was created.");
    }

    private IEnumerable<JsonNode?> Cells(ResourceType type, JsonObject obj)
    {
        var metadata = obj["metadata"] as JsonObject;
        yield return metadata.GetString("name");
        switch (type.Kind)
        {
            case "Secret":
                yield return obj.GetString("type");
                yield return (obj["data"] as JsonObject)?.Count ?? 0;
                break;
            case "ConfigMap":
                yield return ((obj["data"] as JsonObject)?.Count ?? 0) + ((obj["binaryData"] as JsonObject)?.Count ?? 0);
                break;
            case "Ingress":
                var spec = obj["spec"] as JsonObject;
                yield return spec.GetString("ingressClassName") ?? "<none>";
                var hosts = (spec?["rules"] as JsonArray ?? []).OfType<JsonObject>().Select(r => r.GetString("host")).Where(h => !string.IsNullOrEmpty(h)).ToList();
                yield return hosts.Count == 0 ? "*" : string.Join(",", hosts);
                var addresses = (obj["status"]?["loadBalancer"]?["ingress"] as JsonArray ?? []).OfType<JsonObject>()
                    .Select(i => i.GetString("ip") ?? i.GetString("hostname")).Where(a => !string.IsNullOrEmpty(a)).ToList();
                yield return string.Join(",", addresses);
                yield return spec?["tls"] is JsonArray { Count: > 0 } ? "80, 443" : "80";
                break;
            case "Namespace":
                yield return obj["status"]?["phase"].AsString() ?? "";
                break;
            case "Gateway":
                yield return (obj["spec"] as JsonObject).GetString("gatewayClassName");
                yield return (obj["status"]?["addresses"] as JsonArray ?? []).OfType<JsonObject>().Select(a => a.GetString("value")).FirstOrDefault();
                yield return (obj["status"]?["conditions"] as JsonArray ?? []).OfType<JsonObject>()
                    .FirstOrDefault(c => c.GetString("type") == "Programmed").GetString("status");
                break;
        }
        yield return Age(metadata.GetString("creationTimestamp"));
    }

    private string Age(string? created)
    {
        if (!DateTimeOffset.TryParse(created, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var instant)) return "<unknown>";
        return HumanDuration(time.GetUtcNow() - instant);
    }

    /// <summary>k8s.io/apimachinery/pkg/util/duration.HumanDuration.</summary>
    internal static string HumanDuration(TimeSpan d)
    {
        var seconds = (long)d.TotalSeconds;
        if (seconds < -1) return "<invalid>";
        if (seconds < 0) return "0s";
        if (seconds < 120) return $"{seconds}s";
        var minutes = (long)d.TotalMinutes;
        if (minutes < 10) return seconds % 60 == 0 ? $"{minutes}m" : $"{minutes}m{seconds % 60}s";
        if (minutes < 180) return $"{minutes}m";
        var hours = (long)d.TotalHours;
        if (hours < 8) return minutes % 60 == 0 ? $"{hours}h" : $"{hours}h{minutes % 60}m";
        if (hours < 48) return $"{hours}h";
        if (hours < 24 * 8) return hours % 24 == 0 ? $"{hours / 24}d" : $"{hours / 24}d{hours % 24}h";
        if (hours < 24 * 365 * 2) return $"{hours / 24}d";
        if (hours < 24 * 365 * 8) return (hours / 24) % 365 == 0 ? $"{hours / 24 / 365}y" : $"{hours / 24 / 365}y{(hours / 24) % 365}d";
        return $"{hours / 24 / 365}y";
    }
}
