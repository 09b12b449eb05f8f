using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace IngressCerts.Engine.Probing;

/// <summary>
/// Whether this machine's trust store accepts a served chain, remembered per distinct set of served certificates,
/// so a fleet that serves one chain on a thousand host names pays for one chain build, not a thousand.
/// </summary>
/// <remarks>
/// The verdict is the <see cref="SslPolicyErrors.RemoteCertificateChainErrors"/> bit SslStream reported before this
/// cache existed: the same <see cref="X509Chain.Build"/> of the leaf with the served certificates as extra store,
/// the system trust, no revocation check and no downloads, at the current time. It is reused only while it cannot
/// have changed: for the same trust setting (<see cref="ChainTrust"/>, part of the key) and the same served
/// certificates, for at most <see cref="Lifetime"/> (bounds a change of the machine's trust store) and never across
/// a NotBefore or NotAfter of any served certificate or of any element of the chain that was built (the trusted
/// root included, although it is not served).
/// </remarks>
internal sealed class ChainVerdictCache
{
    /// <summary>How long a verdict stands at most.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(60);

    private const int MaxEntries = 4096;

    private static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1");

    private readonly ConcurrentDictionary<string, Verdict> _verdicts = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;

    public ChainVerdictCache(TimeProvider? time = null) => _time = time ?? TimeProvider.System;

    /// <summary>Chain builds done so far (for tests: a cache hit does none).</summary>
    public int Builds => _builds;

    private int _builds;

    /// <summary>
    /// <see cref="SslPolicyErrors.RemoteCertificateChainErrors"/> when <paramref name="trust"/> (by default the
    /// system trust) would reject <paramref name="leaf"/> served with <paramref name="served"/> (wire order, usually
    /// starting with the leaf), else none.
    /// </summary>
    public SslPolicyErrors ChainErrors(X509Certificate2 leaf, IReadOnlyList<X509Certificate2> served, ChainTrust? trust = null)
    {
        trust ??= ChainTrust.System;
        var key = Key(trust, leaf, served);
        var now = _time.GetUtcNow().UtcDateTime;
        if (_verdicts.TryGetValue(key, out var known) && now >= known.From && now < known.Until)
        {
            return known.Errors;
        }

        var fresh = Build(trust, leaf, served, now);
        if (_verdicts.Count >= MaxEntries)
        {
            _verdicts.Clear();
        }

        _verdicts[key] = fresh;
        return fresh.Errors;
    }

    private Verdict Build(ChainTrust trust, X509Certificate2 leaf, IReadOnlyList<X509Certificate2> served, DateTime now)
    {
        Interlocked.Increment(ref _builds);
        using var chain = new X509Chain();
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        if (trust.Roots is { } roots)
        {
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        }

        // What SslStream adds to a policy that names no application policy: the server must be fit for server auth.
        chain.ChainPolicy.ApplicationPolicy.Add(ServerAuthentication);
        foreach (var certificate in served)
        {
            chain.ChainPolicy.ExtraStore.Add(certificate);
        }

        var errors = chain.Build(leaf) ? SslPolicyErrors.None : SslPolicyErrors.RemoteCertificateChainErrors;

        // Valid until the first validity boundary of anything the verdict rests on, and at most Lifetime.
        var from = now;
        var until = now + Lifetime;
        void Bound(X509Certificate2 certificate)
        {
            var notBefore = certificate.NotBefore.ToUniversalTime();
            var notAfter = certificate.NotAfter.ToUniversalTime();
            if (notBefore > now && notBefore < until)
            {
                until = notBefore;
            }

            if (notAfter >= now && notAfter < until)
            {
                until = notAfter;
            }
        }

        Bound(leaf);
        foreach (var certificate in served)
        {
            Bound(certificate);
        }

        foreach (var element in chain.ChainElements)
        {
            Bound(element.Certificate);
        }

        return new Verdict(errors, from, until);
    }

    /// <summary>The trust setting, then SHA-256 of the leaf and of each served certificate in order: a verdict is reused only for all three unchanged.</summary>
    private static string Key(ChainTrust trust, X509Certificate2 leaf, IReadOnlyList<X509Certificate2> served)
    {
        var key = new StringBuilder(trust.Id.Length + 1 + ((served.Count + 1) * SHA256.HashSizeInBytes * 2));
        key.Append(trust.Id).Append('|');
        key.Append(Convert.ToHexString(SHA256.HashData(leaf.RawDataMemory.Span)));
        foreach (var certificate in served)
        {
            key.Append(Convert.ToHexString(SHA256.HashData(certificate.RawDataMemory.Span)));
        }

        return key.ToString();
    }

    private readonly record struct Verdict(SslPolicyErrors Errors, DateTime From, DateTime Until);
}

/// <summary>
/// What a chain verdict trusts: this machine's trust store (what the probe reports), or exactly a given set of roots.
/// Part of every verdict's key, so a verdict is never reused under another trust setting.
/// </summary>
internal sealed class ChainTrust
{
    private ChainTrust(X509Certificate2[]? roots, string id)
    {
        Roots = roots;
        Id = id;
    }

    /// <summary>The system trust store, as SslStream uses it by default.</summary>
    public static ChainTrust System { get; } = new(null, "system");

    /// <summary>Null for the system trust; else the only roots trusted.</summary>
    public X509Certificate2[]? Roots { get; }

    /// <summary>"system", or "roots:" and the sorted SHA-256 of each root's DER: equal for the same set of roots, in any order.</summary>
    public string Id { get; }

    /// <summary>Trusts exactly <paramref name="roots"/> and nothing from the machine's store.</summary>
    public static ChainTrust CustomRoots(IEnumerable<X509Certificate2> roots)
    {
        ArgumentNullException.ThrowIfNull(roots);
        var copies = roots.Select(root => new X509Certificate2(root)).ToArray();
        var hashes = copies.Select(root => Convert.ToHexString(SHA256.HashData(root.RawDataMemory.Span))).Distinct().Order(StringComparer.Ordinal);
        return new ChainTrust(copies, "roots:" + string.Join(',', hashes));
    }
}
