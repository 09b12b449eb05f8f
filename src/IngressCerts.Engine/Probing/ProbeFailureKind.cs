namespace IngressCerts.Engine.Probing;

/// <summary>Why a probe did not read a certificate, coarse enough to act on.</summary>
public enum ProbeFailureKind
{
    /// <summary>The probe succeeded.</summary>
    None,

    /// <summary>The host name did not resolve to any address.</summary>
    DnsFailure,

    /// <summary>Something answered the TCP connect with a reset: nothing listens on that port.</summary>
    ConnectionRefused,

    /// <summary>DNS, connect or handshake did not finish within the probe's timeout.</summary>
    Timeout,

    /// <summary>TCP connected but the TLS handshake failed: closed, reset, alert, or no common protocol.</summary>
    HandshakeFailed,

    /// <summary>The caller's cancellation token fired before the probe finished.</summary>
    Cancelled,

    /// <summary>Anything else (unreachable network, unexpected local error); the message says what.</summary>
    Other,
}
