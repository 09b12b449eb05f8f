using System.Text.Json.Nodes;
using IngressCerts.Engine.Inventory;
using IngressCerts.Engine.Kubernetes;
using IngressCerts.Engine.Tests.Support;
using IngressCerts.TestServer;
using IngressCerts.TestServer.Auth;
using IngressCerts.TestServer.Testing;

namespace IngressCerts.Engine.Tests.Integration;

/// <summary>Creates the objects integration tests need, through the raw API, on the test server or a real cluster.</summary>
internal static class ClusterObjects
{
    public static JsonObject TlsSecret(string ns, string name, TestCertificates.Issued? cert, TestCertificates.Issued? keyOf = null, IDictionary<string, string>? annotations = null)
    {
        var data = new JsonObject();
        if (cert is not null)
        {
            data["tls.crt"] = Convert.ToBase64String(cert.CertificateBytes);
            data["tls.key"] = Convert.ToBase64String((keyOf ?? cert).KeyBytes);
        }

        var metadata = new JsonObject { ["name"] = name, ["namespace"] = ns };
        if (annotations is not null)
        {
            var a = new JsonObject();
            foreach (var (k, v) in annotations)
            {
                a[k] = v;
            }

            metadata["annotations"] = a;
        }

        return new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Secret", ["type"] = "kubernetes.io/tls", ["metadata"] = metadata, ["data"] = data };
    }

    public static JsonObject Ingress(string ns, string name, params (string[] Hosts, string? Secret)[] tls)
    {
        var entries = new JsonArray();
        var rules = new JsonArray();
        foreach (var (hosts, secret) in tls)
        {
            var entry = new JsonObject { ["hosts"] = new JsonArray(hosts.Select(h => (JsonNode)JsonValue.Create(h)!).ToArray()) };
            if (secret is not null)
            {
                entry["secretName"] = secret;
            }

            entries.Add(entry);
            foreach (string host in hosts)
            {
                rules.Add(new JsonObject
                {
                    ["host"] = host,
                    ["http"] = new JsonObject
                    {
                        ["paths"] = new JsonArray(new JsonObject
                        {
                            ["path"] = "/",
                            ["pathType"] = "Prefix",
                            ["backend"] = new JsonObject { ["service"] = new JsonObject { ["name"] = "web", ["port"] = new JsonObject { ["number"] = 80 } } },
                        }),
                    },
                });
            }
        }

        return new JsonObject
        {
            ["apiVersion"] = "networking.k8s.io/v1",
            ["kind"] = "Ingress",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
            ["spec"] = new JsonObject { ["tls"] = entries, ["rules"] = rules },
        };
    }

    public static JsonObject Gateway(string ns, string name, string secretNs, string secret) => JsonNode.Parse($$$"""
        {"apiVersion":"gateway.networking.k8s.io/v1","kind":"Gateway","metadata":{"name":"{{{name}}}","namespace":"{{{ns}}}"},
         "spec":{"gatewayClassName":"example","listeners":[
           {"name":"https","protocol":"HTTPS","port":443,"hostname":"*.apps.example","tls":{"mode":"Terminate","certificateRefs":[{"kind":"Secret","name":"{{{secret}}}","namespace":"{{{secretNs}}}"}]}},
           {"name":"http","protocol":"HTTP","port":80}]}}
        """)!.AsObject();

    public static JsonObject Grant(string ns, string from) => JsonNode.Parse($$$"""
        {"apiVersion":"gateway.networking.k8s.io/v1beta1","kind":"ReferenceGrant","metadata":{"name":"gateways","namespace":"{{{ns}}}"},
         "spec":{"from":[{"group":"gateway.networking.k8s.io","kind":"Gateway","namespace":"{{{from}}}"}],"to":[{"group":"","kind":"Secret"}]}}
        """)!.AsObject();

    public static async Task CreateAsync(this TestCluster cluster, JsonObject obj)
    {
        string ns = obj["metadata"]!["namespace"]!.GetValue<string>();
        string kind = obj["kind"]!.GetValue<string>();
        string path = kind switch
        {
            "Secret" => $"/api/v1/namespaces/{ns}/secrets",
            "Ingress" => $"/apis/networking.k8s.io/v1/namespaces/{ns}/ingresses",
            "Gateway" when obj["apiVersion"]!.GetValue<string>().StartsWith("networking.istio.io/", StringComparison.Ordinal) => $"/apis/{obj["apiVersion"]!.GetValue<string>()}/namespaces/{ns}/gateways",
            "Gateway" => $"/apis/gateway.networking.k8s.io/v1/namespaces/{ns}/gateways",
            "ReferenceGrant" => $"/apis/gateway.networking.k8s.io/v1beta1/namespaces/{ns}/referencegrants",
            "Route" or "IngressRoute" or "Certificate" => $"/apis/{obj["apiVersion"]!.GetValue<string>()}/namespaces/{ns}/{kind.ToLowerInvariant()}s",
            "HTTPProxy" => $"/apis/{obj["apiVersion"]!.GetValue<string>()}/namespaces/{ns}/httpproxies",
            "TLSCertificateDelegation" => $"/apis/{obj["apiVersion"]!.GetValue<string>()}/namespaces/{ns}/tlscertificatedelegations",
            _ => throw new ArgumentException(kind),
        };
        var response = await cluster.Http.PostAsync(path, obj);
        if (response.StatusCode != 201)
        {
            throw new InvalidOperationException($"creating {kind} {ns}: {response}");
        }
    }

    /// <summary>A cert-manager.io/v1 Certificate for <paramref name="secretName"/> (its status is written apart: see <see cref="SetCertificateStatusAsync"/>).</summary>
    public static JsonObject CertManagerCertificate(string ns, string name, string secretName, string issuerName, string? issuerKind = "ClusterIssuer", string host = "shop.example")
    {
        var issuerRef = new JsonObject { ["name"] = issuerName };
        if (issuerKind is not null)
        {
            issuerRef["kind"] = issuerKind;
            issuerRef["group"] = "cert-manager.io";
        }

        return new JsonObject
        {
            ["apiVersion"] = "cert-manager.io/v1",
            ["kind"] = "Certificate",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
            ["spec"] = new JsonObject { ["secretName"] = secretName, ["dnsNames"] = new JsonArray(host), ["issuerRef"] = issuerRef },
        };
    }

    /// <summary>A Certificate status with a Ready condition and a renewal time, as cert-manager writes it.</summary>
    public static JsonObject CertManagerStatus(string ready, string reason, string message, DateTime? renewalTime = null, params JsonObject[] otherConditions)
    {
        var conditions = new JsonArray(new JsonObject
        {
            ["type"] = "Ready", ["status"] = ready, ["reason"] = reason, ["message"] = message,
            ["lastTransitionTime"] = "2026-11-01T10:00:00Z", ["observedGeneration"] = 1,
        });
        foreach (var other in otherConditions)
        {
            conditions.Add(other);
        }

        var status = new JsonObject { ["conditions"] = conditions };
        if (renewalTime is { } at)
        {
            status["renewalTime"] = at.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        }

        return status;
    }

    /// <summary>Writes a Certificate's status through its status subresource (what cert-manager's controllers do); returns the Certificate.</summary>
    public static async Task<JsonObject> SetCertificateStatusAsync(this TestCluster cluster, string ns, string name, JsonObject status)
    {
        string path = $"/apis/cert-manager.io/v1/namespaces/{ns}/certificates/{name}";
        var current = await cluster.Http.GetAsync(path);
        var body = current.Object.DeepClone().AsObject();
        body["status"] = status;
        var response = await cluster.Http.PutAsync(path + "/status", body);
        if (response.StatusCode != 200)
        {
            throw new InvalidOperationException($"writing the status of Certificate {ns}/{name}: {response}");
        }

        return response.Object;
    }

    /// <summary>Every result of one inventory scan of <paramref name="namespaces"/> (null: all).</summary>
    public static Task<List<IngressCertificate>> ScanAsync(this ClusterConnection connection, InventoryOptions options, IReadOnlyList<string>? namespaces, Action<string>? diagnostics = null) =>
        new ClusterScanner(new ClusterReader(connection, diagnostics), options, diagnostics).CollectAsync(namespaces);

    /// <summary>A connection through the module's own connection code, from the cluster's kubeconfig.</summary>
    public static ClusterConnection Connect(this TestCluster cluster) =>
        new ConnectionFactory().Connect(new ConnectionOptions(new[] { cluster.KubeconfigPath }, cluster.Context));

    /// <summary>A connection as a user with only these rights (the kubeconfig is read once, then removed).</summary>
    public static ClusterConnection ConnectAs(this KubeApiServer server, string user, params AccessRule[] rules)
    {
        server.AddUser(user, user + "-token", rules);
        string kubeconfig = Path.Combine(Path.GetTempPath(), $"{user}-{Guid.NewGuid():N}.kubeconfig");
        server.WriteKubeconfig(kubeconfig, user);
        try
        {
            return new ConnectionFactory().Connect(new ConnectionOptions(new[] { kubeconfig }));
        }
        finally
        {
            File.Delete(kubeconfig);
        }
    }
}
