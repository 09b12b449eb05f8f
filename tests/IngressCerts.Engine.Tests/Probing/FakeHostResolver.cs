using System.Net;
using System.Net.Sockets;
using IngressCerts.Engine.Probing;

namespace IngressCerts.Engine.Tests.Probing;

/// <summary>A resolver with a fixed table, so tests never send a DNS query off the machine.</summary>
internal sealed class FakeHostResolver(IReadOnlyDictionary<string, IPAddress[]> table) : IHostResolver
{
    public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) =>
        table.TryGetValue(host, out var addresses)
            ? Task.FromResult(addresses)
            : Task.FromException<IPAddress[]>(new SocketException((int)SocketError.HostNotFound));
}
