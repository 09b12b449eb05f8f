using System.Security.Cryptography.X509Certificates;

namespace IngressCerts.Engine.Validation;

/// <summary>
/// What to test: an object of any kind Get-IngressCertificate reports (Namespace + Name), a Secret (Namespace + SecretName), one TLS entry
/// (both), or only hosts on the wire (Hosts with no Secret).
/// </summary>
/// <param name="ExpectedThumbprint">The certificate that should be there (SHA-1 hex), if any.</param>
/// <param name="Kind">Ingress (the default), Gateway, Route, IngressRoute or HTTPProxy; Secret names a Secret (Name is then ignored).</param>
/// <param name="ApiGroup">The kind's API group, to tell an Istio Gateway (networking.istio.io) from a Gateway API one;
/// null: the kind's APIs in turn (see <see cref="Inventory.ObjectLookup.Candidates"/>).</param>
/// <param name="Listener">Only the reference of this listener (a Gateway's listener, an Istio server's port name).</param>
/// <param name="IstioGatewayNamespace">Where Istio's gateway workload reads credentialName Secrets; null: the Gateway's own namespace.</param>
public sealed record TestTarget(
    string? Namespace,
    string? Name,
    string? SecretNamespace,
    string? SecretName,
    IReadOnlyList<string>? Hosts,
    string? ExpectedThumbprint = null,
    X509Certificate2? ExpectedCertificate = null,
    string? Kind = null,
    string? ApiGroup = null,
    string? Listener = null,
    string? IstioGatewayNamespace = null)
{
    public override string ToString() =>
        Name is not null ? $"{Namespace}/{Name}" : SecretName is not null ? $"{SecretNamespace ?? Namespace}/{SecretName}" : string.Join(", ", Hosts ?? Array.Empty<string>());
}

/// <summary>How targets are tested.</summary>
/// <param name="Endpoint">host:port to probe instead of the Ingress's load balancer address.</param>
public sealed record TestOptions(
    DateTimeOffset AsOf,
    int MinimumDaysRemaining = 30,
    bool Live = false,
    string? Endpoint = null,
    int ThrottleLimit = 32,
    TimeSpan? Timeout = null,
    X509Certificate2Collection? TrustedRoots = null);
