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

        var read = CertificateInfo.TryRead(der.ToArray(), hash.ToArray());
        Interlocked.Increment(ref _read);
        _byContent.Offer(key, read);
        return read;
    }
}
