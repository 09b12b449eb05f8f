using System.Text.Json;
using IngressCerts.Engine.Certificates;
using IngressCerts.Engine.Kubernetes;

namespace IngressCerts.Engine.Inventory.Kinds;

/// <summary>
/// Istio Gateways (networking.istio.io/v1): each server with tls.credentialName is a reference, its Listener the
/// server's port name and its hosts servers[].hosts without their "namespace/" prefix ("*" alone is any host, not
/// listed). Istio reads the Secret from the namespace the gateway workload runs in: the given one
/// (-IstioGatewayNamespace, e.g. istio-system), else the Gateway's own, as in the usual install. PASSTHROUGH and
/// AUTO_PASSTHROUGH servers hold no certificate, ISTIO_MUTUAL uses the mesh's own: each is a note. MUTUAL (and
/// OPTIONAL_MUTUAL) servers validate clients against a CA bundle, from the Secret's ca.crt/cacert or from the Secret
/// "&lt;credentialName&gt;-cacert": the reference names the latter, and its evaluation reports the CA.
/// </summary>
public static class IstioGateways
{
    public const string Kind = "Gateway";

    public static IEnumerable<TlsReference> From(JsonElement gateway, string source, string? workloadNamespace = null)
    {
        string ns = RawObject.Namespace(gateway) ?? "default";
        string name = RawObject.Name(gateway) ?? string.Empty;
        foreach (var server in RawObject.Array(gateway, "spec", "servers"))
        {
            if (RawObject.Path(server, "tls") is not { ValueKind: JsonValueKind.Object })
            {
                continue;
            }

            string? credential = RawObject.String(server, "tls", "credentialName");
            string? mode = RawObject.String(server, "tls", "mode") ?? (credential is null ? null : "SIMPLE");
            string listener = RawObject.String(server, "port", "name") ?? string.Empty;
            var hosts = RawObject.Array(server, "hosts")
                .Select(h => h.ValueKind == JsonValueKind.String ? h.GetString()! : string.Empty)
                .Select(h => h.Contains('/') ? h[(h.IndexOf('/') + 1)..] : h)
                .Where(h => h.Length > 0 && h != "*")
                .Distinct(StringComparer.OrdinalIgnoreCase)
                .ToArray();
            CertificateFinding? note = mode switch
            {
                null => null, // tls with only httpsRedirect: a plain-text server
                "PASSTHROUGH" or "AUTO_PASSTHROUGH" => new(FindingIds.Passthrough, CertificateStatus.Valid,
                    $"server '{listener}' of Istio Gateway {ns}/{name} passes TLS through ({mode}): the gateway holds no certificate for it"),
                "ISTIO_MUTUAL" => new(FindingIds.ControllerManagedCertificate, CertificateStatus.Valid,
                    $"server '{listener}' of Istio Gateway {ns}/{name} uses the mesh's own certificate (ISTIO_MUTUAL), not a Secret"),
                _ when string.IsNullOrEmpty(credential) => new(FindingIds.ControllerManagedCertificate, CertificateStatus.Valid,
                    $"server '{listener}' of Istio Gateway {ns}/{name} reads its certificate from files in the gateway pod (serverCertificate), not a Secret; not checked"),
                _ => null,
            };
            if (mode is null)
            {
                continue;
            }

            string? clientCa = mode is "MUTUAL" or "OPTIONAL_MUTUAL" ? credential + "-cacert" : null;
            yield return note is not null
                ? new TlsReference(source, Kind, ns, name, listener, null, null, hosts, Notes: [note], Group: ApiGroups.Istio)
                : new TlsReference(source, Kind, ns, name, listener, workloadNamespace ?? ns, credential, hosts, ClientCaSecretName: clientCa, Group: ApiGroups.Istio);
        }
    }
}
