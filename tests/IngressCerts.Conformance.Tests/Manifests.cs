using System.Text;
using System.Text.Json.Nodes;

namespace IngressCerts.Conformance.Tests;

/// <summary>Small object builders for tests.</summary>
internal static class Manifests
{
    public static JsonObject Secret(string name, string type = "Opaque", IDictionary<string, string>? data = null, IDictionary<string, string>? labels = null)
    {
        var metadata = new JsonObject { ["name"] = name };
        if (labels is not null) metadata["labels"] = new JsonObject(labels.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value)));
        var dataObject = new JsonObject();
        foreach (var (key, value) in data ?? new Dictionary<string, string> { ["a"] = "b" })
        {
            dataObject[key] = Convert.ToBase64String(Encoding.UTF8.GetBytes(value));
        }
        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Secret",
            ["metadata"] = metadata,
            ["type"] = type,
            ["data"] = dataObject,
        };
    }

    public static JsonObject TlsSecret(string name, IDictionary<string, string>? labels = null) =>
        Secret(name, "kubernetes.io/tls", new Dictionary<string, string> { ["tls.crt"] = "cert", ["tls.key"] = "key" }, labels);

    public static JsonObject Ingress(string name, string host, params (string[] Hosts, string SecretName)[] tls) => new()
    {
        ["apiVersion"] = "networking.k8s.io/v1",
        ["kind"] = "Ingress",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = new JsonObject
        {
            ["tls"] = new JsonArray(tls.Select(t => (JsonNode)new JsonObject
            {
                ["hosts"] = new JsonArray(t.Hosts.Select(h => (JsonNode)h).ToArray()),
                ["secretName"] = t.SecretName,
            }).ToArray()),
            ["rules"] = new JsonArray(new JsonObject
            {
                ["host"] = host,
                ["http"] = new JsonObject
                {
                    ["paths"] = new JsonArray(new JsonObject
                    {
                        ["path"] = "/",
                        ["pathType"] = "Prefix",
                        ["backend"] = new JsonObject
                        {
                            ["service"] = new JsonObject { ["name"] = "web", ["port"] = new JsonObject { ["number"] = 80 } },
                        },
                    }),
                },
            }),
        },
    };

    public static string Secrets(string ns, string name = "") => $"/api/v1/namespaces/{ns}/secrets" + (name.Length > 0 ? "/" + name : "");

    public static string Ingresses(string ns, string name = "") => $"/apis/networking.k8s.io/v1/namespaces/{ns}/ingresses" + (name.Length > 0 ? "/" + name : "");

    public static long Version(JsonNode? obj) => long.Parse(obj!["metadata"]!["resourceVersion"]!.GetValue<string>());
}
