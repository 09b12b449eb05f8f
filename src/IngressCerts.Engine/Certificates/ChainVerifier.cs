using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IngressCerts.Engine.Certificates;

/// <summary>
/// Checks that a leaf chains up, through the certificates of its bundle, to a trusted root
/// (the system's roots plus any extra roots) with every signature verifying. Offline: no
/// revocation checks, no fetching of missing issuers. Time validity is left out because
/// expiry is its own finding.
/// </summary>
/// <remarks>
/// Results are cached by the bundle's content: a scan meets the same certificate again and
/// again (one wildcard secret copied to many namespaces, the same intermediates everywhere),
/// and X509Chain is by far the costliest step of an evaluation. The cache is bounded and
/// belongs to one verifier, i.e. one trust set and one verification time.
/// A finer cache (is this issuer a system root?) would not pay: X509Chain costs about the same
/// per build whatever the chain holds, and .NET already loads the system store once per process.
/// </remarks>
internal sealed class ChainVerifier
{
    private const int MaxCachedResults = 10_000;

    private const X509ChainStatusFlags TimeFlags =
        X509ChainStatusFlags.NotTimeValid | X509ChainStatusFlags.NotTimeNested | X509ChainStatusFlags.CtlNotTimeValid;

    private const X509ChainStatusFlags UntrustedFlags = X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain;

    // Statuses that are not about the chain's shape or signatures, or that offline building reports anyway.
    private const X509ChainStatusFlags IgnoredFlags = TimeFlags
        | X509ChainStatusFlags.RevocationStatusUnknown | X509ChainStatusFlags.OfflineRevocation
        | X509ChainStatusFlags.NotValidForUsage | X509ChainStatusFlags.CtlNotValidForUsage;

    private readonly X509Certificate2Collection extraRoots;
    private readonly HashSet<string> extraRootSubjects;
    private readonly DateTime verificationTime;
    private readonly string bundleName;
    private readonly ConcurrentDictionary<string, IReadOnlyList<CertificateFinding>> cache = new(StringComparer.Ordinal);

    /// <param name="extraRoots">Roots trusted besides the system's.</param>
    /// <param name="verificationTime">The time the chain is built at.</param>
    /// <param name="bundleName">What to call the bundle in messages.</param>
    public ChainVerifier(IEnumerable<X509Certificate2> extraRoots, DateTimeOffset verificationTime, string bundleName = "tls.crt")
    {
        this.bundleName = bundleName;
        this.extraRoots = new X509Certificate2Collection(extraRoots.ToArray());
        extraRootSubjects = this.extraRoots.Select(r => Convert.ToHexString(r.SubjectName.RawData)).ToHashSet(StringComparer.Ordinal);
        this.verificationTime = verificationTime.UtcDateTime;
    }

    /// <summary>IncompleteChain findings (missing issuer, bad signature, invalid chain) and notes (untrusted root, self-signed leaf).</summary>
    public IReadOnlyList<CertificateFinding> Verify(OrderedChain chain)
    {
        var key = CacheKey(chain);
        if (cache.TryGetValue(key, out var cached))
        {
            return cached;
        }

        var findings = Build(chain);
        if (cache.Count >= MaxCachedResults)
        {
            cache.Clear();
        }

        cache[key] = findings;
        return findings;
    }

    private static string CacheKey(OrderedChain chain)
    {
        // The leaf first, then the rest sorted: X509Chain does not care about the bundle's order.
        var others = chain.All.Skip(1).Select(c => c.Sha256Fingerprint).Order(StringComparer.Ordinal);
        return string.Join('|', others.Prepend(chain.Leaf.Sha256Fingerprint));
    }

    private IReadOnlyList<CertificateFinding> Build(OrderedChain ordered)
    {
        var others = ordered.All.Skip(1).Select(c => c.Certificate).ToArray();
        try
        {
            // Custom root trust ignores the system's roots, so a chain may need both kinds of build.
            // Each costs about a third of a millisecond whatever the chain's length, so the likelier
            // one goes first (custom when the chain's top is, or is issued by, an extra root) and the
            // other only runs when the first could not anchor the chain.
            var customFirst = extraRoots.Count > 0 && EndsAtExtraRoot(ordered);
            var result = BuildOnce(ordered.Leaf.Certificate, others, customTrust: customFirst);
            if ((result.Flags & UntrustedFlags) != 0 && extraRoots.Count > 0)
            {
                var other = BuildOnce(ordered.Leaf.Certificate, others, customTrust: !customFirst);
                if ((other.Flags & UntrustedFlags) == 0)
                {
                    result = other;
                }
            }

            return Interpret(result, ordered);
        }
        catch (CryptographicException e)
        {
            return [new(FindingIds.InvalidChain, CertificateStatus.IncompleteChain, $"the chain of '{ordered.Leaf.DisplayName}' could not be built: {e.Message}")];
        }
    }

    private bool EndsAtExtraRoot(OrderedChain ordered)
    {
        var top = ordered.Chain[^1];
        return extraRootSubjects.Contains(Convert.ToHexString(top.IssuerNameBytes))
            || extraRootSubjects.Contains(Convert.ToHexString(top.SubjectNameBytes));
    }

    private BuildResult BuildOnce(X509Certificate2 leaf, X509Certificate2[] others, bool customTrust)
    {
        using var chain = new X509Chain();
        var policy = chain.ChainPolicy;
        policy.RevocationMode = X509RevocationMode.NoCheck;
        policy.DisableCertificateDownloads = true;
        policy.VerificationTime = verificationTime;
        policy.VerificationFlags = X509VerificationFlags.IgnoreNotTimeValid
            | X509VerificationFlags.IgnoreNotTimeNested
            | X509VerificationFlags.IgnoreCtlNotTimeValid
            | X509VerificationFlags.IgnoreWrongUsage;
        policy.ExtraStore.AddRange(others);
        if (customTrust)
        {
            policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            policy.CustomTrustStore.AddRange(extraRoots);
        }

        chain.Build(leaf);
        var elements = new List<ElementResult>(chain.ChainElements.Count);
        foreach (var element in chain.ChainElements)
        {
            var flags = X509ChainStatusFlags.NoError;
            var information = new List<string>();
            foreach (var status in element.ChainElementStatus)
            {
                flags |= status.Status;
                if ((status.Status & ~IgnoredFlags) != 0 && !string.IsNullOrWhiteSpace(status.StatusInformation))
                {
                    information.Add(status.StatusInformation.Trim());
                }
            }

            var certificate = element.Certificate;
            elements.Add(new ElementResult(
                certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false),
                certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: true),
                certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData),
                flags & ~IgnoredFlags,
                information));

            // Chain elements are fresh copies holding native handles: release them now rather than
            // leaving thousands to the finalizer during a scan.
            certificate.Dispose();
        }

        var overall = X509ChainStatusFlags.NoError;
        foreach (var status in chain.ChainStatus)
        {
            overall |= status.Status;
        }

        return new BuildResult(overall & ~IgnoredFlags, elements);
    }

    private IReadOnlyList<CertificateFinding> Interpret(BuildResult result, OrderedChain ordered)
    {
        var findings = new List<CertificateFinding>();
        var elements = result.Elements;
        var remaining = result.Flags;

        for (var i = 0; i < elements.Count; i++)
        {
            if ((elements[i].Flags & X509ChainStatusFlags.NotSignatureValid) != 0)
            {
                var issuer = i + 1 < elements.Count ? elements[i + 1].Name : elements[i].IssuerName;
                findings.Add(new(
                    FindingIds.BadSignature,
                    CertificateStatus.IncompleteChain,
                    $"the signature on certificate '{elements[i].Name}' does not verify with the key of its issuer '{issuer}'"));
            }
        }

        remaining &= ~X509ChainStatusFlags.NotSignatureValid;

        var top = elements.Count > 0 ? elements[^1] : null;
        if ((result.Flags & X509ChainStatusFlags.PartialChain) != 0 && top is not null)
        {
            findings.Add(new(
                FindingIds.MissingIssuer,
                CertificateStatus.IncompleteChain,
                $"the issuer '{top.IssuerName}' of certificate '{top.Name}' is neither in {bundleName} nor a trusted root: an intermediate certificate is missing, or the issuer is a private CA whose root is not trusted here (pass it with -TrustedRootPath)"));
        }
        else if ((result.Flags & X509ChainStatusFlags.UntrustedRoot) != 0 && top is not null)
        {
            findings.Add(elements.Count == 1 && ordered.Leaf.IsSelfIssued
                ? new(
                    FindingIds.SelfSignedLeaf,
                    CertificateStatus.Valid,
                    $"certificate '{top.Name}' is self-signed: clients trust it only where it is installed as a root")
                : new(
                    FindingIds.UntrustedRoot,
                    CertificateStatus.Valid,
                    $"the chain ends in root '{top.Name}', which is not a trusted root"));
        }

        remaining &= ~UntrustedFlags;
        if (remaining != X509ChainStatusFlags.NoError)
        {
            var details = elements.SelectMany(e => e.Information).Distinct().ToList();
            findings.Add(new(
                FindingIds.InvalidChain,
                CertificateStatus.IncompleteChain,
                $"the chain of '{ordered.Leaf.DisplayName}' is invalid: {(details.Count > 0 ? string.Join("; ", details) : remaining.ToString())}"));
        }

        return findings;
    }

    private sealed record ElementResult(string Name, string IssuerName, bool IsSelfIssued, X509ChainStatusFlags Flags, IReadOnlyList<string> Information);

    private sealed record BuildResult(X509ChainStatusFlags Flags, IReadOnlyList<ElementResult> Elements);
}
