using System.Text.Json;
using IngressCerts.Engine.Certificates;
using IngressCerts.Engine.Kubernetes;
using k8s.Models;

namespace IngressCerts.Engine.Inventory;

/// <summary>Turns Ingresses and Gateways into <see cref="TlsReference"/>s.</summary>
public static class ReferenceExtractor
{
    public static IEnumerable<TlsReference> FromIngress(V1Ingress ingress, string source)
    {
        string ns = ingress.Metadata?.NamespaceProperty ?? "default";
        string name = ingress.Metadata?.Name ?? string.Empty;
        foreach (var tls in ingress.Spec?.Tls ?? Enumerable.Empty<V1IngressTLS>())
        {
            var hosts = (tls.Hosts ?? Enumerable.Empty<string>()).Where(h => !string.IsNullOrWhiteSpace(h)).ToArray();
            string? secret = string.IsNullOrWhiteSpace(tls.SecretName) ? null : tls.SecretName;
            yield return new TlsReference(source, "Ingress", ns, name, null, secret is null ? null : ns, secret, hosts);
        }
    }

    /// <summary>
    /// References of a Gateway's listeners that terminate TLS (protocol HTTPS or TLS, tls.mode Terminate or unset).
    /// A reference into another namespace counts only where a ReferenceGrant there allows it.
    /// </summary>
    public static IEnumerable<TlsReference> FromGateway(JsonElement gateway, string source, ReferenceGrantIndex grants)
    {
        string ns = RawObject.Namespace(gateway) ?? "default";
        string name = RawObject.Name(gateway) ?? string.Empty;
        foreach (var listener in RawObject.Array(gateway, "spec", "listeners"))
        {
            string? protocol = RawObject.String(listener, "protocol");
            if (protocol is not ("HTTPS" or "TLS"))
            {
                continue;
            }

            string mode = RawObject.String(listener, "tls", "mode") ?? "Terminate";
            if (mode != "Terminate")
            {
                continue;
            }

            string listenerName = RawObject.String(listener, "name") ?? string.Empty;
            string? hostname = RawObject.String(listener, "hostname");
            var hosts = string.IsNullOrEmpty(hostname) ? Array.Empty<string>() : new[] { hostname };
            foreach (var reference in RawObject.Array(listener, "tls", "certificateRefs"))
            {
                string group = RawObject.String(reference, "group") ?? string.Empty;
                string kind = RawObject.String(reference, "kind") ?? "Secret";
                string? secretName = RawObject.String(reference, "name");
                string secretNs = RawObject.String(reference, "namespace") ?? ns;
                CertificateFinding? issue = null;
                if (group.Length != 0 || kind != "Secret")
                {
                    issue = new(FindingIds.UnsupportedCertificateRef, CertificateStatus.SecretNotFound,
                        $"certificateRef kind '{(group.Length == 0 ? kind : group + "/" + kind)}' of listener '{listenerName}' of Gateway {ns}/{name} is not a core Secret; it is not analysed");
                }
                else if (secretNs != ns && secretName is not null && !grants.Allows(ns, secretNs, secretName))
                {
                    issue = NotPermitted(ns, name, listenerName, secretNs, secretName);
                }

                yield return new TlsReference(source, "Gateway", ns, name, listenerName, secretNs, secretName, hosts, issue);
            }
        }
    }

    /// <summary>A cross-namespace certificateRef that no ReferenceGrant allows, naming the grant it lacks.</summary>
    private static CertificateFinding NotPermitted(string ns, string name, string listener, string secretNs, string secretName) =>
        new(FindingIds.ReferenceNotPermitted, CertificateStatus.ReferenceNotPermitted,
            $"listener '{listener}' of Gateway {ns}/{name} refers to Secret {secretNs}/{secretName} in another namespace, and no ReferenceGrant in '{secretNs}' allows Gateways from '{ns}' to use it "
            + $"(one is needed in '{secretNs}' from gateway.networking.k8s.io/Gateway in namespace '{ns}' to Secret '{secretName}'): the Gateway does not use the Secret, whatever it holds");
}

/// <summary>ReferenceGrants (gateway.networking.k8s.io/v1beta1) that let Gateways use Secrets in other namespaces.</summary>
public sealed class ReferenceGrantIndex
{
    // Keyed by the namespace that holds the grant (the Secret's namespace).
    private readonly Dictionary<string, List<(string FromNamespace, string? SecretName)>> _grants = new(StringComparer.Ordinal);

    public void Add(JsonElement referenceGrant)
    {
        string ns = RawObject.Namespace(referenceGrant) ?? "default";
        var froms = RawObject.Array(referenceGrant, "spec", "from")
            .Where(f => RawObject.String(f, "group") == GatewayGroupName && RawObject.String(f, "kind") == "Gateway")
            .Select(f => RawObject.String(f, "namespace"))
            .Where(n => n is not null)
            .ToList();
        var tos = RawObject.Array(referenceGrant, "spec", "to")
            .Where(t => (RawObject.String(t, "group") ?? string.Empty) == string.Empty && RawObject.String(t, "kind") == "Secret")
            .Select(t => RawObject.String(t, "name"))
            .ToList();
        if (froms.Count == 0 || tos.Count == 0)
        {
            return;
        }

        if (!_grants.TryGetValue(ns, out var list))
        {
            _grants[ns] = list = new List<(string, string?)>();
        }

        foreach (string? from in froms)
        {
            foreach (string? to in tos)
            {
                list.Add((from!, string.IsNullOrEmpty(to) ? null : to));
            }
        }
    }

    public bool Allows(string gatewayNamespace, string secretNamespace, string secretName) =>
        _grants.TryGetValue(secretNamespace, out var list)
        && list.Any(g => g.FromNamespace == gatewayNamespace && (g.SecretName is null || g.SecretName == secretName));

    private const string GatewayGroupName = "gateway.networking.k8s.io";
}
