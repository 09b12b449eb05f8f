using System.Security.Cryptography.X509Certificates;

namespace IngressCerts.Engine.Validation;

/// <summary>
/// What to test: an Ingress or Gateway (Namespace + Name), a Secret (Namespace + SecretName), one TLS entry
/// (both), or only hosts on the wire (Hosts with no Secret).
/// </summary>
/// <param name="ExpectedThumbprint">The certificate that should be there (SHA-1 hex), if any.</param>
public sealed record TestTarget(
    string? Namespace,
    string? Name,
    string? SecretNamespace,
    string? SecretName,
    IReadOnlyList<string>? Hosts,
    string? ExpectedThumbprint = null,
    X509Certificate2? ExpectedCertificate = null,
    string? Kind = null)
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
