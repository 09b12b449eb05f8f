using System.Security.Cryptography.X509Certificates;

namespace IngressCerts.Engine.Inventory;

/// <summary>How references are judged.</summary>
/// <param name="AsOf">The moment validity is evaluated at (now, or -AsOf).</param>
/// <param name="ExpiringWithinDays">A certificate expiring within this many days is Expiring.</param>
/// <param name="TrustedRoots">Roots trusted besides the system's (an internal CA).</param>
/// <param name="IncludeUnprotected">Also a NoTls row per Ingress or HTTP listener that serves hosts with no TLS.</param>
/// <param name="IncludeUnreferenced">Also a row per kubernetes.io/tls Secret that nothing refers to.</param>
/// <param name="IstioGatewayNamespace">The namespace Istio's gateway workload runs in, where it reads the Secrets that
/// Istio Gateways' credentialName names; null: each Gateway's own namespace.</param>
public sealed record InventoryOptions(
    DateTimeOffset AsOf,
    int ExpiringWithinDays = 30,
    X509Certificate2Collection? TrustedRoots = null,
    bool IncludeUnprotected = false,
    bool IncludeUnreferenced = false,
    string? IstioGatewayNamespace = null);
