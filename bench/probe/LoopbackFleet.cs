using IngressCerts.Engine.Probing;
using IngressCerts.Engine.Tests.TestTls;

namespace IngressCerts.Bench.Probe;

/// <summary>The fake ingress controllers the benchmark probes, wherever they run.</summary>
internal interface IFleet : IAsyncDisposable
{
    /// <summary>One request per host name: the endpoint serving it, with the host as SNI.</summary>
    IReadOnlyList<ProbeRequest> Requests { get; }

    /// <summary>Where the fleet's CPU time is counted: this process (in-process fleet) or its own.</summary>
    bool SharesProcessWithProbe { get; }

    Task SetLatencyAsync(TimeSpan latency);

    Task<FleetStats> GetStatsAsync();
}

/// <param name="CpuTime">CPU used by the fleet's process so far (zero when it shares the probe's process).</param>
internal sealed record FleetStats(int HandshakesCompleted, long ApplicationBytesReceived, TimeSpan CpuTime);

/// <summary>
/// N loopback TLS endpoints standing in for ingress controllers, with host names spread over them round-robin and
/// routed by SNI. Each endpoint serves its hosts one CA-issued leaf listing them all (intermediate sent), or, with
/// <c>certPerHost</c>, one leaf per host.
/// </summary>
/// <remarks>
/// One leaf per endpoint is the default because .NET keeps a server OpenSSL context per certificate in a cache that
/// sheds idle entries every 32 insertions: a single process serving 1,000 distinct certificates rebuilds a context on
/// almost every handshake, which would bill the fake controllers' cost to the probe. Real controllers keep theirs.
/// </remarks>
internal sealed class LoopbackFleet : IFleet
{
    private readonly List<TestTlsEndpoint> _endpoints;

    private LoopbackFleet(List<TestTlsEndpoint> endpoints, IReadOnlyList<ProbeRequest> requests)
    {
        _endpoints = endpoints;
        Requests = requests;
    }

    public IReadOnlyList<ProbeRequest> Requests { get; }

    public bool SharesProcessWithProbe => true;

    public IReadOnlyList<int> Ports => _endpoints.Select(e => e.Port).ToList();

    public static LoopbackFleet Start(int endpointCount, int hostCount, bool certPerHost)
    {
        var ca = TestCertificateAuthority.CreateRoot("IngressCerts Bench Root CA").CreateIntermediate("IngressCerts Bench Intermediate CA");
        var endpoints = Enumerable.Range(0, endpointCount).Select(_ => TestTlsEndpoint.Start()).ToList();
        var hosts = HostNames(hostCount);
        for (var e = 0; e < endpointCount; e++)
        {
            var own = hosts.Where((_, i) => i % endpointCount == e).ToArray();
            var shared = certPerHost || own.Length == 0 ? null : new ServedIdentity(ca.IssueLeaf(own), ca.Certificate);
            foreach (var host in own)
            {
                endpoints[e].Map(host, shared ?? new ServedIdentity(ca.IssueLeaf(host), ca.Certificate));
            }
        }

        return new LoopbackFleet(endpoints, CreateRequests(endpoints.Select(e => e.Port).ToList(), hostCount));
    }

    /// <summary>The host names a fleet of <paramref name="hostCount"/> serves; deterministic so a child process and its parent agree.</summary>
    public static string[] HostNames(int hostCount) =>
        Enumerable.Range(0, hostCount).Select(i => $"app{i:0000}.bench.example.test").ToArray();

    /// <summary>Host i is served by endpoint i mod N, as <see cref="Start"/> spreads them.</summary>
    public static IReadOnlyList<ProbeRequest> CreateRequests(IReadOnlyList<int> ports, int hostCount)
    {
        var targets = ports.Select(p => new ProbeEndpoint("127.0.0.1", p)).ToArray();
        return HostNames(hostCount).Select((host, i) => new ProbeRequest(targets[i % targets.Length], host)).ToList();
    }

    public Task SetLatencyAsync(TimeSpan latency)
    {
        foreach (var endpoint in _endpoints)
        {
            endpoint.HandshakeDelay = latency;
        }

        return Task.CompletedTask;
    }

    public Task<FleetStats> GetStatsAsync() => Task.FromResult(new FleetStats(
        _endpoints.Sum(e => e.HandshakesCompleted), _endpoints.Sum(e => e.ApplicationBytesReceived), TimeSpan.Zero));

    public async ValueTask DisposeAsync()
    {
        foreach (var endpoint in _endpoints)
        {
            await endpoint.DisposeAsync();
        }
    }
}
