using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace IngressCerts.Engine.Publishing;

/// <summary>
/// What a publish writes into the Secret: tls.crt (leaf then chain, PEM) and tls.key (unencrypted PKCS#8 PEM).
/// The key bytes are wiped on dispose and never appear in <see cref="ToString"/>.
/// </summary>
public sealed class PublishPayload : IDisposable
{
    private readonly byte[] _tlsKey;

    public PublishPayload(X509Certificate2 leaf, string tlsCrtPem, byte[] tlsKeyPem)
    {
        Leaf = leaf;
        TlsCrt = Encoding.ASCII.GetBytes(tlsCrtPem);
        _tlsKey = tlsKeyPem;
        Thumbprint = leaf.Thumbprint.ToUpperInvariant();
        NotAfter = leaf.NotAfter.ToUniversalTime();
    }

    public X509Certificate2 Leaf { get; }

    public byte[] TlsCrt { get; }

    internal byte[] TlsKey => _tlsKey;

    public string Thumbprint { get; }

    public DateTime NotAfter { get; }

    public void Dispose() => CryptographicOperations.ZeroMemory(_tlsKey);

    public override string ToString() => $"{Leaf.Subject} {Thumbprint} (expires {NotAfter:yyyy-MM-dd})";
}
