using IngressCerts.Engine.Probing;
using IngressCerts.Engine.Tests.TestTls;

namespace IngressCerts.Bench.Probe;

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
internal sealed class LoopbackFleet : IAsyncDisposable
{
    private readonly List<TestTlsEndpoint> _endpoints;

    private LoopbackFleet(List<TestTlsEndpoint> endpoints, IReadOnlyList<ProbeRequest> requests)
    {
        _endpoints = endpoints;
        Requests = requests;
    }

    /// <summary>One request per host name: the endpoint serving it, with the host as SNI.</summary>
    public IReadOnlyList<ProbeRequest> Requests { get; }

    public int HandshakesCompleted => _endpoints.Sum(e => e.HandshakesCompleted);

    public long ApplicationBytesReceived => _endpoints.Sum(e => e.ApplicationBytesReceived);

    /// <param name="latency">Held by each server between ClientHello and ServerHello: stands in for network round trips.</param>
    public static LoopbackFleet Start(int endpointCount, int hostCount, bool certPerHost, TimeSpan latency)
    {
        var ca = TestCertificateAuthority.CreateRoot("IngressCerts Bench Root CA").CreateIntermediate("IngressCerts Bench Intermediate CA");
        var endpoints = Enumerable.Range(0, endpointCount).Select(_ => TestTlsEndpoint.Start()).ToList();
        var targets = endpoints.Select(e => ProbeEndpoint.Parse(e.Address)).ToArray();
        var hosts = Enumerable.Range(0, hostCount).Select(i => $"app{i:0000}.bench.example.test").ToArray();
        var requests = new List<ProbeRequest>(hostCount);
        for (var e = 0; e < endpointCount; e++)
        {
            endpoints[e].HandshakeDelay = latency;
            var own = hosts.Where((_, i) => i % endpointCount == e).ToArray();
            var shared = certPerHost || own.Length == 0 ? null : new ServedIdentity(ca.IssueLeaf(own), ca.Certificate);
            foreach (var host in own)
            {
                endpoints[e].Map(host, shared ?? new ServedIdentity(ca.IssueLeaf(host), ca.Certificate));
            }
        }

        // Round-robin over endpoints, as the hosts were spread.
        requests.AddRange(hosts.Select((host, i) => new ProbeRequest(targets[i % endpointCount], host)));
        return new LoopbackFleet(endpoints, requests);
    }

    public void SetLatency(TimeSpan latency)
    {
        foreach (var endpoint in _endpoints)
        {
            endpoint.HandshakeDelay = latency;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var endpoint in _endpoints)
        {
            await endpoint.DisposeAsync();
        }
    }
}
