using System.Security.Cryptography;
using IngressCerts.Engine.Certificates;

namespace IngressCerts.Engine.Sync;

/// <summary>
/// A folder (or file share) where another system drops certificates: PFX/PKCS#12 files (with one password), PEM files
/// holding certificate and key, or a .crt/.cer with a .key of the same name. For a target it picks the newest
/// certificate that is valid now, has its key, covers every host and expires after what the Secret holds. Files it
/// cannot read are reported through <c>warn</c> and skipped, never a stop.
/// </summary>
public sealed class DropFolderSource : ISyncSource
{
    private static readonly string[] PfxExtensions = [".pfx", ".p12"];
    private static readonly string[] PemExtensions = [".pem"];
    private static readonly string[] CertificateExtensions = [".crt", ".cer"];

    private readonly string _path;
    private readonly char[] _password;
    private readonly bool _includeRoot;
    private readonly Action<string>? _warn;
    private readonly Action<string>? _diagnostics;
    private readonly Func<DateTimeOffset> _clock;

    /// <param name="password">The PFX password; the source keeps this array (the caller wipes it after the run).</param>
    public DropFolderSource(string path, char[] password, bool includeRoot, Action<string>? warn, Action<string>? diagnostics = null, Func<DateTimeOffset>? clock = null)
    {
        _path = path;
        _password = password;
        _includeRoot = includeRoot;
        _warn = warn;
        _diagnostics = diagnostics;
        _clock = clock ?? (() => DateTimeOffset.UtcNow);
    }

    public Task<SourceAnswer> ObtainAsync(SyncTarget target, CancellationToken cancellationToken)
    {
        var now = _clock();
        CertificateBundle? best = null;
        string? bestFile = null;
        foreach (string file in Files())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var bundle = Read(file, cancellationToken);
            if (bundle is null)
            {
                continue;
            }

            string? why = Reject(bundle, target, now);
            if (why is not null || (best is not null && !IsNewer(bundle, best)))
            {
                _diagnostics?.Invoke($"Sync {target}: {file} not taken: {why ?? "a newer certificate is in the folder"}.");
                bundle.Dispose();
                continue;
            }

            best?.Dispose();
            best = bundle;
            bestFile = file;
        }

        if (best is null)
        {
            return Task.FromResult(SourceAnswer.NothingNewer($"No certificate in '{_path}' is valid, has its key, covers {string.Join(", ", target.Hosts)} and is newer than the Secret's."));
        }

        _diagnostics?.Invoke($"Sync {target}: taking {bestFile} ({best.Leaf.Thumbprint}, expires {best.Leaf.NotAfter.ToUniversalTime():yyyy-MM-dd}).");
        return Task.FromResult(SourceAnswer.Publish(best));
    }

    private IEnumerable<string> Files()
    {
        if (File.Exists(_path))
        {
            return [_path];
        }

        try
        {
            return Directory.EnumerateFiles(_path).Order(StringComparer.Ordinal).ToList();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _warn?.Invoke($"The folder '{_path}' could not be read: {ex.Message}");
            return [];
        }
    }

    private static bool IsNewer(CertificateBundle candidate, CertificateBundle best) =>
        candidate.Leaf.NotBefore > best.Leaf.NotBefore
        || (candidate.Leaf.NotBefore == best.Leaf.NotBefore && candidate.Leaf.NotAfter > best.Leaf.NotAfter);

    private static string? Reject(CertificateBundle bundle, SyncTarget target, DateTimeOffset now)
    {
        var failures = bundle.Preflight(target.Hosts, now);
        if (failures.Count > 0)
        {
            return string.Join("; ", failures.Select(f => f.Message));
        }

        if (target.CurrentNotAfter is { } current && bundle.Leaf.NotAfter.ToUniversalTime() <= current.ToUniversalTime())
        {
            return $"it expires {bundle.Leaf.NotAfter.ToUniversalTime():yyyy-MM-dd}, not after the Secret's certificate ({current:yyyy-MM-dd})";
        }

        return null;
    }

    private CertificateBundle? Read(string file, CancellationToken cancellationToken)
    {
        string extension = Path.GetExtension(file).ToLowerInvariant();
        try
        {
            if (PfxExtensions.Contains(extension))
            {
                return CertificateBundle.FromPfxFile(file, _password, _includeRoot, cancellationToken);
            }

            if (PemExtensions.Contains(extension))
            {
                byte[] pem = File.ReadAllBytes(file);
                try
                {
                    return CertificateBundle.FromPem(pem, pem, default, _includeRoot);
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(pem);
                }
            }

            if (CertificateExtensions.Contains(extension))
            {
                string keyFile = Path.ChangeExtension(file, ".key");
                byte[] crt = File.ReadAllBytes(file);
                byte[] key = File.Exists(keyFile) ? File.ReadAllBytes(keyFile) : [];
                try
                {
                    return CertificateBundle.FromPem(crt, key, default, _includeRoot);
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(key);
                }
            }
        }
        catch (Exception ex) when (ex is CertificateBundleException or CryptographicException or IOException or UnauthorizedAccessException or InvalidDataException)
        {
            _warn?.Invoke($"'{file}' could not be read and was skipped: {ex.Message}");
        }

        return null;
    }

}
