namespace IngressCerts.Engine.Kubernetes;

/// <summary>What the user said about where the cluster is; every field is optional.</summary>
/// <param name="KubeConfigPaths">Explicit kubeconfig files; null means $KUBECONFIG, then ~/.kube/config.</param>
/// <param name="Context">A context name; null means the kubeconfig's current-context.</param>
/// <param name="Server">An API server URL: with it no kubeconfig is read (runbooks).</param>
/// <param name="CertificateAuthority">A CA file path or PEM text for <paramref name="Server"/>.</param>
/// <param name="Token">A bearer token for <paramref name="Server"/>, e.g. an AKS managed-identity access token.</param>
public sealed record ConnectionOptions(
    IReadOnlyList<string>? KubeConfigPaths = null,
    string? Context = null,
    string? Server = null,
    string? CertificateAuthority = null,
    string? Token = null)
{
    // The token must never reach a log or an error through a record's generated ToString.
    public override string ToString() =>
        Server is not null ? $"server {Server}" : $"context {Context ?? "(current)"}";
}
