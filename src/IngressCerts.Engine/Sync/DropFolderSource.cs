using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
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
    private readonly Lazy<IReadOnlyList<DropFile>> _files;
    private int _reads;

    /// <param name="password">The PFX password; the source keeps this array (the caller wipes it after the run).</param>
    public DropFolderSource(string path, char[] password, bool includeRoot, Action<string>? warn, Action<string>? diagnostics = null, Func<DateTimeOffset>? clock = null)
    {
        _path = path;
        _password = password;
        _includeRoot = includeRoot;
        _warn = warn;
        _diagnostics = diagnostics;
        _clock = clock ?? (() => DateTimeOffset.UtcNow);
        _files = new Lazy<IReadOnlyList<DropFile>>(Scan, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>How many times a file was read and parsed (once each per run, plus once for each file taken).</summary>
    internal int Reads => _reads;

    /// <summary>What the folder holds, read once per run: each certificate without its key.</summary>
    internal IReadOnlyList<DropFile> Candidates => _files.Value;

    public Task<SourceAnswer> ObtainAsync(SyncTarget target, CancellationToken cancellationToken)
    {
        var best = Choose(target, cancellationToken);
        if (best is null)
        {
            return Task.FromResult(SourceAnswer.NothingNewer(NothingFits(target)));
        }

        // Only now is the key of the one file taken read (and decrypted); the bundle wipes it when disposed.
        var bundle = Read(best.Path, cancellationToken);
        if (bundle is null || !string.Equals(bundle.Leaf.Thumbprint, best.Leaf.Thumbprint, StringComparison.OrdinalIgnoreCase))
        {
            bundle?.Dispose();
            return Task.FromResult(SourceAnswer.NothingNewer($"'{best.Path}', the certificate in '{_path}' chosen for it, changed or went away since the folder was read; the next run looks again."));
        }

        _diagnostics?.Invoke($"Sync {target}: taking {best.Path} ({best.Leaf.Thumbprint}, expires {best.Leaf.NotAfter.ToUniversalTime():yyyy-MM-dd}).");
        return Task.FromResult(SourceAnswer.Publish(bundle));
    }

    /// <summary>
    /// What a run would take for <paramref name="target"/> as planned (-WhatIf), by the same choice as
    /// <see cref="ObtainAsync"/>, judged against the certificate the inventory saw in the Secret (a run reads it again
    /// under the Lease): the file, its thumbprint and expiry, or that nothing fits and the run would fail. Only the
    /// folder's one read is made, the same a run makes: each file's key is read to check that it fits, then wiped; no
    /// key is kept, shown or written.
    /// </summary>
    public string Preview(SyncTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var seen = target.CurrentNotAfter ?? target.Reference.NotAfter;
        var judged = seen is { } notAfter && target.Decision.Action != SyncAction.Created
            ? target with { CurrentNotAfter = notAfter.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(notAfter, DateTimeKind.Utc) : notAfter }
            : target;
        var best = Choose(judged, CancellationToken.None);
        return best is null
            ? $"{NothingFits(judged).TrimEnd('.')}: the run would fail with NoCertificateAvailable."
            : $"It would take '{best.Path}' (thumbprint {best.Leaf.Thumbprint}, expires {best.Leaf.NotAfter.ToUniversalTime():yyyy-MM-dd}).";
    }

    /// <summary>The newest file that fits the target (valid now, with its key, covering every host, newer than the Secret's); null when none does.</summary>
    private DropFile? Choose(SyncTarget target, CancellationToken cancellationToken)
    {
        var now = _clock();
        DropFile? best = null;
        foreach (var file in _files.Value)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string? why = Reject(file, target, now);
            if (why is not null || (best is not null && !IsNewer(file.Leaf, best.Leaf)))
            {
                _diagnostics?.Invoke($"Sync {target}: {file.Path} not taken: {why ?? "a newer certificate is in the folder"}.");
                continue;
            }

            best = file;
        }

        return best;
    }

    private string NothingFits(SyncTarget target) =>
        $"No certificate in '{_path}' is valid, has its key, covers {string.Join(", ", target.Hosts)} and is newer than the Secret's.";

    /// <summary>Reads every file once: its leaf (without key) and what is wrong with its key; the key itself is wiped at once.</summary>
    private IReadOnlyList<DropFile> Scan()
    {
        var found = new List<DropFile>();
        foreach (string file in Files())
        {
            using var bundle = Read(file, CancellationToken.None);
            if (bundle is null)
            {
                continue;
            }

            var keyProblems = bundle.Preflight([], bundle.Leaf.NotBefore.ToUniversalTime())
                .Where(f => f.Id is PreflightCheckIds.NoPrivateKey or PreflightCheckIds.KeyMismatch or PreflightCheckIds.WeakRsaKey)
                .Select(f => f.Message).ToList();
            found.Add(new DropFile(file, new X509Certificate2(bundle.Leaf.RawData), keyProblems));
        }

        return found;
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

    private static bool IsNewer(X509Certificate2 candidate, X509Certificate2 best) =>
        candidate.NotBefore > best.NotBefore
        || (candidate.NotBefore == best.NotBefore && candidate.NotAfter > best.NotAfter);

    private static string? Reject(DropFile file, SyncTarget target, DateTimeOffset now)
    {
        var leaf = file.Leaf;
        var failures = file.KeyProblems.ToList();
        if (now > leaf.NotAfter.ToUniversalTime())
        {
            failures.Add($"certificate '{leaf.Subject}' expired on {leaf.NotAfter.ToUniversalTime():yyyy-MM-dd}");
        }
        else if (now < leaf.NotBefore.ToUniversalTime())
        {
            failures.Add($"certificate '{leaf.Subject}' is not valid before {leaf.NotBefore.ToUniversalTime():yyyy-MM-dd HH:mm} UTC");
        }

        failures.AddRange(target.Hosts.Where(h => !HostMatcher.IsCovered(h, leaf)).Select(h => $"host '{h}' is not covered ({HostMatcher.DescribeCoverage(leaf)})"));
        if (failures.Count > 0)
        {
            return string.Join("; ", failures);
        }

        if (target.CurrentNotAfter is { } current && leaf.NotAfter.ToUniversalTime() <= current.ToUniversalTime())
        {
            return $"it expires {leaf.NotAfter.ToUniversalTime():yyyy-MM-dd}, not after the Secret's certificate ({current:yyyy-MM-dd})";
        }

        return null;
    }

    /// <summary>More than any certificate, chain and key file holds (a PEM with a whole CA bundle is a few hundred KB).</summary>
    private const long MaxFileBytes = 16L << 20;

    /// <summary>
    /// Refuses, before it is opened, a file no certificate comes from: one with no size (a pipe, whose open would wait
    /// for a writer forever; a device, read without end) or one too large to be one (read whole into memory).
    /// </summary>
    private static void CheckSize(string file)
    {
        long length = new FileInfo(file).Length;
        if (length == 0)
        {
            throw new InvalidDataException($"'{file}' is empty or not a regular file (a pipe or a device)");
        }

        if (length > MaxFileBytes)
        {
            throw new InvalidDataException($"'{file}' holds {length} bytes, larger than any certificate file ({MaxFileBytes >> 20} MiB)");
        }
    }

    private CertificateBundle? Read(string file, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _reads);
        string extension = Path.GetExtension(file).ToLowerInvariant();
        try
        {
            if (PfxExtensions.Contains(extension))
            {
                CheckSize(file);
                return CertificateBundle.FromPfxFile(file, _password, _includeRoot, cancellationToken);
            }

            if (PemExtensions.Contains(extension))
            {
                CheckSize(file);
                byte[] pem = File.ReadAllBytes(file);
                try
                {
                    return CertificateBundle.FromPem(pem, pem, default, _includeRoot, $"'{file}'");
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(pem);
                }
            }

            if (CertificateExtensions.Contains(extension))
            {
                string keyFile = Path.ChangeExtension(file, ".key");
                CheckSize(file);
                byte[] crt = File.ReadAllBytes(file);
                bool hasKey = File.Exists(keyFile);
                if (hasKey)
                {
                    CheckSize(keyFile);
                }

                byte[] key = hasKey ? File.ReadAllBytes(keyFile) : [];
                try
                {
                    return CertificateBundle.FromPem(crt, key, default, _includeRoot, $"'{keyFile}'");
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

/// <summary>A certificate found in the drop folder, without its key: the file, its leaf, and what is wrong with its key (nothing when it has its working key).</summary>
internal sealed record DropFile(string Path, X509Certificate2 Leaf, IReadOnlyList<string> KeyProblems);
