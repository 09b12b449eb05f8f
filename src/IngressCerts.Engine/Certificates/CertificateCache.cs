using System.Security.Cryptography;

namespace IngressCerts.Engine.Certificates;

/// <summary>
/// Certificates already read during one scan, by content. The same certificates recur across Secrets: every Secret of a
/// public CA carries the same intermediate, and wildcard certificates are often copied into many namespaces; those are
/// read once or twice and shared after that (see <see cref="RecurrenceCache{TValue}"/> for what is kept). A cache lives
/// as long as one scan (it is not static), and certificates taken from it are shared, so a <see cref="ParsedTlsSecret"/>
/// built with one must not be disposed. Thread-safe.
/// </summary>
public sealed class CertificateCache
{
    private readonly RecurrenceCache<CertificateInfo?> _byContent = new(capacity: 4096);

    // Whole tls.crt and ca.crt values, per name and status (their findings' messages and severity depend on both): a
    // copied wildcard Secret repeats its tls.crt, and every Secret of one issuer its ca.crt, byte for byte.
    private readonly RecurrenceCache<CertificateFileContent> _crtFiles = new(capacity: 1024);
    private readonly RecurrenceCache<CertificateFileContent> _caFiles = new(capacity: 1024);
    private int _read;

    /// <summary>How many certificates were read (decoded) so far, recurring ones counted until they were kept.</summary>
    public int Count => Volatile.Read(ref _read);

    /// <summary>The certificate encoded as <paramref name="der"/>, shared when it recurs; null when it is not one.</summary>
    internal CertificateInfo? GetOrRead(ReadOnlySpan<byte> der)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(der, hash);
        var key = new ContentKey(hash);
        if (_byContent.TryGet(key, out var known))
        {
            return known;
        }

        var read = CertificateInfo.TryReadCopy(der, hash.ToArray());
        Interlocked.Increment(ref _read);
        _byContent.Offer(key, read);
        return read;
    }

    /// <summary>
    /// What <see cref="CertificateFileReader.Read"/> says about <paramref name="data"/>, shared when the same bytes recur
    /// under the same name: one hash of the value instead of a PEM scan, a base64 decode and a hash per certificate.
    /// </summary>
    /// <remarks>Only tls.crt and ca.crt beside tls.key are shared: their messages name those fields, and other names are rare.</remarks>
    internal CertificateFileContent GetOrReadFile(ReadOnlySpan<byte> data, string source, CertificateStatus problemStatus, string keyName = TlsSecretParser.PrivateKeyDataKey)
    {
        var files = (source, problemStatus, keyName) switch
        {
            (TlsSecretParser.CertificateDataKey, CertificateStatus.InvalidSecret, TlsSecretParser.PrivateKeyDataKey) => _crtFiles,
            (TlsSecretParser.CaDataKey, CertificateStatus.Valid, TlsSecretParser.PrivateKeyDataKey) => _caFiles,
            _ => null,
        };
        if (files is null)
        {
            return CertificateFileReader.Read(data, source, problemStatus, this, keyName);
        }

        var key = ContentKey.Of(data);
        if (files.TryGet(key, out var known))
        {
            return known;
        }

        var read = CertificateFileReader.Read(data, source, problemStatus, this);
        files.Offer(key, read);
        return read;
    }
}
