using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace IngressCerts.Engine.Probing;

/// <summary>
/// The validation callback of one probe: copies what the server presented, then accepts it.
/// </summary>
/// <remarks>
/// Where the server-sent chain comes from: SslStream hands the callback an <see cref="X509Chain"/> whose
/// <see cref="X509ChainPolicy.ExtraStore"/> it filled with the certificates the peer sent
/// (on Linux from OpenSSL's <c>SSL_get_peer_cert_chain</c>, which on the client side starts with the leaf).
/// The chain's <em>elements</em> are what the local machine built and may include roots from its own store,
/// so only the ExtraStore says what was on the wire. Tests pin this down against <c>openssl s_client -showcerts</c>.
/// </remarks>
internal sealed class ServedCertificateCapture(ChainVerdictCache verdicts)
{
    private X509Certificate2[] _sent = [];

    public X509Certificate2? Leaf { get; private set; }

    public SslPolicyErrors PolicyErrors { get; private set; }

    /// <summary>
    /// Accepts any certificate. This is safe only because the probe's connection is used to <em>read</em> the
    /// certificate and is closed right after the handshake: nothing is sent over it and nothing it says is
    /// believed. Judging the certificate (expiry, name, chain) is the caller's job, on the copy returned.
    /// </summary>
    /// <remarks>
    /// The handshake's own chain build trusts nothing (see <see cref="TlsProbe"/>), so the chain-errors bit it
    /// reports is replaced by the verdict of this machine's trust store on the served certificates, built once per
    /// distinct served chain by <see cref="ChainVerdictCache"/>. The other bits (name mismatch, no certificate) are
    /// SslStream's own.
    /// </remarks>
    public bool Capture(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        PolicyErrors = errors;

        // Our own objects, because SslStream disposes its certificates with the stream and the chain. The copy
        // constructor shares the native certificate by reference count; re-parsing the DER instead costs a
        // fraction of a millisecond per certificate under OpenSSL 3, which adds up over thousands of probes.
        if (certificate is not null)
        {
            Leaf = new X509Certificate2(certificate);
        }

        if (chain is not null)
        {
            var store = chain.ChainPolicy.ExtraStore;
            _sent = new X509Certificate2[store.Count];
            for (var i = 0; i < _sent.Length; i++)
            {
                _sent[i] = new X509Certificate2(store[i]);
            }
        }

        if (Leaf is not null)
        {
            PolicyErrors = (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) | verdicts.ChainErrors(Leaf, _sent);
        }

        return true;
    }

    /// <summary>
    /// What the server sent after <paramref name="leaf"/>, in wire order. The leaf itself is dropped once,
    /// whether or not the platform put it in the store, so a server that sends its leaf twice still shows it.
    /// </summary>
    public X509Certificate2[] ServedAfter(X509Certificate2 leaf)
    {
        var index = Array.FindIndex(_sent, c => c.RawData.AsSpan().SequenceEqual(leaf.RawData));
        return index < 0 ? _sent : [.. _sent[..index], .. _sent[(index + 1)..]];
    }
}
