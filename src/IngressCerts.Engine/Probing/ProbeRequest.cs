namespace IngressCerts.Engine.Probing;

/// <summary>One probe to run: where to connect and which name to ask for.</summary>
/// <param name="Endpoint">The address dialled.</param>
/// <param name="Sni">
/// The server name sent in the ClientHello; null means "the endpoint's host name", and no SNI at all when the
/// endpoint is an IP literal (TLS forbids IP addresses in SNI).
/// </param>
/// <param name="Tag">Opaque caller data copied onto the result, to tie streamed results back to their source (e.g. an Ingress).</param>
public sealed record ProbeRequest(ProbeEndpoint Endpoint, string? Sni = null, object? Tag = null)
{
    /// <summary>The server name actually sent: <see cref="Sni"/>, else the endpoint's host name unless that is an IP literal.</summary>
    public string? EffectiveSni => !string.IsNullOrWhiteSpace(Sni) ? Sni : Endpoint.IsIpAddress ? null : Endpoint.Host;
}
