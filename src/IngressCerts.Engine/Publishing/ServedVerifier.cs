using IngressCerts.Engine.Probing;

namespace IngressCerts.Engine.Publishing;

/// <summary>What one host served when verification ended.</summary>
public sealed record ServedObservation(string Host, string Endpoint, bool Verified, string? ServedThumbprint, string Message)
{
    /// <summary>
    /// The address to probe the host at (the Ingress's load balancer address) is unusable, so the host was never
    /// probed: <see cref="Endpoint"/> is the address as the status gives it, and <see cref="Message"/> says why.
    /// </summary>
    public bool AddressInvalid { get; init; }
}

/// <summary>One host to verify and where to probe it.</summary>
/// <param name="Endpoint">Where to probe; null when the address is unusable (then <paramref name="Problem"/> says why).</param>
/// <param name="Address">The address as given (the Ingress status's text), also when it is unusable.</param>
public sealed record ServedTarget(string Host, ProbeEndpoint? Endpoint, string Address, string? Problem = null);

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

    /// <summary>Probes each (endpoint, host) until it serves <paramref name="thumbprint"/> or <paramref name="timeout"/> passes.</summary>
    public Task<IReadOnlyList<ServedObservation>> WaitAsync(
        IReadOnlyList<(ProbeEndpoint Endpoint, string Host)> targets, string thumbprint, TimeSpan timeout, CancellationToken cancellationToken,
        Action<IReadOnlyList<ServedObservation>>? onRound = null) =>
        WaitAsync(targets.Select(t => new ServedTarget(t.Host, t.Endpoint, t.Endpoint.ToString())).ToList(), thumbprint, timeout, cancellationToken, onRound);

    /// <summary>
    /// Probes each target until it serves <paramref name="thumbprint"/> or <paramref name="timeout"/> passes;
    /// <paramref name="onRound"/> hears what every round saw (for progress). A target without a usable endpoint is not
    /// probed: it is at once a failed observation (<see cref="ServedObservation.AddressInvalid"/>), and the others are
    /// probed as usual.
    /// </summary>
    public async Task<IReadOnlyList<ServedObservation>> WaitAsync(
        IReadOnlyList<ServedTarget> targets, string thumbprint, TimeSpan timeout, CancellationToken cancellationToken,
        Action<IReadOnlyList<ServedObservation>>? onRound = null)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        var latest = new Dictionary<string, ServedObservation>(StringComparer.OrdinalIgnoreCase);
        var pending = new List<(ProbeEndpoint Endpoint, string Host)>();
        foreach (var target in targets)
        {
            if (target.Endpoint is null)
            {
                latest[target.Host] = new ServedObservation(target.Host, target.Address, false, null, target.Problem ?? $"'{target.Address}' cannot be probed.")
                {
                    AddressInvalid = true,
                };
            }
            else
            {
                pending.Add((target.Endpoint, target.Host));
            }
        }

        while (pending.Count > 0)
        {
            TimeSpan remaining = deadline - DateTimeOffset.UtcNow;
            TimeSpan probeTimeout = remaining < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : (remaining > TlsProbe.DefaultTimeout ? TlsProbe.DefaultTimeout : remaining);
            var results = await Task.WhenAll(pending.Select(t => _probe.ProbeAsync(new ProbeRequest(t.Endpoint, Sni(t.Host)), probeTimeout, cancellationToken))).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            var still = new List<(ProbeEndpoint Endpoint, string Host)>();
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
                break;
            }

            await Task.Delay(_interval, cancellationToken).ConfigureAwait(false);
        }

        return targets.Select(t => latest[t.Host]).ToList();
    }

    /// <summary>
    /// Where to probe each host: <paramref name="endpoint"/> when given (host:port), else the Ingress's load balancer
    /// address on 443, else the host itself through DNS. An address that cannot be probed (a status holding
    /// "not a host!") gives a target without an endpoint and with the reason, which <see cref="WaitAsync(IReadOnlyList{ServedTarget}, string, TimeSpan, CancellationToken)"/>
    /// reports as a failed observation for that host only.
    /// </summary>
    /// <exception cref="ArgumentException">The endpoint, which the user gave, is not host, host:port or [ipv6]:port.</exception>
    public static IReadOnlyList<ServedTarget> Targets(IReadOnlyList<string> hosts, string? endpoint, k8s.Models.V1Ingress? ingress) =>
        Targets(hosts, endpoint, ingress?.Status?.LoadBalancer?.Ingress?.Select(a => a.Ip ?? a.Hostname).FirstOrDefault(a => !string.IsNullOrEmpty(a)),
            $"Ingress {ingress?.Metadata?.NamespaceProperty}/{ingress?.Metadata?.Name} has the load balancer address");

    /// <summary>As above, with the address (null: none) and who has it, in words ("Gateway a/b has the address").</summary>
    public static IReadOnlyList<ServedTarget> Targets(IReadOnlyList<string> hosts, string? endpoint, string? address, string owner)
    {
        ProbeEndpoint? forced = null;
        if (endpoint is not null && !ProbeEndpoint.TryParse(endpoint, out forced))
        {
            throw new ArgumentException($"-Endpoint '{endpoint}' is not host, host:port or [ipv6]:port.");
        }

        return hosts.Select(host =>
        {
            if (forced is not null)
            {
                return new ServedTarget(host, forced, forced.ToString());
            }

            string probed = address ?? host.TrimStart('*', '.');
            if (ProbeEndpoint.TryCreate(probed, out var target, out string? problem))
            {
                return new ServedTarget(host, target, probed);
            }

            return new ServedTarget(host, null, probed, address is null
                ? $"{host} cannot be probed: {problem}"
                : $"{owner} '{address}' in its status, which cannot be probed: {problem} Give -Endpoint to probe {host} elsewhere.");
        }).ToList();
    }

    // SNI cannot carry a wildcard: probe a name the wildcard covers.
    private static string Sni(string host) => host.StartsWith("*.", StringComparison.Ordinal) ? "probe" + host[1..] : host;
}
