using System.Text;
using k8s;
using k8s.Models;

namespace IngressCerts.Engine.Publishing;

/// <summary>
/// Writes what a publish would apply as YAML that `kubectl apply -f` accepts (GitOps): the Secret as desired, and the
/// Ingress when the plan changes it. Server-owned fields are left out so the manifest applies to any cluster, and
/// so is the publish time: the same certificate gives the same manifest, and a GitOps diff shows only real changes.
/// </summary>
public static class ManifestWriter
{
    /// <summary>What <see cref="ToYaml"/> would write, in the words -WhatIf shows: names and thumbprints, never key material.</summary>
    public static string Describe(PublishPlan plan)
    {
        var text = $"Write a manifest of Secret {plan.Target.Namespace}/{plan.Target.SecretName} ({SecretAnnotations.TlsType}, certificate {plan.Thumbprint}, " +
            $"expires {plan.NotAfter:yyyy-MM-dd}, and its key)";
        if (plan.IngressToWrite is not null)
        {
            text += $" and of Ingress {plan.Target.Namespace}/{plan.Target.IngressName} serving {string.Join(", ", plan.Hosts)} from it";
        }

        if (plan.GrantToWrite is not null)
        {
            text += $", of ReferenceGrant {plan.GrantToWrite.Namespace}/{plan.GrantToWrite.Name} letting Gateways from '{plan.Target.GatewayNs}' use it";
        }

        if (plan.GatewayToWrite is not null)
        {
            text += $" and of Gateway {plan.Target.GatewayNs}/{plan.Target.GatewayName} ({plan.GatewayToWrite.Description})";
        }

        return text + " to the output; no cluster is changed";
    }

    /// <summary>A Gateway API object without server-owned fields and status, as a manifest holds it.</summary>
    private static System.Text.Json.Nodes.JsonObject Clean(System.Text.Json.Nodes.JsonObject obj, string apiVersion, string kind)
    {
        var metadata = obj["metadata"] as System.Text.Json.Nodes.JsonObject ?? new System.Text.Json.Nodes.JsonObject();
        var cleanMetadata = new System.Text.Json.Nodes.JsonObject { ["name"] = metadata["name"]?.DeepClone(), ["namespace"] = metadata["namespace"]?.DeepClone() };
        if (metadata["labels"] is { } labels)
        {
            cleanMetadata["labels"] = labels.DeepClone();
        }

        if (metadata["annotations"] is System.Text.Json.Nodes.JsonObject annotations)
        {
            var kept = (System.Text.Json.Nodes.JsonObject)annotations.DeepClone();
            kept.Remove("kubectl.kubernetes.io/last-applied-configuration");
            cleanMetadata["annotations"] = kept;
        }

        return new System.Text.Json.Nodes.JsonObject
        {
            ["apiVersion"] = apiVersion,
            ["kind"] = kind,
            ["metadata"] = cleanMetadata,
            ["spec"] = obj["spec"]?.DeepClone(),
        };
    }

    /// <summary>JSON as dictionaries, lists and scalars, which the YAML serializer writes as a kubectl manifest.</summary>
    private static object? Plain(System.Text.Json.Nodes.JsonNode? node) => node switch
    {
        System.Text.Json.Nodes.JsonObject o => o.ToDictionary(p => p.Key, p => Plain(p.Value)),
        System.Text.Json.Nodes.JsonArray a => a.Select(Plain).ToList(),
        System.Text.Json.Nodes.JsonValue v when v.TryGetValue(out string? text) => text,
        System.Text.Json.Nodes.JsonValue v when v.TryGetValue(out bool flag) => flag,
        System.Text.Json.Nodes.JsonValue v when v.TryGetValue(out long number) => number,
        System.Text.Json.Nodes.JsonValue v => v.ToJsonString(),
        _ => null,
    };

    public static string ToYaml(PublishPlan plan, PublishPayload payload)
    {
        var secret = new V1Secret
        {
            ApiVersion = "v1",
            Kind = "Secret",
            Type = SecretAnnotations.TlsType,
            Metadata = new V1ObjectMeta
            {
                Name = plan.Target.SecretName,
                NamespaceProperty = plan.Target.Namespace,
                Labels = plan.PreviousSecret?.Metadata.Labels,
                Annotations = new Dictionary<string, string>
                {
                    [SecretAnnotations.Thumbprint] = payload.Thumbprint,
                    [SecretAnnotations.NotAfter] = SecretAnnotations.Timestamp(new DateTimeOffset(payload.NotAfter, TimeSpan.Zero)),
                },
            },
            Data = new Dictionary<string, byte[]> { ["tls.crt"] = payload.TlsCrt, ["tls.key"] = payload.TlsKey },
        };

        var yaml = new StringBuilder();
        yaml.Append("---\n").Append(KubernetesYaml.Serialize(secret).TrimEnd()).Append('\n');
        if (plan.IngressToWrite is { } ingress)
        {
            var clean = KubernetesJson.Deserialize<V1Ingress>(KubernetesJson.Serialize(ingress));
            clean.ApiVersion = "networking.k8s.io/v1";
            clean.Kind = "Ingress";
            clean.Status = null;
            clean.Metadata = new V1ObjectMeta
            {
                Name = ingress.Metadata.Name,
                NamespaceProperty = ingress.Metadata.NamespaceProperty,
                Labels = ingress.Metadata.Labels,
                Annotations = ingress.Metadata.Annotations?
                    .Where(a => a.Key != "kubectl.kubernetes.io/last-applied-configuration")
                    .ToDictionary(a => a.Key, a => a.Value),
            };
            // The wiring record is for Undo-IngressCertificate against a cluster; a manifest is undone by reverting
            // it, and a record that changes with every run would be noise in a GitOps diff.
            WiringRecord.Store(clean, plan.Target.SecretName, null);
            yaml.Append("---\n").Append(KubernetesYaml.Serialize(clean).TrimEnd()).Append('\n');
        }

        // Grant before Gateway, as the cluster writes are ordered: the Gateway never refers to a Secret it may not use.
        if (plan.GrantToWrite is { } grant)
        {
            var clean = Clean(grant.Grant, ReferenceGrants.ApiVersion, "ReferenceGrant");
            GrantRecord.Store(clean, plan.Target.SecretName, null);
            yaml.Append("---\n").Append(KubernetesYaml.Serialize(Plain(clean)).TrimEnd()).Append('\n');
        }

        if (plan.GatewayToWrite is { } wiring)
        {
            var clean = Clean(wiring.Gateway, GatewayWiring.Group + "/v1", "Gateway");
            GatewayWiringRecord.Store(clean, GatewayWiring.Key(plan.Target.Namespace, plan.Target.SecretName), null);
            yaml.Append("---\n").Append(KubernetesYaml.Serialize(Plain(clean)).TrimEnd()).Append('\n');
        }

        return yaml.ToString();
    }
}
