using IngressCerts.Engine.Probing;

namespace IngressCerts.Engine.Publishing;

/// <summary>What one host served when verification ended.</summary>
public sealed record ServedObservation(string Host, string Endpoint, bool Verified, string? ServedThumbprint, string Message);

/// <summary>
/// Waits until every host serves the published certificate (the same probe as Test-IngressCertificate -Live),
/// polling until a deadline: controllers reload Secrets asynchronously, within seconds to a minute.
/// </summary>
public sealed class ServedVerifier
{
    private readonly ITlsProbe _probe;
    private readonly TimeSpan _interval;

    public ServedVerifier(ITlsProbe? probe = null, TimeSpan? interval = null)
    {
        _probe = probe ?? new TlsProbe();
        _interval = interval ?? TimeSpan.FromSeconds(2);
    }

    /// <summary>
    /// Probes each (endpoint, host) until it serves <paramref name="thumbprint"/> or <paramref name="timeout"/> passes;
    /// <paramref name="onRound"/> hears what every round saw (for progress).
    /// </summary>
    public async Task<IReadOnlyList<ServedObservation>> WaitAsync(
        IReadOnlyList<(ProbeEndpoint Endpoint, string Host)> targets, string thumbprint, TimeSpan timeout, CancellationToken cancellationToken,
        Action<IReadOnlyList<ServedObservation>>? onRound = null)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        var latest = new Dictionary<string, ServedObservation>(StringComparer.OrdinalIgnoreCase);
        var pending = targets.ToList();
        while (true)
        {
            TimeSpan remaining = deadline - DateTimeOffset.UtcNow;
            TimeSpan probeTimeout = remaining < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : (remaining > TlsProbe.DefaultTimeout ? TlsProbe.DefaultTimeout : remaining);
            var results = await Task.WhenAll(pending.Select(t => _probe.ProbeAsync(new ProbeRequest(t.Endpoint, Sni(t.Host)), probeTimeout, cancellationToken))).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            var still = new List<(ProbeEndpoint, string)>();
            for (int i = 0; i < pending.Count; i++)
            {
                var (endpoint, host) = pending[i];
                var result = results[i];
                bool served = result.Succeeded && string.Equals(result.Leaf!.Thumbprint, thumbprint, StringComparison.OrdinalIgnoreCase);
                string message = result.Succeeded
                    ? (served ? $"{endpoint} serves {thumbprint} for {host}." : $"{endpoint} still serves {result.Leaf!.Thumbprint} for {host}.")
                    : $"{endpoint} ({host}): {result.FailureMessage ?? result.FailureKind.ToString()}";
                latest[host] = new ServedObservation(host, endpoint.ToString(), served, result.Leaf?.Thumbprint, message);
                if (!served)
                {
                    still.Add((endpoint, host));
                }
            }

            pending = still;
            onRound?.Invoke(targets.Select(t => latest[t.Host]).ToList());
            if (pending.Count == 0 || DateTimeOffset.UtcNow + _interval > deadline)
            {
                return targets.Select(t => latest[t.Host]).ToList();
            }

            await Task.Delay(_interval, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Where to probe each host: <paramref name="endpoint"/> when given (host:port), else the Ingress's load balancer
    /// address on 443, else the host itself through DNS.
    /// </summary>
    /// <exception cref="ArgumentException">The endpoint is not host, host:port or [ipv6]:port.</exception>
    public static IReadOnlyList<(ProbeEndpoint Endpoint, string Host)> Targets(IReadOnlyList<string> hosts, string? endpoint, k8s.Models.V1Ingress? ingress)
    {
        ProbeEndpoint? forced = null;
        if (endpoint is not null && !ProbeEndpoint.TryParse(endpoint, out forced))
        {
            throw new ArgumentException($"-Endpoint '{endpoint}' is not host, host:port or [ipv6]:port.");
        }

        string? address = ingress?.Status?.LoadBalancer?.Ingress?.Select(a => a.Ip ?? a.Hostname).FirstOrDefault(a => !string.IsNullOrEmpty(a));
        return hosts
            .Select(h => (forced ?? (address is not null ? new ProbeEndpoint(address) : new ProbeEndpoint(h.TrimStart('*', '.'))), h))
            .ToList();
    }

    // SNI cannot carry a wildcard: probe a name the wildcard covers.
    private static string Sni(string host) => host.StartsWith("*.", StringComparison.Ordinal) ? "probe" + host[1..] : host;
}
