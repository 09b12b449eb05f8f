using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Org.BouncyCastle.Pkcs;

namespace IngressCerts.Engine.Certificates;

/// <summary>
/// A certificate, its chain and its private key, ready to be published as a TLS secret:
/// the chain sorted leaf first whatever the input order, the root left out unless asked for,
/// the key as unencrypted PKCS#8. Holds the key as bytes that <see cref="Dispose"/> wipes;
/// <see cref="ToString"/> never shows them.
/// </summary>
public sealed class CertificateBundle : IDisposable
{
    private const string KeySource = "the private key";

    private readonly CertificateInfo leaf;
    private readonly PublicKeyIdentity? key;

    // Why the key, though it has the leaf's public half, does not work as its private half; null when it does.
    private readonly string? possessionProblem;
    private byte[]? pkcs8;
    private bool disposed;

    // The ordered chain and what was left out of it, kept to judge the chain again against roots the caller trusts.
    private readonly OrderedChain judged;
    private readonly IReadOnlyList<string> leftOut;
    private readonly string bundleName;

    private CertificateBundle(CertificateInfo leaf, IReadOnlyList<X509Certificate2> chain, byte[]? pkcs8, PublicKeyIdentity? key, OrderedChain judged, IReadOnlyList<string> leftOut, string bundleName)
    {
        this.leaf = leaf;
        this.pkcs8 = pkcs8;
        this.key = key;
        if (key is not null && pkcs8 is not null && key.Matches(leaf.PublicKey))
        {
            possessionProblem = KeyPossession.CheckPkcs8(pkcs8, leaf.Certificate);
        }

        Chain = chain;
        this.judged = judged;
        this.leftOut = leftOut;
        this.bundleName = bundleName;
        Warnings = WarningsTrusting([]);
        TlsCrtPem = string.Concat(chain.Select(c => new string(PemEncoding.Write("CERTIFICATE", c.RawData)) + "\n"));
    }

    /// <summary>The end-entity certificate, without private key.</summary>
    public X509Certificate2 Leaf => leaf.Certificate;

    /// <summary>The certificates to publish, leaf first, each followed by its issuer.</summary>
    public IReadOnlyList<X509Certificate2> Chain { get; }

    /// <summary>What may be wrong with the bundle without stopping it from being built (a missing intermediate, a root not trusted here, left-out certificates).</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>
    /// As <see cref="Warnings"/>, with the chain judged against <paramref name="trustedRoots"/> besides the system's
    /// roots (a private CA given with -TrustedRootPath).
    /// </summary>
    public IReadOnlyList<string> WarningsTrusting(IEnumerable<X509Certificate2> trustedRoots)
    {
        ArgumentNullException.ThrowIfNull(trustedRoots);

        // Missing intermediates, bad signatures and an untrusted root (a private CA's chain, published all the same);
        // other findings (expiry, hosts) are the preflight's.
        var verifier = new ChainVerifier(trustedRoots, DateTimeOffset.UtcNow, bundleName);
        return leftOut.Concat(verifier.Verify(judged)
            .Where(f => f.Id is FindingIds.MissingIssuer or FindingIds.BadSignature or FindingIds.InvalidChain or FindingIds.UntrustedRoot)
            .Select(f => f.Message)).ToList();
    }

    public bool HasPrivateKey => key is not null;

    /// <summary>The private key's algorithm, or null without a key.</summary>
    public KeyAlgorithm? PrivateKeyAlgorithm => key?.Algorithm;

    /// <summary>
    /// The private key belongs to <see cref="Leaf"/>: it has the leaf's public key, and a signature made with it
    /// verifies with the leaf's public key.
    /// </summary>
    public bool KeyMatchesLeaf => key is not null && key.Matches(leaf.PublicKey) && possessionProblem is null;

    /// <summary>The value for tls.crt: the chain's certificates as PEM, LF line endings.</summary>
    public string TlsCrtPem { get; }

    /// <summary>
    /// The value for tls.key: unencrypted PKCS#8 PEM (a PEM block labelled <c>PRIVATE KEY</c>).
    /// Each call makes a new string, which cannot be wiped: prefer <see cref="GetTlsKeyPemBytes"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The bundle has no private key.</exception>
    /// <exception cref="ObjectDisposedException">The bundle was disposed.</exception>
    public string TlsKeyPem
    {
        get
        {
            var chars = WriteKeyPem();
            try
            {
                return new string(chars);
            }
            finally
            {
                Array.Clear(chars);
            }
        }
    }

    /// <summary>tls.key as ASCII bytes (what a Secret's data holds); the caller should wipe them after use.</summary>
    public byte[] GetTlsKeyPemBytes()
    {
        var chars = WriteKeyPem();
        try
        {
            return Encoding.ASCII.GetBytes(chars);
        }
        finally
        {
            Array.Clear(chars);
        }
    }

    /// <summary>tls.crt as ASCII bytes.</summary>
    public byte[] GetTlsCrtPemBytes() => Encoding.ASCII.GetBytes(TlsCrtPem);

    /// <summary>
    /// Builds a bundle from a certificate with its private key (RSA or ECDSA, as .NET holds them)
    /// and, optionally, more certificates of its chain in any order. A certificate without a
    /// private key gives a bundle without one (<see cref="PreflightCheckIds.NoPrivateKey"/>).
    /// </summary>
    /// <param name="includeRoot">Keep a self-signed root at the end of the chain (clients never need it).</param>
    public static CertificateBundle FromCertificate(X509Certificate2 certificate, IEnumerable<X509Certificate2>? chain = null, bool includeRoot = false)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        byte[]? pkcs8 = null;
        PublicKeyIdentity? key = null;
        if (certificate.HasPrivateKey)
        {
            (pkcs8, key) = ExportKey(certificate);
        }

        return Create([certificate, .. chain ?? []], pkcs8, key, includeRoot, "the bundle");
    }

    /// <summary>Builds a bundle from a PFX (PKCS#12); RSA, ECDSA and Ed25519 keys.</summary>
    /// <param name="password">The PFX password; not kept, never logged.</param>
    /// <param name="cancellationToken">Checked between the PFX's key derivations, each bounded by <see cref="PfxIterationLimit"/>.</param>
    /// <exception cref="CertificateBundleException">
    /// Wrong or missing password, not a PFX, or more key-derivation iterations than <see cref="PfxIterationLimit.TotalLimit"/> (refused before any is run).
    /// </exception>
    public static CertificateBundle FromPfx(ReadOnlySpan<byte> pfx, ReadOnlySpan<char> password, bool includeRoot = false, CancellationToken cancellationToken = default) =>
        FromPfx(pfx, password, includeRoot, "the PFX", cancellationToken);

    /// <summary>Builds a bundle from a PFX file.</summary>
    /// <inheritdoc cref="FromPfx(ReadOnlySpan{byte}, ReadOnlySpan{char}, bool, CancellationToken)"/>
    public static CertificateBundle FromPfxFile(string path, ReadOnlySpan<char> password, bool includeRoot = false, CancellationToken cancellationToken = default)
    {
        var bytes = File.ReadAllBytes(path);
        try
        {
            return FromPfx(bytes, password, includeRoot, $"the PFX '{path}'", cancellationToken);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    private static CertificateBundle FromPfx(ReadOnlySpan<byte> pfx, ReadOnlySpan<char> password, bool includeRoot, string source, CancellationToken cancellationToken)
    {
        // Before .NET or BouncyCastle derive any key: neither bounds the work when a password is given.
        PfxIterationLimit.Check(pfx, password, source, cancellationToken);
        var collection = new X509Certificate2Collection();
        try
        {
            collection.Import(pfx, password, X509KeyStorageFlags.Exportable | X509KeyStorageFlags.EphemeralKeySet);
        }
        catch (CryptographicException)
        {
            // .NET cannot read some PFX files (an Ed25519 key, unusual algorithms): BouncyCastle is tried next.
            collection.Clear();
        }

        try
        {
            var withKey = collection.FirstOrDefault(c => c.HasPrivateKey);
            if (withKey is null)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (TryReadPfxWithBouncyCastle(pfx, password, includeRoot) is { } bundle)
                {
                    return bundle;
                }

                if (collection.Count == 0)
                {
                    throw new CertificateBundleException(password.IsEmpty
                        ? $"{Capitalized(source)} could not be read without a password: give its password (-Password), or check that it is a PFX."
                        : $"{Capitalized(source)} could not be read: the password is wrong, or the data is not a PFX.");
                }

                return Create([.. collection], null, null, includeRoot, "the PFX");
            }

            var (pkcs8, key) = ExportKey(withKey);
            return Create([withKey, .. collection.Where(c => !ReferenceEquals(c, withKey))], pkcs8, key, includeRoot, "the PFX");
        }
        finally
        {
            // These hold the private key in native memory; the bundle keeps key-less copies.
            foreach (var certificate in collection)
            {
                certificate.Dispose();
            }
        }
    }

    private static string Capitalized(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

    /// <summary>
    /// Builds a bundle from PEM (or DER) text: a certificate or whole chain in any order, a private
    /// key (PKCS#1, PKCS#8, SEC1; RSA, ECDSA, Ed25519; empty for none) and optionally more chain certificates.
    /// </summary>
    /// <param name="keySource">What the key came from, as errors name it (e.g. "'tls.key' (-KeyPath)"); default "the private key".</param>
    /// <exception cref="CertificateBundleException">No certificate could be read, or the key is unreadable or encrypted.</exception>
    public static CertificateBundle FromPem(ReadOnlySpan<byte> certificatePem, ReadOnlySpan<byte> keyPem, ReadOnlySpan<byte> chainPem = default, bool includeRoot = false, string? keySource = null)
    {
        var certificates = ReadCertificates(certificatePem, "the certificate");
        if (!PrivateKeyReader.IsBlank(chainPem))
        {
            certificates.AddRange(ReadCertificates(chainPem, "the chain"));
        }

        if (PrivateKeyReader.IsBlank(keyPem))
        {
            return Create(certificates, null, null, includeRoot, "the bundle");
        }

        using var read = PrivateKeyReader.Read(keyPem, keySource ?? KeySource, keepPkcs8: true);
        if (read.Problem is not null)
        {
            throw new CertificateBundleException(read.Problem.Message);
        }

        return Create(certificates, read.TakePkcs8(), read.PublicKey, includeRoot, "the bundle");
    }

    /// <inheritdoc cref="FromPem(ReadOnlySpan{byte}, ReadOnlySpan{byte}, ReadOnlySpan{byte}, bool)"/>
    public static CertificateBundle FromPem(string certificatePem, string? keyPem, string? chainPem = null, bool includeRoot = false, string? keySource = null)
    {
        ArgumentNullException.ThrowIfNull(certificatePem);
        var keyBytes = keyPem is null ? [] : Encoding.UTF8.GetBytes(keyPem);
        try
        {
            return FromPem(Encoding.UTF8.GetBytes(certificatePem), keyBytes, chainPem is null ? default : Encoding.UTF8.GetBytes(chainPem), includeRoot, keySource);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(keyBytes);
        }
    }

    /// <summary>Reasons not to publish this bundle for <paramref name="hosts"/> at <paramref name="asOf"/>; empty when there are none.</summary>
    public IReadOnlyList<PreflightFailure> Preflight(IEnumerable<string> hosts, DateTimeOffset asOf)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        var failures = new List<PreflightFailure>();
        var name = leaf.DisplayName;
        if (key is null)
        {
            failures.Add(new(PreflightCheckIds.NoPrivateKey, $"there is no private key for certificate '{name}'"));
        }
        else if (!key.Matches(leaf.PublicKey))
        {
            failures.Add(new(PreflightCheckIds.KeyMismatch, $"the private key ({key.Description}) does not belong to certificate '{name}' ({leaf.PublicKey.Description})"));
        }
        else if (possessionProblem is not null)
        {
            failures.Add(new(PreflightCheckIds.KeyMismatch, $"the private key ({key.Description}) has the public key of certificate '{name}' but is not its working private key: {possessionProblem}"));
        }

        if (asOf > leaf.NotAfter)
        {
            failures.Add(new(PreflightCheckIds.CertificateExpired, $"certificate '{name}' expired on {leaf.NotAfter:yyyy-MM-dd}"));
        }
        else if (asOf < leaf.NotBefore)
        {
            failures.Add(new(PreflightCheckIds.CertificateNotYetValid, $"certificate '{name}' is not valid before {leaf.NotBefore:yyyy-MM-dd HH:mm} UTC"));
        }

        foreach (var host in hosts.Where(h => !string.IsNullOrWhiteSpace(h)).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            if (!HostMatcher.IsCovered(host, leaf.DnsNames, leaf.IPAddresses))
            {
                failures.Add(new(PreflightCheckIds.HostNotCovered, $"host '{host}' is not covered by certificate '{name}' ({HostMatcher.DescribeCoverage(leaf)})"));
            }
        }

        if (leaf.PublicKey is { Algorithm: KeyAlgorithm.RSA, KeySize: < CertificateEvaluator.MinimumRsaKeySize } weak)
        {
            failures.Add(new(PreflightCheckIds.WeakRsaKey, $"certificate '{name}' has a {weak.KeySize}-bit RSA key; at least {CertificateEvaluator.MinimumRsaKeySize} bits are needed"));
        }

        return failures;
    }

    /// <summary>Wipes the private key.</summary>
    public void Dispose()
    {
        if (pkcs8 is not null)
        {
            CryptographicOperations.ZeroMemory(pkcs8);
            pkcs8 = null;
        }

        disposed = true;
    }

    public override string ToString() =>
        $"{leaf.Subject} ({Chain.Count} {(Chain.Count == 1 ? "certificate" : "certificates")}, {(key is null ? "no private key" : $"{key.Description} private key")})";

    private char[] WriteKeyPem()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (pkcs8 is null)
        {
            throw new InvalidOperationException("The bundle has no private key.");
        }

        var length = PemEncoding.GetEncodedSize("PRIVATE KEY".Length, pkcs8.Length);
        var chars = new char[length + 1];
        PemEncoding.TryWrite("PRIVATE KEY", pkcs8, chars, out var written);
        chars[written] = '\n';
        return chars;
    }

    private static List<X509Certificate2> ReadCertificates(ReadOnlySpan<byte> data, string source)
    {
        var content = CertificateFileReader.Read(data, source, CertificateStatus.InvalidSecret);
        var problem = content.Problems.FirstOrDefault(p => !p.IsNote);
        if (problem is not null || content.Certificates.Count == 0)
        {
            throw new CertificateBundleException(problem?.Message ?? $"{source} holds no certificate");
        }

        return [.. content.Certificates.Select(c => c.Certificate)];
    }

    /// <summary>The certificate's private key as PKCS#8 (owned by the caller) and its public half.</summary>
    private static (byte[] Pkcs8, PublicKeyIdentity Key) ExportKey(X509Certificate2 certificate)
    {
        using AsymmetricAlgorithm key = (AsymmetricAlgorithm?)certificate.GetRSAPrivateKey()
            ?? certificate.GetECDsaPrivateKey()
            ?? throw new CertificateBundleException($"The private key of '{certificate.Subject}' is neither RSA nor ECDSA; pass it as PEM instead.");
        var identity = key is RSA rsa ? PublicKeyIdentity.FromRsa(rsa) : PublicKeyIdentity.FromEcdsa((ECDsa)key);
        return (ExportPkcs8(key), identity);
    }

    private static byte[] ExportPkcs8(AsymmetricAlgorithm key)
    {
        try
        {
            return key.ExportPkcs8PrivateKey();
        }
        catch (CryptographicException)
        {
            return ExportPkcs8ThroughEncryption(key);
        }
    }

    /// <summary>
    /// Windows CNG keys may allow only encrypted export: going through an encrypted PKCS#8 with a
    /// throwaway password and a fresh key object gives the plaintext form.
    /// </summary>
    private static byte[] ExportPkcs8ThroughEncryption(AsymmetricAlgorithm key)
    {
        Span<char> password = stackalloc char[24];
        RandomNumberGenerator.GetItems("abcdefghijklmnopqrstuvwxyz0123456789", password);
        var encrypted = key.ExportEncryptedPkcs8PrivateKey(password, new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 1));
        try
        {
            using AsymmetricAlgorithm copy = key is RSA ? RSA.Create() : ECDsa.Create();
            copy.ImportEncryptedPkcs8PrivateKey(password, encrypted, out _);
            return copy.ExportPkcs8PrivateKey();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(encrypted);
            password.Clear();
        }
    }

    private static CertificateBundle? TryReadPfxWithBouncyCastle(ReadOnlySpan<byte> pfx, ReadOnlySpan<char> password, bool includeRoot)
    {
        var passwordChars = password.ToArray();
        try
        {
            var store = new Pkcs12StoreBuilder().Build();
            using (var stream = new MemoryStream(pfx.ToArray(), writable: false))
            {
                store.Load(stream, passwordChars);
            }

            var alias = store.Aliases.FirstOrDefault(store.IsKeyEntry);
            if (alias is null)
            {
                return null;
            }

            var certificates = store.GetCertificateChain(alias)
                .Select(e => e.Certificate.GetEncoded())
                .Concat(store.Aliases.Where(a => !store.IsKeyEntry(a)).Select(a => store.GetCertificate(a).Certificate.GetEncoded()))
                .Select(der => new X509Certificate2(der))
                .ToList();

            // BouncyCastle's key object cannot be wiped; it is dropped at once and only our PKCS#8 buffer lives on.
            var pkcs8 = PrivateKeyInfoFactory.CreatePrivateKeyInfo(store.GetKey(alias).Key).GetDerEncoded();
            using var read = PrivateKeyReader.Read(pkcs8, KeySource, keepPkcs8: true);
            CryptographicOperations.ZeroMemory(pkcs8);
            if (read.Problem is not null)
            {
                throw new CertificateBundleException(read.Problem.Message);
            }

            return Create(certificates, read.TakePkcs8(), read.PublicKey, includeRoot, "the PFX");
        }
        catch (Exception e) when (e is not CertificateBundleException)
        {
            // Wrong password or not a PFX: the caller reports it.
            return null;
        }
        finally
        {
            Array.Clear(passwordChars);
        }
    }

    /// <summary>Sorts, checks and wraps the certificates; takes ownership of <paramref name="pkcs8"/>.</summary>
    private static CertificateBundle Create(IEnumerable<X509Certificate2> input, byte[]? pkcs8, PublicKeyIdentity? key, bool includeRoot, string bundleName)
    {
        // Key-less copies, one per distinct certificate: the inputs may carry private keys.
        var infos = new List<CertificateInfo>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var certificate in input)
        {
            var copy = new X509Certificate2(certificate.RawData);
            var info = new CertificateInfo(copy);
            if (seen.Add(info.Sha256Fingerprint))
            {
                infos.Add(info);
            }
            else
            {
                copy.Dispose();
            }
        }

        if (infos.Count == 0)
        {
            if (pkcs8 is not null)
            {
                CryptographicOperations.ZeroMemory(pkcs8);
            }

            throw new CertificateBundleException($"{bundleName} holds no certificate");
        }

        var ordered = ChainOrdering.Order(infos, key);
        var leftOut = ordered.Unrelated
            .Select(unrelated => $"certificate '{unrelated.DisplayName}' is not on the chain of '{ordered.Leaf.DisplayName}' and was left out")
            .ToList();
        var published = ordered.Chain.Where(c => includeRoot || !ReferenceEquals(c, ordered.Root)).Select(c => c.Certificate).ToArray();
        return new CertificateBundle(ordered.Leaf, published, pkcs8, key, ordered with { Unrelated = [] }, leftOut, bundleName);
    }
}
