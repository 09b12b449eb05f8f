using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace IngressCerts.Engine.Probing;

/// <summary>
/// What one probe saw. A failed probe is a result, not an exception: <see cref="Succeeded"/> is false,
/// <see cref="FailureKind"/> says which way it failed and <see cref="FailureMessage"/> says why in words.
/// </summary>
public sealed record ProbeResult
{
    public required ProbeEndpoint Endpoint { get; init; }

    /// <summary>The server name sent in the ClientHello; null when none was sent.</summary>
    public string? Sni { get; init; }

    public bool Succeeded => FailureKind == ProbeFailureKind.None;

    public ProbeFailureKind FailureKind { get; init; }

    /// <summary>Why the probe failed, in words; null on success.</summary>
    public string? FailureMessage { get; init; }

    /// <summary>The certificate the server presented for this SNI (public part only: a remote peer never hands over a key).</summary>
    public X509Certificate2? Leaf { get; init; }

    /// <summary>
    /// The certificates the server sent after the leaf, in the order it sent them, exactly as on the wire:
    /// not a chain built locally, so a server that omits its intermediates shows an empty array here.
    /// </summary>
    public X509Certificate2[] ServedChain { get; init; } = [];

    /// <summary>
    /// True when <see cref="ServedChain"/> holds at least one certificate that is not self-signed, i.e. an
    /// intermediate; a server that sends only its leaf, or its leaf and a root, leaves clients to find intermediates.
    /// </summary>
    public bool IntermediatesServed => ServedChain.Any(c => !c.SubjectName.RawData.AsSpan().SequenceEqual(c.IssuerName.RawData));

    /// <summary>The negotiated protocol as <see cref="System.Security.Authentication.SslProtocols"/> names it (<c>Tls12</c>, <c>Tls13</c>); null on failure.</summary>
    public string? TlsVersion { get; init; }

    /// <summary>The negotiated cipher suite; null on failure.</summary>
    public TlsCipherSuite? CipherSuite { get; init; }

    /// <summary>
    /// What a validating client would have objected to (name mismatch, chain errors) with this machine's trust store.
    /// Informational: the probe reads certificates, it does not judge them.
    /// </summary>
    public SslPolicyErrors PolicyErrors { get; init; }

    /// <summary>The address the TCP connection reached (useful when a name resolves to several); null if none did.</summary>
    public IPEndPoint? RemoteAddress { get; init; }

    /// <summary>Wall time from start to result, DNS and connect included.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>The <see cref="ProbeRequest.Tag"/> the request carried.</summary>
    public object? Tag { get; init; }

    internal static ProbeResult Failure(
        ProbeRequest request, ProbeFailureKind kind, string message, TimeSpan elapsed, IPEndPoint? remote = null) => new()
    {
        Endpoint = request.Endpoint,
        Sni = request.EffectiveSni,
        FailureKind = kind,
        FailureMessage = message,
        Elapsed = elapsed,
        RemoteAddress = remote,
        Tag = request.Tag,
    };
}
