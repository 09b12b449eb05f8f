using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;

namespace IngressCerts.Engine.Tests.TestTls;

/// <summary>What the endpoint does with a new connection.</summary>
public enum TestTlsBehavior
{
    /// <summary>Complete the handshake with the certificate chosen by SNI, then wait for the client to hang up.</summary>
    Serve,

    /// <summary>Accept the TCP connection and close it at once (FIN) before any TLS.</summary>
    CloseOnAccept,

    /// <summary>Accept the TCP connection and reset it (RST) at once.</summary>
    ResetOnAccept,

    /// <summary>Read the ClientHello, then drop the connection without answering.</summary>
    AbortAfterClientHello,

    /// <summary>Read the ClientHello and answer with a fatal <c>unrecognized_name</c> alert, like nginx's <c>ssl_reject_handshake on</c>.</summary>
    RejectWithAlert,

    /// <summary>Accept the TCP connection and never say anything (a hung backend, a black-holing proxy).</summary>
    Stall,
}

/// <summary>
/// A TLS server on 127.0.0.1 with an ephemeral port, standing in for an ingress controller: picks a certificate per SNI,
/// can send or omit intermediates, misbehave in the ways of <see cref="TestTlsBehavior"/>, stop listening, and counts
/// what it sees (handshakes, SNI names, concurrency, application bytes) so tests can check the client's behaviour.
/// </summary>
/// <remarks>Shared by the xunit tests and bench/probe (linked source), so it depends on nothing but the BCL.</remarks>
public sealed class TestTlsEndpoint : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly ConcurrentDictionary<string, ServedIdentity> _identities = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<long, Task> _connections = new();
    private readonly ConcurrentBag<Socket> _stalled = [];
    private readonly ConcurrentQueue<string?> _serverNames = new();
    private readonly CancellationTokenSource _shutdown = new();
    private readonly Task _acceptLoop;
    private Socket? _portHolder;
    private long _nextConnectionId;
    private int _connectionsAccepted;
    private int _connectionsFinished;
    private int _clientHellos;
    private int _handshakesCompleted;
    private int _handshakesFailed;
    private int _inHandshake;
    private int _maxInHandshake;
    private long _applicationBytesReceived;
    private volatile TestTlsBehavior _behavior;

    private TestTlsEndpoint(Socket listener, ServedIdentity? defaultIdentity)
    {
        _listener = listener;
        DefaultIdentity = defaultIdentity;
        EndPoint = (IPEndPoint)listener.LocalEndPoint!;
        _acceptLoop = AcceptLoopAsync();
    }

    /// <summary>Starts listening on 127.0.0.1 and an ephemeral port.</summary>
    /// <param name="defaultIdentity">Served for an unknown or absent SNI; null to refuse those handshakes.</param>
    public static TestTlsEndpoint Start(ServedIdentity? defaultIdentity = null)
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

        // So StopListening can re-bind the port to a non-listening socket even while accepted connections linger.
        listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1024);
        return new TestTlsEndpoint(listener, defaultIdentity);
    }

    public IPEndPoint EndPoint { get; }

    public int Port => EndPoint.Port;

    /// <summary><c>127.0.0.1:port</c>, ready for ProbeEndpoint.Parse.</summary>
    public string Address => $"127.0.0.1:{Port}";

    /// <summary>Served when the SNI matches no mapped host (or there is none); null to refuse such handshakes.</summary>
    public ServedIdentity? DefaultIdentity { get; set; }

    public TestTlsBehavior Behavior
    {
        get => _behavior;
        set => _behavior = value;
    }

    /// <summary>Protocols the server accepts; <see cref="SslProtocols.None"/> leaves it to OpenSSL (TLS 1.2 and 1.3).</summary>
    public SslProtocols EnabledProtocols { get; set; } = SslProtocols.None;

    /// <summary>Held after the ClientHello arrives and before the ServerHello goes out; makes concurrency observable.</summary>
    public TimeSpan HandshakeDelay { get; set; }

    public int ConnectionsAccepted => Volatile.Read(ref _connectionsAccepted);

    /// <summary>Connections the endpoint is done with (closed, reset, refused, or the client hung up); stalled ones count only at dispose.</summary>
    public int ConnectionsFinished => Volatile.Read(ref _connectionsFinished);

    public int ClientHellosReceived => Volatile.Read(ref _clientHellos);

    public int HandshakesCompleted => Volatile.Read(ref _handshakesCompleted);

    public int HandshakesFailed => Volatile.Read(ref _handshakesFailed);

    /// <summary>
    /// The most handshakes that were between ClientHello and ServerHello at once. That window lies strictly inside
    /// each client probe's lifetime, so this never over-counts the client's concurrency.
    /// </summary>
    public int MaxConcurrentHandshakes => Volatile.Read(ref _maxInHandshake);

    /// <summary>Decrypted bytes clients sent after the handshake; a probe must leave this at zero.</summary>
    public long ApplicationBytesReceived => Interlocked.Read(ref _applicationBytesReceived);

    /// <summary>The SNI of every ClientHello, in arrival order (null when the client sent none).</summary>
    public IReadOnlyCollection<string?> ServerNamesSeen => _serverNames;

    /// <summary>Serves <paramref name="identity"/> to clients asking for <paramref name="host"/> (exact match, any case).</summary>
    public TestTlsEndpoint Map(string host, ServedIdentity identity)
    {
        _identities[host] = identity;
        return this;
    }

    /// <summary>Stops serving <paramref name="host"/> by name: its handshakes get <see cref="DefaultIdentity"/>, or are refused without one.</summary>
    public TestTlsEndpoint Unmap(string host)
    {
        _identities.TryRemove(host, out _);
        return this;
    }

    public void ResetStatistics()
    {
        Interlocked.Exchange(ref _connectionsAccepted, 0);
        Interlocked.Exchange(ref _connectionsFinished, 0);
        Interlocked.Exchange(ref _clientHellos, 0);
        Interlocked.Exchange(ref _handshakesCompleted, 0);
        Interlocked.Exchange(ref _handshakesFailed, 0);
        Interlocked.Exchange(ref _maxInHandshake, 0);
        Interlocked.Exchange(ref _applicationBytesReceived, 0);
        _serverNames.Clear();
    }

    /// <summary>
    /// Stops accepting: new connections are refused. The port stays bound to a socket that never listens, so
    /// another test cannot grab it and turn "refused" into a stray success.
    /// </summary>
    public void StopListening()
    {
        _listener.Dispose();
        try
        {
            var holder = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            holder.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            holder.Bind(EndPoint);
            _portHolder = holder;
        }
        catch (SocketException)
        {
            // Best effort: the port is closed either way; only its reuse by someone else is left to chance.
        }
    }

    public async ValueTask DisposeAsync()
    {
        _shutdown.Cancel();
        _listener.Dispose();
        _portHolder?.Dispose();
        foreach (var socket in _stalled)
        {
            socket.Dispose();
        }

        await _acceptLoop.ConfigureAwait(false);
        await Task.WhenAll(_connections.Values).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        _shutdown.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_shutdown.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_shutdown.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return; // disposed or stopped listening
            }

            Interlocked.Increment(ref _connectionsAccepted);
            var id = Interlocked.Increment(ref _nextConnectionId);
            var connection = HandleCountedAsync(socket);
            _connections[id] = connection;

            // Registered after the add, so even a connection that already finished is removed again.
            _ = connection.ContinueWith(
                _ => _connections.TryRemove(id, out Task? _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private async Task HandleCountedAsync(Socket socket)
    {
        var stalled = false;
        try
        {
            stalled = await HandleAsync(socket).ConfigureAwait(false);
        }
        finally
        {
            if (!stalled)
            {
                Interlocked.Increment(ref _connectionsFinished);
            }
        }
    }

    /// <returns>True when the connection was left open on purpose (stalled).</returns>
    private async Task<bool> HandleAsync(Socket socket)
    {
        switch (Behavior)
        {
            case TestTlsBehavior.CloseOnAccept:
                socket.Dispose();
                return false;
            case TestTlsBehavior.ResetOnAccept:
                socket.LingerState = new LingerOption(true, 0);
                socket.Dispose();
                return false;
            case TestTlsBehavior.Stall:
                _stalled.Add(socket);
                return true;
            case TestTlsBehavior.RejectWithAlert:
                await RejectWithAlertAsync(socket).ConfigureAwait(false);
                return false;
        }

        await using var tls = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
        try
        {
            await tls.AuthenticateAsServerAsync(SelectAsync, null, _shutdown.Token).ConfigureAwait(false);
        }
        catch (Exception)
        {
            Interlocked.Increment(ref _handshakesFailed);
            return false;
        }

        Interlocked.Increment(ref _handshakesCompleted);
        try
        {
            // Wait for the client to hang up, counting anything it sends: a probe must send nothing.
            var buffer = new byte[4096];
            int read;
            while ((read = await tls.ReadAsync(buffer, _shutdown.Token).ConfigureAwait(false)) > 0)
            {
                Interlocked.Add(ref _applicationBytesReceived, read);
            }
        }
        catch (Exception)
        {
            // Reset or shutdown: the connection is over either way.
        }

        return false;
    }

    private async ValueTask<SslServerAuthenticationOptions> SelectAsync(
        SslStream stream, SslClientHelloInfo hello, object? state, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _clientHellos);
        _serverNames.Enqueue(string.IsNullOrEmpty(hello.ServerName) ? null : hello.ServerName);
        var now = Interlocked.Increment(ref _inHandshake);
        for (var max = Volatile.Read(ref _maxInHandshake); now > max; max = Volatile.Read(ref _maxInHandshake))
        {
            if (Interlocked.CompareExchange(ref _maxInHandshake, now, max) == max)
            {
                break;
            }
        }

        try
        {
            if (HandshakeDelay > TimeSpan.Zero)
            {
                await Task.Delay(HandshakeDelay, cancellationToken).ConfigureAwait(false);
            }

            if (Behavior == TestTlsBehavior.AbortAfterClientHello)
            {
                throw new AuthenticationException("The test endpoint drops connections after the ClientHello.");
            }

            var identity = (hello.ServerName is { Length: > 0 } name && _identities.TryGetValue(name, out var mapped) ? mapped : null)
                ?? DefaultIdentity
                ?? throw new AuthenticationException($"No certificate for SNI '{hello.ServerName}' and no default.");

            return new SslServerAuthenticationOptions
            {
                ServerCertificateContext = identity.Context,
                EnabledSslProtocols = EnabledProtocols,
                ClientCertificateRequired = false,
            };
        }
        finally
        {
            Interlocked.Decrement(ref _inHandshake);
        }
    }

    /// <summary>Reads one TLS record (the ClientHello) and answers with a fatal alert, as a server refusing the name does.</summary>
    private async Task RejectWithAlertAsync(Socket socket)
    {
        using (socket)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token);
                timeout.CancelAfter(TimeSpan.FromSeconds(10));
                var header = new byte[5];
                await ReceiveExactlyAsync(socket, header, timeout.Token).ConfigureAwait(false);
                var body = new byte[(header[3] << 8) | header[4]];
                await ReceiveExactlyAsync(socket, body, timeout.Token).ConfigureAwait(false);
                Interlocked.Increment(ref _clientHellos);

                // Record type 21 (alert), TLS 1.2 record version, length 2, level fatal (2), unrecognized_name (112).
                await socket.SendAsync(new byte[] { 21, 3, 3, 0, 2, 2, 112 }, SocketFlags.None, timeout.Token).ConfigureAwait(false);
                Interlocked.Increment(ref _handshakesFailed);
            }
            catch (Exception)
            {
                // The client went away first; nothing to reject.
            }
        }
    }

    private static async Task ReceiveExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (buffer.Length > 0)
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new EndOfStreamException();
            }

            buffer = buffer[read..];
        }
    }
}
