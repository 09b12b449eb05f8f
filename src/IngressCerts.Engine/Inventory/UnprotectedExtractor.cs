using System.Text.Json;
using IngressCerts.Engine.Certificates;
using IngressCerts.Engine.Kubernetes;
using k8s.Models;

namespace IngressCerts.Engine.Inventory;

/// <summary>
/// Hosts that Ingresses and Gateways serve with no TLS at all (-IncludeUnprotected), as <see cref="TlsReference"/>s
/// without a Secret whose issue is a <see cref="CertificateStatus.NoTls"/> finding: one per Ingress, one per HTTP
/// listener. '*' stands for "any host": a rule without host, a defaultBackend, a listener without hostname.
/// </summary>
public static class UnprotectedExtractor
{
    public const string AnyHost = "*";

    /// <summary>The rule hosts (and '*' for a rule without host or a defaultBackend) that no spec.tls[].hosts entry covers.</summary>
    public static IEnumerable<TlsReference> FromIngress(V1Ingress ingress, string source)
    {
        string ns = ingress.Metadata?.NamespaceProperty ?? "default";
        string name = ingress.Metadata?.Name ?? string.Empty;
        var tlsHosts = (ingress.Spec?.Tls ?? Enumerable.Empty<V1IngressTLS>())
            .SelectMany(t => t.Hosts ?? Enumerable.Empty<string>())
            .Where(h => !string.IsNullOrWhiteSpace(h))
            .ToList();
        var hosts = new List<string>();
        foreach (var rule in ingress.Spec?.Rules ?? Enumerable.Empty<V1IngressRule>())
        {
            string host = string.IsNullOrWhiteSpace(rule.Host) ? AnyHost : rule.Host.Trim();
            if (!IsCovered(host, tlsHosts) && !hosts.Contains(host, StringComparer.OrdinalIgnoreCase))
            {
                hosts.Add(host);
            }
        }

        if (ingress.Spec?.DefaultBackend is not null && !IsCovered(AnyHost, tlsHosts) && !hosts.Contains(AnyHost))
        {
            hosts.Add(AnyHost);
        }

        if (hosts.Count == 0)
        {
            yield break;
        }

        string any = hosts.Contains(AnyHost) ? " ('*': a rule without host or the defaultBackend serves any host)" : string.Empty;
        var finding = new CertificateFinding(FindingIds.NoTls, CertificateStatus.NoTls,
            $"Ingress {ns}/{name} serves {string.Join(", ", hosts)} over plain HTTP{any}: no spec.tls entry lists {(hosts.Count == 1 ? "it" : "them")}");
        yield return new TlsReference(source, "Ingress", ns, name, null, null, null, hosts.ToArray(), finding);
    }

    /// <summary>Listeners with protocol HTTP: their hostname, or '*' when they have none. Attached HTTPRoutes are not read.</summary>
    public static IEnumerable<TlsReference> FromGateway(JsonElement gateway, string source)
    {
        string ns = RawObject.Namespace(gateway) ?? "default";
        string name = RawObject.Name(gateway) ?? string.Empty;
        foreach (var listener in RawObject.Array(gateway, "spec", "listeners"))
        {
            if (RawObject.String(listener, "protocol") != "HTTP")
            {
                continue;
            }

            string listenerName = RawObject.String(listener, "name") ?? string.Empty;
            string? hostname = RawObject.String(listener, "hostname");
            string host = string.IsNullOrWhiteSpace(hostname) ? AnyHost : hostname;
            string any = host == AnyHost ? " (it has no hostname: '*', any host its HTTPRoutes name)" : string.Empty;
            var finding = new CertificateFinding(FindingIds.NoTls, CertificateStatus.NoTls,
                $"listener '{listenerName}' of Gateway {ns}/{name} serves {host} over plain HTTP{any}");
            yield return new TlsReference(source, "Gateway", ns, name, listenerName, null, null, new[] { host }, finding);
        }
    }

    // A spec.tls host covers a rule host it equals, or of which it is the wildcard; only a TLS host '*' covers '*'.
    private static bool IsCovered(string host, List<string> tlsHosts)
    {
        foreach (string tls in tlsHosts)
        {
            if (string.Equals(HostMatcher.Normalize(tls), HostMatcher.Normalize(host), StringComparison.Ordinal)
                || (host != AnyHost && HostMatcher.DnsNameCovers(tls, host)))
            {
                return true;
            }
        }

        return false;
    }
}
