using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace IngressCerts.Engine.Tests.TestTls;

/// <summary>
/// A certificate the test endpoint serves, plus exactly which other certificates it puts on the wire after it.
/// </summary>
public sealed class ServedIdentity
{
    /// <param name="leaf">The server certificate, with its private key.</param>
    /// <param name="additional">
    /// Certificates to send after the leaf, usually the intermediate. Empty to send the leaf alone, as a server with
    /// a missing chain does. A self-signed root here is not sent: .NET on Linux trims it from the served chain
    /// (checked with openssl s_client), so this fixture cannot imitate servers that send their root.
    /// </param>
    public ServedIdentity(X509Certificate2 leaf, params X509Certificate2[] additional)
    {
        ArgumentNullException.ThrowIfNull(leaf);
        if (!leaf.HasPrivateKey)
        {
            throw new ArgumentException("A served certificate needs its private key.", nameof(leaf));
        }

        Leaf = leaf;
        Additional = additional;

        // Built once: creating a context builds a chain, far too slow to repeat per handshake. On Linux the
        // context sends the leaf plus the additional certificates it could chain to (offline: no AIA fetch),
        // so an empty list really means "leaf only" on the wire.
        Context = SslStreamCertificateContext.Create(leaf, new X509Certificate2Collection(additional), offline: true);
    }

    public X509Certificate2 Leaf { get; }

    public IReadOnlyList<X509Certificate2> Additional { get; }

    internal SslStreamCertificateContext Context { get; }

    /// <summary>Serves the chain's leaf with its intermediate (the correct setup) or without it (the common mistake).</summary>
    public static ServedIdentity FromChain(TestChain chain, bool sendIntermediate = true) =>
        sendIntermediate ? new ServedIdentity(chain.Leaf, chain.Intermediate) : new ServedIdentity(chain.Leaf);
}
