using System.Text.Json.Nodes;

namespace IngressCerts.TestServer.Seeding;

/// <summary>Shape of a generated fleet: namespaces × ingresses, each ingress with its own TLS secret.</summary>
public sealed record BulkSeedOptions
{
    public int Namespaces { get; init; } = 1000;

    public int IngressesPerNamespace { get; init; } = 10;

    public string NamespacePrefix { get; init; } = "fleet-";

    /// <summary>
    /// Distinct real certificates reused round-robin; they expire 1, 2, 3 ... days apart so
    /// expiry-based logic sees variety.
    /// </summary>
    public int CertificatePoolSize { get; init; } = 8;

    /// <summary>
    /// The root and the intermediate have RSA-2048 keys, so leaves carry RSA signatures (as Let's Encrypt's R10/R11
    /// and most public CAs sign); otherwise all keys are ECDSA P-256. Leaf keys stay ECDSA either way, which keeps
    /// generating thousands of them fast.
    /// </summary>
    public bool RsaIssuer { get; init; }

    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string> { ["ingresscerts.test/fleet"] = "true" };
}

/// <summary>
/// Generates large, realistic object sets for <see cref="KubeApiServer.Seed"/>: Ingresses with a TLS
/// section and the kubernetes.io/tls Secrets they point at. Certificates are made on the fly.
/// <see cref="KubeApiServer.SeedIngressFleet"/> stores the same fleet without building JSON trees.
/// </summary>
public static class BulkSeed
{
    public static IEnumerable<JsonObject> IngressesWithTlsSecrets(BulkSeedOptions? options = null)
    {
        options ??= new BulkSeedOptions();
        var pool = FleetCertificates.Create(Math.Max(1, options.CertificatePoolSize), options.RsaIssuer).Entries;
        var index = 0;
        for (var n = 0; n < options.Namespaces; n++)
        {
            var ns = $"{options.NamespacePrefix}{n:D4}";
            yield return new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Namespace",
                ["metadata"] = new JsonObject { ["name"] = ns },
            };
            for (var i = 0; i < options.IngressesPerNamespace; i++, index++)
            {
                var host = $"app-{i}.{ns}.example.test";
                var secretName = $"app-{i}-tls";
                var certificates = pool[index % pool.Count];
                yield return new JsonObject
                {
                    ["apiVersion"] = "v1",
                    ["kind"] = "Secret",
                    ["metadata"] = new JsonObject { ["name"] = secretName, ["namespace"] = ns, ["labels"] = Labels(options) },
                    ["type"] = "kubernetes.io/tls",
                    ["data"] = new JsonObject
                    {
                        ["ca.crt"] = certificates.Authority,
                        ["tls.crt"] = certificates.Certificate,
                        ["tls.key"] = certificates.Key,
                    },
                };
                yield return new JsonObject
                {
                    ["apiVersion"] = "networking.k8s.io/v1",
                    ["kind"] = "Ingress",
                    ["metadata"] = new JsonObject { ["name"] = $"app-{i}", ["namespace"] = ns, ["labels"] = Labels(options) },
                    ["spec"] = new JsonObject
                    {
                        ["tls"] = new JsonArray(new JsonObject { ["hosts"] = new JsonArray(host), ["secretName"] = secretName }),
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
                                        ["service"] = new JsonObject { ["name"] = $"app-{i}", ["port"] = new JsonObject { ["number"] = 80 } },
                                    },
                                }),
                            },
                        }),
                    },
                };
            }
        }
    }

    private static JsonObject Labels(BulkSeedOptions options) =>
        new(options.Labels.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value)));
}
