using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IngressCerts.Engine.Certificates;

/// <summary>
/// Certificates already decoded during one scan, by content. Decoding is most of the cost of reading a Secret, and
/// the same certificates recur across Secrets: every Secret of a public CA carries the same intermediate, and
/// wildcard certificates are often copied into many namespaces. A cache lives as long as one scan (it is not
/// static), and certificates taken from it are shared, so a <see cref="ParsedTlsSecret"/> built with one must not
/// be disposed. Thread-safe.
/// </summary>
public sealed class CertificateCache
{
    private readonly ConcurrentDictionary<string, X509Certificate2?> _byContent = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<X509Certificate2, CertificateInfo> _info = new(ReferenceEqualityComparer.Instance);

    /// <summary>How many distinct certificates were decoded.</summary>
    public int Count => _byContent.Count;

    internal X509Certificate2? GetOrLoad(byte[] der, Func<byte[], X509Certificate2?> load) =>
        _byContent.GetOrAdd(Convert.ToBase64String(SHA256.HashData(der)), _ => load(der));

    internal CertificateInfo InfoFor(X509Certificate2 certificate) => _info.GetOrAdd(certificate, c => new CertificateInfo(c));
}
