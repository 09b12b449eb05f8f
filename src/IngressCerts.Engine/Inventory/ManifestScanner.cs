using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using IngressCerts.Engine.Inventory.Kinds;
using k8s;
using k8s.Models;

namespace IngressCerts.Engine.Inventory;

/// <summary>
/// The inventory of manifest files (a GitOps repository, Helm output, a kubectl dump): Secrets are resolved among
/// the same inputs and no cluster is contacted. An object without a namespace is taken to be in "default".
/// </summary>
public sealed class ManifestScanner
{
    private readonly ReferenceEvaluator _evaluator;
    private readonly InventoryOptions _options;

    public ManifestScanner(InventoryOptions options)
    {
        _options = options;
        _evaluator = new ReferenceEvaluator(options);
    }

    /// <param name="onError">Receives objects that cannot be read (e.g. a field of the wrong type); the scan goes on.</param>
    public IEnumerable<IngressCertificate> Scan(IReadOnlyList<ManifestObject> objects, Action<ManifestError>? onError = null)
    {
        var secrets = new Dictionary<string, ManifestObject>(StringComparer.Ordinal);
        var grants = new ReferenceGrantIndex();
        var references = new List<TlsReference>();
        var gateways = new List<ManifestObject>();
        var others = new OtherKinds(_evaluator.Parse, _options.IstioGatewayNamespace);
        var certificates = new CertManagerCertificates();
        foreach (var obj in objects)
        {
            string group = obj.ApiVersion is { } api && api.Contains('/') ? api[..api.IndexOf('/')] : string.Empty;
            switch (obj.Kind)
            {
                case "Secret" when group.Length == 0:
                    secrets[Key(obj)] = obj; // a later document wins, as a later kubectl apply would
                    break;
                case "Ingress" when group is "networking.k8s.io" or "extensions":
                    V1Ingress ingress;
                    try
                    {
                        ingress = KubernetesJson.Deserialize<V1Ingress>(obj.JsonText);
                    }
                    catch (JsonException ex)
                    {
                        onError?.Invoke(new ManifestError(obj.File, $"{obj.Describe()} is not a valid Ingress: {ex.Message}"));
                        break;
                    }

                    ingress.Metadata ??= new V1ObjectMeta();
                    ingress.Metadata.NamespaceProperty ??= "default";
                    references.AddRange(ReferenceExtractor.FromIngress(ingress, obj.File));
                    if (_options.IncludeUnprotected)
                    {
                        references.AddRange(UnprotectedExtractor.FromIngress(ingress, obj.File));
                    }

                    break;
                case "Gateway" when group == "gateway.networking.k8s.io":
                    gateways.Add(obj);
                    break;
                case "ReferenceGrant" when group == "gateway.networking.k8s.io":
                    grants.Add(WithNamespace(obj));
                    break;
                case "Certificate" when group == CertManagerCertificates.Api.Group:
                    certificates.Add(WithNamespace(obj));
                    break;
                case var kind when OtherKinds.Find(group, kind) is { } other:
                    others.Add(other, WithNamespace(obj), obj.File);
                    break;
            }
        }

        foreach (var gateway in gateways)
        {
            var json = WithNamespace(gateway);
            references.AddRange(ReferenceExtractor.FromGateway(json, gateway.File, grants));
            if (_options.IncludeUnprotected)
            {
                references.AddRange(UnprotectedExtractor.FromGateway(json, gateway.File));
            }
        }

        _evaluator.Certificates = certificates.Any ? certificates : null;

        // Other controllers' kinds refer to Secrets too: they count before the unreferenced Secrets are looked for.
        references.AddRange(others.References());
        if (_options.IncludeUnreferenced)
        {
            references.AddRange(Unreferenced(secrets, references));
        }

        // Each Secret is parsed once however many references it has.
        var parsed = new Dictionary<string, ParsedSecret>(StringComparer.Ordinal);
        ParsedSecret ParseOnce(string ns, string name)
        {
            string key = ns + "/" + name;
            if (!parsed.TryGetValue(key, out var secret))
            {
                parsed[key] = secret = _evaluator.Parse(secrets.TryGetValue(key, out var obj) ? ToLookup(obj) : SecretLookup.NotFound(ns, name));
            }

            return secret;
        }

        for (int i = 0; i < references.Count; i++)
        {
            if (references[i] is { ClientCaSecretName: { } caName, SecretNamespace: { } caNs } withCa)
            {
                references[i] = withCa with { ClientCa = ParseOnce(caNs, caName) };
            }
        }

        foreach (var reference in references)
        {
            if (reference.SecretKey is null)
            {
                yield return _evaluator.Evaluate(reference, null);
                continue;
            }

            yield return _evaluator.Evaluate(reference, ParseOnce(reference.SecretNamespace!, reference.SecretName!));
        }
    }

    /// <summary>kubernetes.io/tls Secrets among the inputs that no reference names, except the module's own.</summary>
    private static List<TlsReference> Unreferenced(Dictionary<string, ManifestObject> secrets, List<TlsReference> references)
    {
        var referenced = references.Select(r => r.SecretKey)
            .Concat(references.Where(r => r.ClientCaSecretName is not null).Select(r => r.SecretNamespace + "/" + r.ClientCaSecretName))
            .OfType<string>().ToHashSet(StringComparer.Ordinal);
        var result = new List<TlsReference>();
        foreach (var (key, obj) in secrets)
        {
            var json = obj.Json;
            if (referenced.Contains(key) || json["type"]?.ToString() != "kubernetes.io/tls")
            {
                continue;
            }

            var labels = ((json["metadata"] as JsonObject)?["labels"] as JsonObject)?.ToDictionary(l => l.Key, l => l.Value?.ToString() ?? string.Empty);
            if (!TlsReference.IsModuleSecret(labels))
            {
                result.Add(TlsReference.Unreferenced(obj.File, obj.Namespace ?? "default", obj.Name ?? string.Empty));
            }
        }

        return result;
    }

    private static string Key(ManifestObject obj) => (obj.Namespace ?? "default") + "/" + obj.Name;

    private static JsonElement WithNamespace(ManifestObject obj)
    {
        var json = obj.Json;
        if (obj.Namespace is null && json["metadata"] is JsonObject metadata)
        {
            metadata["namespace"] = "default";
        }

        return JsonSerializer.SerializeToElement(json);
    }

    private static SecretLookup ToLookup(ManifestObject obj)
    {
        var json = obj.Json;
        var data = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var problems = new List<string>();
        if (json["data"] is JsonObject encoded)
        {
            foreach (var (key, value) in encoded)
            {
                string text = value is JsonValue v && v.TryGetValue<string>(out var s) ? s : string.Empty;
                try
                {
                    data[key] = Convert.FromBase64String(text);
                }
                catch (FormatException)
                {
                    problems.Add($"data.{key} of Secret {Key(obj)} is not valid base64.");
                }
            }
        }

        if (json["stringData"] is JsonObject plain)
        {
            foreach (var (key, value) in plain)
            {
                data[key] = Encoding.UTF8.GetBytes(value is JsonValue v && v.TryGetValue<string>(out var s) ? s : string.Empty);
            }
        }

        var annotations = ((json["metadata"] as JsonObject)?["annotations"] as JsonObject)?
            .Where(a => a.Value is JsonValue)
            .ToDictionary(a => a.Key, a => a.Value!.ToString(), StringComparer.Ordinal);
        var lookup = SecretLookup.Found(obj.Namespace ?? "default", obj.Name ?? string.Empty, json["type"]?.ToString(), data, annotations);
        return problems.Count == 0 ? lookup : lookup with { Message = string.Join(" ", problems) };
    }
}
