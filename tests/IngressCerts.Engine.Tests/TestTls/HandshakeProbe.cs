using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace IngressCerts.Engine.Tests.TestTls;

/// <summary>
/// A client handshaking with an endpoint back to back, as users' browsers would during a change: each handshake
/// sends the host as SNI and counts as good only when it completes with a certificate that covers the host (a
/// refused handshake, or the controller's fake default certificate, is a failure). Keeps every result in order.
/// </summary>
public sealed class HandshakeProbe : IAsyncDisposable
{
    private readonly TestTlsEndpoint _endpoint;
    private readonly string _host;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<(bool Good, string? Thumbprint)> _results = [];
    private readonly Task _loop;

    public HandshakeProbe(TestTlsEndpoint endpoint, string host)
    {
        _endpoint = endpoint;
        _host = host;
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Every handshake so far, in order: whether it was good, and the thumbprint served (null when none).</summary>
    public IReadOnlyList<(bool Good, string? Thumbprint)> Results
    {
        get
        {
            lock (_results)
            {
                return _results.ToList();
            }
        }
    }

    public int Count => Results.Count;

    public int Failed => Results.Count(r => !r.Good);

    /// <summary>Good handshakes that were served <paramref name="thumbprint"/>.</summary>
    public int GoodWith(string thumbprint) => Results.Count(r => r.Good && r.Thumbprint == thumbprint);

    /// <summary>Waits until <paramref name="condition"/> holds (checked after each handshake).</summary>
    public async Task WaitUntilAsync(Func<HandshakeProbe, bool> condition, CancellationToken cancellationToken)
    {
        while (!condition(this))
        {
            if (_loop.IsCompleted)
            {
                await _loop.ConfigureAwait(false);
                throw new InvalidOperationException("The probe stopped.");
            }

            await Task.Delay(2, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stops after the handshake under way.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var result = await HandshakeAsync().ConfigureAwait(false);
            lock (_results)
            {
                _results.Add(result);
            }
        }
    }

    private async Task<(bool Good, string? Thumbprint)> HandshakeAsync()
    {
        string? served = null;
        bool covers = false;
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(_endpoint.EndPoint).ConfigureAwait(false);
            await using var tls = new SslStream(client.GetStream(), leaveInnerStreamOpen: false);
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = _host,
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    if (certificate is not null)
                    {
                        using var leaf = new X509Certificate2(certificate);
                        served = leaf.Thumbprint;
                        covers = leaf.MatchesHostname(_host);
                    }

                    return true;
                },
            }).ConfigureAwait(false);
            return (covers, served);
        }
        catch (Exception ex) when (ex is IOException or SocketException or System.Security.Authentication.AuthenticationException or ObjectDisposedException)
        {
            return (false, served);
        }
    }
}
