using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using IngressCerts.Engine.Probing;

namespace IngressCerts.Engine.Tests.Probing;

/// <summary>A probe that serves one certificate for every request and records the SNI asked for.</summary>
internal sealed class ServingProbe(X509Certificate2 leaf) : ITlsProbe
{
    private readonly ConcurrentQueue<string?> snis = new();

    public IReadOnlyList<string?> Snis => snis.ToArray();

    public Task<ProbeResult> ProbeAsync(ProbeRequest request, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        snis.Enqueue(request.EffectiveSni);
        return Task.FromResult(new ProbeResult { Endpoint = request.Endpoint, Sni = request.EffectiveSni, Leaf = leaf, Tag = request.Tag });
    }
}
