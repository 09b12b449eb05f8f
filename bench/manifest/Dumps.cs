using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace IngressCerts.Bench.Manifest;

/// <summary>
/// Writes dumps shaped like `kubectl get ingress,secret -A -o yaml|json`: one `kind: List` whose items are Ingresses
/// and kubernetes.io/tls Secrets (leaf + intermediate in tls.crt, PKCS#8 key, root in ca.crt, each leaf its own), and
/// a multi-document file of small objects of many kinds, as `kubectl get all,cm,secret,ing -A -o yaml` split by `---`.
/// </summary>
internal static class Dumps
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static (string Yaml, string Json) WritePairs(string dir, int pairs)
    {
        var pki = new Pki();
        var items = new List<Dictionary<string, object?>>(pairs * 2);
        for (int i = 0; i < pairs; i++)
        {
            string ns = $"team-{i / 10:D4}";
            string host = $"app-{i}.{ns}.example.test";
            var (crt, key) = pki.Issue(host);
            items.Add(Ingress(ns, $"app-{i}", host, $"app-{i}-tls", i));
            items.Add(Secret(ns, $"app-{i}-tls", crt, key, pki.RootPem, i));
        }

        var list = new Dictionary<string, object?> { ["apiVersion"] = "v1", ["items"] = items, ["kind"] = "List", ["metadata"] = new Dictionary<string, object?> { ["resourceVersion"] = "" } };
        string json = Path.Combine(dir, $"pairs-{pairs}.json");
        using (var stream = File.Create(json))
        {
            JsonSerializer.Serialize(stream, list, Indented);
        }

        string yaml = Path.Combine(dir, $"pairs-{pairs}.yaml");
        using (var writer = new StreamWriter(yaml, false, new UTF8Encoding(false), 1 << 16))
        {
            writer.Write("apiVersion: v1\nitems:\n");
            foreach (var item in items)
            {
                YamlWriter.Write(writer, item, indent: 2, listItem: true);
            }

            writer.Write("kind: List\nmetadata:\n  resourceVersion: \"\"\n");
        }

        return (yaml, json);
    }

    /// <summary>About <paramref name="megabytes"/> MB of small documents; one in 25 is an Ingress or its Secret.</summary>
    public static string WriteSmallDocuments(string dir, int megabytes)
    {
        var pki = new Pki();
        var (crt, key) = pki.Issue("*.example.test");
        string path = Path.Combine(dir, $"small-{megabytes}mb.yaml");
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 16);
        long target = megabytes * 1024L * 1024L;
        for (int i = 0; writer.BaseStream.Position < target; i++)
        {
            string ns = $"ns-{i / 50:D5}";
            var obj = (i % 25) switch
            {
                0 => Ingress(ns, $"web-{i}", $"web-{i}.example.test", $"web-{i}-tls", i),
                1 => Secret(ns, $"web-{i - 1}-tls", crt, key, pki.RootPem, i),
                < 10 => ConfigMap(ns, $"cm-{i}", i),
                < 17 => Deployment(ns, $"deploy-{i}", i),
                _ => Service(ns, $"svc-{i}", i),
            };
            writer.Write("---\n");
            YamlWriter.Write(writer, obj, indent: 0, listItem: false);
        }

        return path;
    }

    private static Dictionary<string, object?> Meta(string ns, string name, int i, Dictionary<string, object?>? annotations = null) => new()
    {
        ["annotations"] = annotations,
        ["creationTimestamp"] = "2025-11-02T10:15:00Z",
        ["labels"] = new Dictionary<string, object?> { ["app.kubernetes.io/name"] = name, ["app.kubernetes.io/part-of"] = "fleet" },
        ["name"] = name,
        ["namespace"] = ns,
        ["resourceVersion"] = (100000 + i).ToString(),
        ["uid"] = new Guid(i, 0, 0, new byte[8]).ToString(),
    };

    private static Dictionary<string, object?> Ingress(string ns, string name, string host, string secret, int i) => new()
    {
        ["apiVersion"] = "networking.k8s.io/v1",
        ["kind"] = "Ingress",
        ["metadata"] = Meta(ns, name, i, new Dictionary<string, object?> { ["nginx.ingress.kubernetes.io/ssl-redirect"] = "true" }),
        ["spec"] = new Dictionary<string, object?>
        {
            ["ingressClassName"] = "nginx",
            ["rules"] = new[]
            {
                new Dictionary<string, object?>
                {
                    ["host"] = host,
                    ["http"] = new Dictionary<string, object?>
                    {
                        ["paths"] = new[]
                        {
                            new Dictionary<string, object?>
                            {
                                ["backend"] = new Dictionary<string, object?> { ["service"] = new Dictionary<string, object?> { ["name"] = name, ["port"] = new Dictionary<string, object?> { ["number"] = 80 } } },
                                ["path"] = "/",
                                ["pathType"] = "Prefix",
                            },
                        },
                    },
                },
            },
            ["tls"] = new[] { new Dictionary<string, object?> { ["hosts"] = new[] { host }, ["secretName"] = secret } },
        },
        ["status"] = new Dictionary<string, object?> { ["loadBalancer"] = new Dictionary<string, object?> { ["ingress"] = new[] { new Dictionary<string, object?> { ["ip"] = "203.0.113.10" } } } },
    };

    private static Dictionary<string, object?> Secret(string ns, string name, string crt, string key, string root, int i) => new()
    {
        ["apiVersion"] = "v1",
        ["data"] = new Dictionary<string, object?>
        {
            ["ca.crt"] = B64(root),
            ["tls.crt"] = B64(crt),
            ["tls.key"] = B64(key),
        },
        ["kind"] = "Secret",
        ["metadata"] = Meta(ns, name, i, new Dictionary<string, object?>
        {
            ["cert-manager.io/certificate-name"] = name,
            ["cert-manager.io/issuer-name"] = "fleet-ca",
            ["cert-manager.io/issuer-kind"] = "ClusterIssuer",
        }),
        ["type"] = "kubernetes.io/tls",
    };

    private static Dictionary<string, object?> ConfigMap(string ns, string name, int i) => new()
    {
        ["apiVersion"] = "v1",
        ["data"] = new Dictionary<string, object?>
        {
            ["app.properties"] = $"server.port=8080\nlog.level=info\nfeature.x={i % 2 == 0}\n",
            ["LOG_FORMAT"] = "json",
        },
        ["kind"] = "ConfigMap",
        ["metadata"] = Meta(ns, name, i),
    };

    private static Dictionary<string, object?> Deployment(string ns, string name, int i) => new()
    {
        ["apiVersion"] = "apps/v1",
        ["kind"] = "Deployment",
        ["metadata"] = Meta(ns, name, i),
        ["spec"] = new Dictionary<string, object?>
        {
            ["replicas"] = 2,
            ["selector"] = new Dictionary<string, object?> { ["matchLabels"] = new Dictionary<string, object?> { ["app"] = name } },
            ["template"] = new Dictionary<string, object?>
            {
                ["metadata"] = new Dictionary<string, object?> { ["labels"] = new Dictionary<string, object?> { ["app"] = name } },
                ["spec"] = new Dictionary<string, object?>
                {
                    ["containers"] = new[]
                    {
                        new Dictionary<string, object?>
                        {
                            ["image"] = "registry.example.test/web:1.4.2",
                            ["name"] = "web",
                            ["ports"] = new[] { new Dictionary<string, object?> { ["containerPort"] = 8080, ["protocol"] = "TCP" } },
                            ["resources"] = new Dictionary<string, object?> { ["limits"] = new Dictionary<string, object?> { ["cpu"] = "500m", ["memory"] = "256Mi" } },
                        },
                    },
                },
            },
        },
        ["status"] = new Dictionary<string, object?> { ["availableReplicas"] = 2, ["readyReplicas"] = 2, ["replicas"] = 2 },
    };

    private static Dictionary<string, object?> Service(string ns, string name, int i) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Service",
        ["metadata"] = Meta(ns, name, i),
        ["spec"] = new Dictionary<string, object?>
        {
            ["clusterIP"] = $"10.96.{i / 256 % 256}.{i % 256}",
            ["ports"] = new[] { new Dictionary<string, object?> { ["port"] = 80, ["protocol"] = "TCP", ["targetPort"] = 8080 } },
            ["selector"] = new Dictionary<string, object?> { ["app"] = name },
            ["type"] = "ClusterIP",
        },
    };

    private static string B64(string text) => Convert.ToBase64String(Encoding.ASCII.GetBytes(text));

    /// <summary>A root, an intermediate, and a fresh ECDSA leaf per call, as a cert-manager fleet has.</summary>
    private sealed class Pki
    {
        private readonly ECDsa _intermediateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        private readonly X509Certificate2 _intermediate;

        public Pki()
        {
            using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var rootRequest = new CertificateRequest("CN=Bench Root", rootKey, HashAlgorithmName.SHA256);
            rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            using var root = rootRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(5));
            RootPem = root.ExportCertificatePem() + "\n";
            var request = new CertificateRequest("CN=Bench Intermediate", _intermediateKey, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            _intermediate = request.Create(root, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(4), new byte[] { 2 });
        }

        public string RootPem { get; }

        public (string Crt, string Key) Issue(string host)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest($"CN={host}", key, HashAlgorithmName.SHA256);
            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName(host);
            request.CertificateExtensions.Add(san.Build());
            byte[] serial = RandomNumberGenerator.GetBytes(12);
            serial[0] &= 0x7F;
            using var leaf = request.Create(_intermediate.SubjectName, X509SignatureGenerator.CreateForECDsa(_intermediateKey), DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(90), serial);
            return (leaf.ExportCertificatePem() + "\n" + _intermediate.ExportCertificatePem() + "\n", key.ExportPkcs8PrivateKeyPem() + "\n");
        }
    }
}
