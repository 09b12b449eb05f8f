using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace IngressCerts.Engine.Probing;

/// <summary>
/// Connects to an endpoint, performs a TLS handshake with a chosen SNI, records the certificates the server sent,
/// and hangs up. It never sends application data: the server sees a handshake and a close, nothing else.
/// </summary>
/// <remarks>
/// Cancellation contract: a single probe never throws for what the endpoint or network does, and never throws
/// on cancellation either. When the caller's token fires it returns promptly with
/// <see cref="ProbeFailureKind.Cancelled"/>; its own timeout gives <see cref="ProbeFailureKind.Timeout"/>.
/// (<see cref="ProbeRunner"/>, which streams many results, throws <see cref="OperationCanceledException"/> instead.)
/// Only argument errors (null request, non-positive timeout) throw.
/// </remarks>
public sealed class TlsProbe : ITlsProbe
{
    /// <summary>Per-probe budget for DNS, connect and handshake together when the caller gives none.</summary>
    public static TimeSpan DefaultTimeout { get; } = TimeSpan.FromSeconds(10);

    private readonly IHostResolver _resolver;
    private readonly ChainVerdictCache _verdicts = new();

    public TlsProbe()
        : this(SystemHostResolver.Instance)
    {
    }

    /// <param name="resolver">Resolves host names; tests pass one that never leaves the machine.</param>
    public TlsProbe(IHostResolver resolver)
    {
        ArgumentNullException.ThrowIfNull(resolver);
        _resolver = resolver;
    }

    /// <inheritdoc cref="ProbeAsync(ProbeRequest, TimeSpan, CancellationToken)"/>
    public Task<ProbeResult> ProbeAsync(
        ProbeEndpoint endpoint, string? sni, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        ProbeAsync(new ProbeRequest(endpoint, sni), timeout, cancellationToken);

    /// <summary>Probes one endpoint; see the class remarks for what throws and what becomes a failed result.</summary>
    /// <param name="timeout">Budget for DNS, connect and handshake together; <see cref="Timeout.InfiniteTimeSpan"/> for none.</param>
    public async Task<ProbeResult> ProbeAsync(
        ProbeRequest request, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (timeout <= TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "A probe timeout must be positive.");
        }

        var started = Stopwatch.GetTimestamp();
        if (cancellationToken.IsCancellationRequested)
        {
            return ProbeResult.Failure(request, ProbeFailureKind.Cancelled, "Cancelled before it started.", TimeSpan.Zero);
        }

        // One deadline for the whole probe, linked to the caller's token so either stops every await below.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);

        var phase = Phase.Resolving;
        IPEndPoint? remote = null;
        try
        {
            var addresses = request.Endpoint.Address is { } literal
                ? [literal]
                : await ResolveAsync(request.Endpoint.Host, deadline.Token).ConfigureAwait(false);

            phase = Phase.Connecting;
            (var socket, remote) = await ConnectAsync(addresses, request.Endpoint.Port, deadline.Token).ConfigureAwait(false);

            phase = Phase.Handshaking;
            return await HandshakeAsync(socket, remote, request, started, deadline.Token).ConfigureAwait(false);
        }
        catch (Exception) when (deadline.IsCancellationRequested)
        {
            // Whatever was thrown (OperationCanceledException, or an IOException from a socket torn down by
            // cancellation), a fired token is the real reason; which token fired tells caller from timeout.
            var elapsed = Stopwatch.GetElapsedTime(started);
            return cancellationToken.IsCancellationRequested
                ? ProbeResult.Failure(request, ProbeFailureKind.Cancelled, $"Cancelled while {Describe(phase, request)}.", elapsed, remote)
                : ProbeResult.Failure(
                    request,
                    ProbeFailureKind.Timeout,
                    $"Timed out after {FormatSeconds(timeout)} while {Describe(phase, request)}.",
                    elapsed,
                    remote);
        }
        catch (Exception ex)
        {
            var (kind, message) = Classify(phase, request, ex);
            return ProbeResult.Failure(request, kind, message, Stopwatch.GetElapsedTime(started), remote);
        }
    }

    private async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        IPAddress[] addresses;
        try
        {
            addresses = await _resolver.ResolveAsync(host, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new ProbeDnsException($"'{host}' did not resolve: {Flatten(ex)}", ex);
        }

        return addresses.Length > 0 ? addresses : throw new ProbeDnsException($"'{host}' resolved to no addresses.", null);
    }

    /// <summary>Tries each address in the resolver's order, within the one deadline, and reports the last failure if none answers.</summary>
    /// <returns>The connected socket and the address it reached (taken from our side: asking the socket fails once the peer has reset).</returns>
    private static async Task<(Socket Socket, IPEndPoint Remote)> ConnectAsync(
        IPAddress[] addresses, int port, CancellationToken cancellationToken)
    {
        SocketException? last = null;
        foreach (var address in addresses)
        {
            var remote = new IPEndPoint(address, port);
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(remote, cancellationToken).ConfigureAwait(false);
                return (socket, remote);
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                last = ex;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw last!;
    }

    private async Task<ProbeResult> HandshakeAsync(
        Socket socket, IPEndPoint remote, ProbeRequest request, long started, CancellationToken cancellationToken)
    {
        var capture = new ServedCertificateCapture(_verdicts);
        var sni = request.EffectiveSni;

        NetworkStream transport;
        try
        {
            transport = new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        // The SslStream owns the NetworkStream, which owns the socket: disposing it closes the connection.
        // No ShutdownAsync (close_notify) and no read: the probe hangs up as soon as the handshake is done.
        await using var tls = new SslStream(transport, leaveInnerStreamOpen: false);
        await tls.AuthenticateAsClientAsync(CreateClientOptions(request, sni, capture), cancellationToken).ConfigureAwait(false);

        var leaf = capture.Leaf ?? (tls.RemoteCertificate is { } presented ? Copy(presented) : null);
        if (leaf is null)
        {
            return ProbeResult.Failure(
                request, ProbeFailureKind.HandshakeFailed, "The server completed the handshake without a certificate.",
                Stopwatch.GetElapsedTime(started), remote);
        }

        return new ProbeResult
        {
            Endpoint = request.Endpoint,
            Sni = sni,
            FailureKind = ProbeFailureKind.None,
            Leaf = leaf,
            ServedChain = capture.ServedAfter(leaf),
            TlsVersion = tls.SslProtocol.ToString(),
            CipherSuite = tls.NegotiatedCipherSuite,
            PolicyErrors = capture.PolicyErrors,
            RemoteAddress = remote,
            Elapsed = Stopwatch.GetElapsedTime(started),
            Tag = request.Tag,
        };
    }

    private static SslClientAuthenticationOptions CreateClientOptions(
        ProbeRequest request, string? sni, ServedCertificateCapture capture) => new()
    {
        // An empty target host sends no SNI; an IP literal is used only for the informational name check.
        TargetHost = sni ?? request.Endpoint.Host,

        // Leave protocol choice to the platform (OpenSSL's policy): the probe reports what a normal client gets.
        EnabledSslProtocols = SslProtocols.None,

        // A fresh handshake every time: a resumed session sends no Certificate message, so it would show a
        // certificate cached from an earlier connection instead of the one the server serves now.
        AllowTlsResume = false,

        // SslStream builds a chain before calling the callback, whatever the callback does. Against the system
        // trust store that build was most of the probe's CPU (measured: bench/probe --breakdown), on every probe,
        // although a fleet serves few distinct chains. So the handshake's build trusts nothing (an empty custom
        // root store: it cannot succeed and costs far less), and the callback asks ChainVerdictCache for the
        // system trust's verdict once per distinct served chain. No CRL/OCSP and no AIA downloads of missing
        // intermediates (which would leave loopback and hide exactly the "intermediates not served" problem).
        // A new instance each time because SslStream adds the server's certificates to its ExtraStore.
        CertificateChainPolicy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
            DisableCertificateDownloads = true,
        },
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        RemoteCertificateValidationCallback = capture.Capture,
    };

    private static X509Certificate2 Copy(X509Certificate certificate) => new(certificate);

    private static (ProbeFailureKind Kind, string Message) Classify(Phase phase, ProbeRequest request, Exception ex) =>
        (phase, ex) switch
        {
            (Phase.Resolving, ProbeDnsException dns) => (ProbeFailureKind.DnsFailure, dns.Message),
            (Phase.Connecting, SocketException { SocketErrorCode: SocketError.ConnectionRefused }) =>
                (ProbeFailureKind.ConnectionRefused, $"Connection to {request.Endpoint} refused: nothing listens on that port."),
            // The kernel completed the TCP handshake and the peer reset before we could begin TLS: a server
            // (or middlebox) refusing this client, which for the user is a refused TLS handshake, not a closed port.
            (Phase.Connecting, SocketException { SocketErrorCode: SocketError.ConnectionReset }) =>
                (ProbeFailureKind.HandshakeFailed, $"TLS handshake with {request.Endpoint} failed: the connection was reset as soon as it was accepted."),
            (Phase.Connecting, SocketException { SocketErrorCode: SocketError.TimedOut } se) =>
                (ProbeFailureKind.Timeout, $"Connecting to {request.Endpoint} timed out in the network stack: {se.Message}"),
            (Phase.Connecting, SocketException se) =>
                (ProbeFailureKind.Other, $"Connecting to {request.Endpoint} failed ({se.SocketErrorCode}): {se.Message}"),
            (Phase.Handshaking, AuthenticationException or IOException or SocketException) =>
                (ProbeFailureKind.HandshakeFailed, $"TLS handshake with {request.Endpoint} failed: {Flatten(ex)}"),
            _ => (ProbeFailureKind.Other, $"Probe of {request.Endpoint} failed while {Describe(phase, request)}: {Flatten(ex)}"),
        };

    private static string Describe(Phase phase, ProbeRequest request) => phase switch
    {
        Phase.Resolving => $"resolving '{request.Endpoint.Host}'",
        Phase.Connecting => $"connecting to {request.Endpoint}",
        _ => $"waiting for the TLS handshake with {request.Endpoint}",
    };

    /// <summary>Joins an exception's messages down its inner chain, since SslStream's outer message alone ("Authentication failed, see inner exception.") says nothing.</summary>
    private static string Flatten(Exception ex)
    {
        var messages = new List<string>();
        for (var current = ex; current is not null; current = current.InnerException)
        {
            var text = current.Message.Trim();
            if (text.Length > 0 && !messages.Contains(text) && !text.Contains("see inner exception", StringComparison.OrdinalIgnoreCase))
            {
                messages.Add(text);
            }
        }

        return messages.Count > 0 ? string.Join(" → ", messages) : ex.GetType().Name;
    }

    private static string FormatSeconds(TimeSpan timeout) =>
        timeout == Timeout.InfiniteTimeSpan ? "∞" : timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s";

    private enum Phase
    {
        Resolving,
        Connecting,
        Handshaking,
    }

    /// <summary>Marks a resolution failure so it is classified as DNS whatever exception the resolver threw.</summary>
    private sealed class ProbeDnsException(string message, Exception? inner) : Exception(message, inner);
}
