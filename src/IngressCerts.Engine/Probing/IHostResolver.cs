using System.Net;

namespace IngressCerts.Engine.Probing;

/// <summary>
/// Turns a host name into addresses. A seam so tests can resolve names without touching the network;
/// production uses <see cref="SystemHostResolver"/>.
/// </summary>
public interface IHostResolver
{
    /// <summary>Addresses for <paramref name="host"/>, in preference order; throws (typically <see cref="System.Net.Sockets.SocketException"/>) when the name does not resolve.</summary>
    Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken);
}

/// <summary>The operating system's resolver (<see cref="Dns"/>), honouring /etc/hosts and the configured DNS servers.</summary>
public sealed class SystemHostResolver : IHostResolver
{
    public static SystemHostResolver Instance { get; } = new();

    private SystemHostResolver()
    {
    }

    public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) =>
        Dns.GetHostAddressesAsync(host, cancellationToken);
}
