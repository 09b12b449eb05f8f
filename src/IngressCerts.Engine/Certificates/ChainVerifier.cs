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
/// X509Chain is by far the costliest step of an evaluation (about 0.4 ms a build on Linux), so it runs as rarely as
/// the answer allows. Results are cached by the bundle's content: a scan meets the same bundle again and again (one
/// wildcard secret copied to many namespaces). And leaves that differ but share their issuer and the rest of their
/// bundle (every certificate one CA issued, as cert-manager fleets are) share the part of the answer above the leaf:
/// the first such leaf gets a full build, which also fixes the issuer X509Chain picks; each later one only needs its
/// own signature checked with that issuer's key (about 50 µs). That shortcut is taken only where a full build could
/// not answer differently: the leaf is no CA, has no critical extension beyond the usual four, is signed with RSA
/// PKCS#1 or ECDSA over SHA-2, its signature verifies, and nothing above it constrains names or policies. Anything
/// else gets a full build. The caches are bounded and belong to one verifier, i.e. one trust set and one
/// verification time.
/// </remarks>
internal sealed class ChainVerifier
{
    // Bounded so that a fleet of distinct leaves does not keep every answer alive for the whole scan.
    private const int MaxCachedResults = 2048;

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
    private readonly RecurrenceCache<IReadOnlyList<CertificateFinding>> cache = new(MaxCachedResults);
    private readonly ConcurrentDictionary<ContentKey, IssuerPath> issuerPaths = new();
    private readonly object identity = new();
    private int fullBuilds;
    private int cachedPaths;

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

    /// <summary>How many times X509Chain was built (for tests and measurements).</summary>
    internal int FullBuilds => Volatile.Read(ref fullBuilds);

    /// <summary>
    /// IncompleteChain findings (missing issuer, bad signature, invalid chain), UntrustedRoot (complete up to a root
    /// that is not trusted) and notes (self-signed leaf).
    /// </summary>
    /// <param name="knownRoots">
    /// Roots known besides the bundle, though not trusted (the self-issued certificates of the Secret's ca.crt): a
    /// chain that reaches one is complete, and gets UntrustedRoot rather than IncompleteChain.
    /// </param>
    public IReadOnlyList<CertificateFinding> Verify(OrderedChain chain, IReadOnlyList<CertificateInfo>? knownRoots = null)
    {
        knownRoots ??= [];

        // A certificate read once and shared (a copied wildcard leaf) meets the same bundle again and again: its last
        // answer, kept on the leaf itself, is found without hashing anything.
        var leaf = chain.Leaf;
        if (leaf.LastChainAnswer is { } last && ReferenceEquals(last.Verifier, identity) && SameCertificates(last.Others, chain.All, knownRoots))
        {
            return last.Findings;
        }

        var answer = VerifyByContent(chain, knownRoots);
        leaf.LastChainAnswer = new ChainAnswer(identity, Others(chain.All, knownRoots), answer);
        return answer;
    }

    /// <summary>The bundle after its leaf, then the known roots; one array (a spread of Skip allocated a builder per Secret).</summary>
    private static CertificateInfo[] Others(IReadOnlyList<CertificateInfo> all, IReadOnlyList<CertificateInfo> knownRoots)
    {
        var others = new CertificateInfo[all.Count - 1 + knownRoots.Count];
        for (var i = 0; i < others.Length; i++)
        {
            others[i] = i < all.Count - 1 ? all[i + 1] : knownRoots[i - (all.Count - 1)];
        }

        return others;
    }

    /// <summary>True when <paramref name="others"/> are, instance for instance, the bundle after its leaf and then the known roots.</summary>
    private static bool SameCertificates(CertificateInfo[] others, IReadOnlyList<CertificateInfo> all, IReadOnlyList<CertificateInfo> knownRoots)
    {
        if (others.Length != all.Count - 1 + knownRoots.Count)
        {
            return false;
        }

        for (var i = 0; i < others.Length; i++)
        {
            var expected = i < all.Count - 1 ? all[i + 1] : knownRoots[i - (all.Count - 1)];
            if (!ReferenceEquals(others[i], expected))
            {
                return false;
            }
        }

        return true;
    }

    private IReadOnlyList<CertificateFinding> VerifyByContent(OrderedChain chain, IReadOnlyList<CertificateInfo> knownRoots)
    {
        var pathKey = IssuerPathKey(chain, knownRoots);
        Span<byte> both = stackalloc byte[2 * SHA256.HashSizeInBytes];
        chain.Leaf.Sha256.CopyTo(both);
        pathKey.WriteTo(both[SHA256.HashSizeInBytes..]);
        var key = ContentKey.Of(both);
        if (cache.TryGet(key, out var cached))
        {
            return cached;
        }

        var findings = VerifyBelowKnownIssuer(chain, knownRoots, pathKey) ?? Build(chain, knownRoots);
        cache.Offer(key, findings);
        return findings;
    }

    /// <summary>
    /// The answer for a leaf whose issuer path a full build has met before, from that build and one signature check;
    /// null when the leaf or the path is not one the shortcut may answer for (then a full build runs).
    /// </summary>
    private IReadOnlyList<CertificateFinding>? VerifyBelowKnownIssuer(OrderedChain ordered, IReadOnlyList<CertificateInfo> knownRoots, ContentKey key)
    {
        var leaf = ordered.Leaf;
        if (leaf.IsSelfIssued || leaf.IsCertificateAuthority || leaf.NeedsFullChainBuild
            || leaf.Signed is not { } signed || SignatureHash(signed.AlgorithmOid) is null)
        {
            return null;
        }

        if (!issuerPaths.TryGetValue(key, out var path))
        {
            var (findings, result) = BuildWithResult(ordered, knownRoots);
            var built = IssuerPath.From(result);
            if (!built.Usable)
            {
                // Not kept: the next leaf of this issuer gets a full build and may make a usable path (this leaf
                // may have been the odd one out, e.g. with a bad signature).
                built.Dispose();
                return findings;
            }

            if (Interlocked.Increment(ref cachedPaths) > MaxCachedResults)
            {
                foreach (var stale in issuerPaths.Values)
                {
                    stale.Dispose();
                }

                issuerPaths.Clear();
                Interlocked.Exchange(ref cachedPaths, 0);
            }

            if (!issuerPaths.TryAdd(key, built))
            {
                built.Dispose();
            }

            return findings;
        }

        if (path.IssuerKey is not null && !path.Verifies(signed))
        {
            // A bad signature gets the platform's own account of it.
            return null;
        }

        if (path.FindingsIgnoreLeaf && path.LastFindings is { } known)
        {
            return known;
        }

        var leafElement = new ElementResult(leaf.DisplayName, leaf.IssuerDisplayName, false, path.LeafFlags, []);
        return path.Share(Interpret(new BuildResult(path.Flags, [leafElement, .. path.Above]), ordered));
    }

    /// <summary>
    /// What decides the path above a leaf: its issuer's name and key id, and the rest of its bundle and the known roots
    /// (in any order: X509Chain does not care about the bundle's order, and a root reached in ca.crt completes the
    /// chain as one at the end of tls.crt does).
    /// </summary>
    private static ContentKey IssuerPathKey(OrderedChain chain, IReadOnlyList<CertificateInfo> knownRoots)
    {
        var leaf = chain.Leaf;
        var all = chain.All;
        var otherCount = all.Count - 1 + knownRoots.Count;
        var length = 4 + leaf.IssuerNameBytes.Length + 4 + leaf.AuthorityKeyId.Length + (otherCount * SHA256.HashSizeInBytes);

        // One SHA-256 over the parts laid end to end (lengths first, so that no two different inputs meet); this runs
        // for every Secret of a scan, so the buffer is on the stack unless the names are unusually long.
        byte[]? rented = length > 1024 ? System.Buffers.ArrayPool<byte>.Shared.Rent(length) : null;
        Span<byte> input = rented ?? stackalloc byte[1024];
        var position = 0;
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(input[position..], leaf.IssuerNameBytes.Length);
        position += 4;
        leaf.IssuerNameBytes.CopyTo(input[position..]);
        position += leaf.IssuerNameBytes.Length;
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(input[position..], leaf.AuthorityKeyId.Length);
        position += 4;
        leaf.AuthorityKeyId.CopyTo(input[position..]);
        position += leaf.AuthorityKeyId.Length;
        // The others' hashes in byte order (an insertion sort in place: there are rarely more than two), which is the
        // order of their hex fingerprints, without a LINQ pipeline or a fingerprint string per Secret.
        var first = position;
        Span<byte> swap = stackalloc byte[SHA256.HashSizeInBytes];
        for (var i = 0; i < otherCount; i++)
        {
            var other = i < all.Count - 1 ? all[i + 1] : knownRoots[i - (all.Count - 1)];
            other.Sha256.CopyTo(input[position..]);
            for (var at = position; at > first && input.Slice(at - SHA256.HashSizeInBytes, SHA256.HashSizeInBytes).SequenceCompareTo(input.Slice(at, SHA256.HashSizeInBytes)) > 0; at -= SHA256.HashSizeInBytes)
            {
                input.Slice(at - SHA256.HashSizeInBytes, SHA256.HashSizeInBytes).CopyTo(swap);
                input.Slice(at, SHA256.HashSizeInBytes).CopyTo(input[(at - SHA256.HashSizeInBytes)..]);
                swap.CopyTo(input[at..]);
            }

            position += SHA256.HashSizeInBytes;
        }

        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(input[..position], digest);
        if (rented is not null)
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }

        return new ContentKey(digest);
    }

    private static HashAlgorithmName? SignatureHash(string algorithmOid) => algorithmOid switch
    {
        "1.2.840.113549.1.1.11" or "1.2.840.10045.4.3.2" => HashAlgorithmName.SHA256,
        "1.2.840.113549.1.1.12" or "1.2.840.10045.4.3.3" => HashAlgorithmName.SHA384,
        "1.2.840.113549.1.1.13" or "1.2.840.10045.4.3.4" => HashAlgorithmName.SHA512,
        _ => null,
    };

    private IReadOnlyList<CertificateFinding> Build(OrderedChain ordered, IReadOnlyList<CertificateInfo> knownRoots) => BuildWithResult(ordered, knownRoots).Findings;

    private (IReadOnlyList<CertificateFinding> Findings, BuildResult? Result) BuildWithResult(OrderedChain ordered, IReadOnlyList<CertificateInfo> knownRoots)
    {
        try
        {
            var others = ordered.All.Skip(1).Concat(knownRoots).Select(c => c.Certificate).ToArray();
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

            return (Interpret(result, ordered), result);
        }
        catch (CryptographicException e)
        {
            return ([new(FindingIds.InvalidChain, CertificateStatus.IncompleteChain, $"the chain of '{ordered.Leaf.DisplayName}' could not be built: {e.Message}")], null);
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
        Interlocked.Increment(ref fullBuilds);
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
            var info = new CertificateInfo(certificate);
            elements.Add(new ElementResult(
                info.DisplayName,
                info.IssuerDisplayName,
                certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData),
                flags & ~IgnoredFlags,
                information,
                info.ConstrainsSubordinates,
                info.Signed?.SubjectPublicKeyInfo.ToArray()));

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

        // Only the leaf's own issuer missing makes the chain incomplete: above a certificate of the bundle, an issuer
        // that is neither there nor trusted cannot be told from a private CA's root, which servers need not send.
        var top = elements.Count > 0 ? elements[^1] : null;
        if ((result.Flags & X509ChainStatusFlags.PartialChain) != 0 && top is not null)
        {
            findings.Add(elements.Count == 1
                ? new(
                    FindingIds.MissingIssuer,
                    CertificateStatus.IncompleteChain,
                    $"the issuer '{top.IssuerName}' of certificate '{top.Name}' is neither in {bundleName} nor a trusted root: an intermediate certificate is missing, or the issuer is a private CA whose root is not trusted here (pass it with -TrustedRootPath)")
                : new(
                    FindingIds.UntrustedRoot,
                    CertificateStatus.UntrustedRoot,
                    $"the chain is complete up to '{top.Name}', whose issuer '{top.IssuerName}' is not a trusted root here: clients that do not trust '{top.IssuerName}' reject it (pass a private CA's root with -TrustedRootPath)"));
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
                    CertificateStatus.UntrustedRoot,
                    $"the chain ends in root '{top.Name}', which is not a trusted root here: clients that do not trust it reject the chain (pass a private CA's root with -TrustedRootPath)"));
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

    /// <param name="Name">The certificate's CN (or whole subject), for messages.</param>
    /// <param name="IssuerName">Its issuer's CN (or whole name).</param>
    /// <param name="IsSelfIssued">Subject and issuer names are the same.</param>
    /// <param name="Flags">What the build found about this element, less what this verifier ignores.</param>
    /// <param name="Information">The platform's words for those flags.</param>
    /// <param name="ConstrainsSubordinates">It carries name or policy constraints, which depend on what is below it.</param>
    /// <param name="SubjectPublicKeyInfo">Its encoded key, to check what it signed; null when unreadable.</param>
    private sealed record ElementResult(
        string Name,
        string IssuerName,
        bool IsSelfIssued,
        X509ChainStatusFlags Flags,
        IReadOnlyList<string> Information,
        bool ConstrainsSubordinates = false,
        byte[]? SubjectPublicKeyInfo = null);

    private sealed record BuildResult(X509ChainStatusFlags Flags, IReadOnlyList<ElementResult> Elements);

    /// <summary>A verifier's answer for a leaf with these other certificates (the same instances, in bundle order).</summary>
    /// <remarks>
    /// Holds the verifier's <see cref="identity"/>, not the verifier: results a user keeps would otherwise keep its
    /// caches (and the issuer keys in them) alive.
    /// </remarks>
    internal sealed record ChainAnswer(object Verifier, CertificateInfo[] Others, IReadOnlyList<CertificateFinding> Findings);

    /// <summary>
    /// What a full build found above one leaf, to answer for other leaves of the same issuer: usable when the leaf
    /// itself raised nothing and nothing above depends on the leaf. Holds the issuer's key (a few instances, one per
    /// thread checking a signature at the time) when the build found the issuer.
    /// </summary>
    private sealed class IssuerPath : IDisposable
    {
        private readonly ConcurrentBag<AsymmetricAlgorithm> keys = [];
        private volatile IReadOnlyList<CertificateFinding>? lastFindings;

        private IssuerPath(bool usable, X509ChainStatusFlags flags, X509ChainStatusFlags leafFlags, IReadOnlyList<ElementResult> above, byte[]? issuerKey)
        {
            Usable = usable;
            Flags = flags;
            LeafFlags = leafFlags;
            Above = above;
            IssuerKey = issuerKey;
        }

        public bool Usable { get; }

        public X509ChainStatusFlags Flags { get; }

        public X509ChainStatusFlags LeafFlags { get; }

        public IReadOnlyList<ElementResult> Above { get; }

        public byte[]? IssuerKey { get; }

        /// <summary>
        /// The findings for a leaf below this path do not depend on the leaf: the leaf raised nothing, the build found
        /// its issuer, and nothing is wrong beyond signatures above the leaf, a missing issuer or an untrusted root,
        /// whose messages name only certificates of the path. Then <see cref="LastFindings"/> answers for every leaf
        /// whose signature verifies, without formatting the same messages again.
        /// </summary>
        public bool FindingsIgnoreLeaf =>
            Above.Count > 0
            && LeafFlags == X509ChainStatusFlags.NoError
            && (Flags & ~(X509ChainStatusFlags.NotSignatureValid | UntrustedFlags)) == X509ChainStatusFlags.NoError;

        public IReadOnlyList<CertificateFinding>? LastFindings => lastFindings;

        /// <summary>
        /// <paramref name="findings"/>, or the equal list handed out before: most answers for a path do not name the
        /// leaf (a missing root, an untrusted one), and results that are kept should not each keep a copy.
        /// </summary>
        public IReadOnlyList<CertificateFinding> Share(IReadOnlyList<CertificateFinding> findings)
        {
            var last = lastFindings;
            if (last is not null && last.Count == findings.Count)
            {
                var same = true;
                for (var i = 0; same && i < last.Count; i++)
                {
                    same = last[i] == findings[i];
                }

                if (same)
                {
                    return last;
                }
            }

            lastFindings = findings;
            return findings;
        }

        public static IssuerPath From(BuildResult? result)
        {
            if (result is null || result.Elements.Count == 0)
            {
                return new IssuerPath(false, default, default, [], null);
            }

            var leafFlags = result.Elements[0].Flags;
            var above = result.Elements.Skip(1).ToArray();

            // A chain of the leaf alone is shared only when the build found no issuer (PartialChain): a leaf that is
            // itself a trusted root ends a chain too, and its siblings are not.
            var usable = above.Length == 0
                ? (result.Flags & X509ChainStatusFlags.PartialChain) != 0 && (leafFlags & ~X509ChainStatusFlags.PartialChain) == X509ChainStatusFlags.NoError
                : leafFlags == X509ChainStatusFlags.NoError && above[0].SubjectPublicKeyInfo is not null && !above.Any(e => e.ConstrainsSubordinates);
            return new IssuerPath(usable, result.Flags, leafFlags, above, above.Length == 0 ? null : above[0].SubjectPublicKeyInfo);
        }

        /// <summary>True when the issuer's key verifies <paramref name="signed"/>'s signature.</summary>
        public bool Verifies(CertificateInfo.SignedParts signed)
        {
            if (SignatureHash(signed.AlgorithmOid) is not { } hash || IssuerKey is null)
            {
                return false;
            }

            AsymmetricAlgorithm? key = null;
            try
            {
                if (!keys.TryTake(out key))
                {
                    key = CreateKey(IssuerKey);
                }

                // The TBS is hashed here and the hash verified: what VerifyData does, without its copies (the ECDsa that
                // ECDsa.Create returns hashes through a copy of the data and converts the signature twice, about 1.4 KB
                // allocated per leaf).
                Span<byte> digest = stackalloc byte[SHA512.HashSizeInBytes];
                digest = digest[..Hash(hash, signed.Tbs.Span, digest)];
                return key switch
                {
                    RSA rsa when signed.AlgorithmOid.StartsWith("1.2.840.113549.", StringComparison.Ordinal) =>
                        rsa.VerifyHash(digest, signed.Signature.Span, hash, RSASignaturePadding.Pkcs1),
                    ECDsa ecdsa when signed.AlgorithmOid.StartsWith("1.2.840.10045.", StringComparison.Ordinal) =>
                        ecdsa.VerifyHash(digest, signed.Signature.Span, DSASignatureFormat.Rfc3279DerSequence),
                    _ => false,
                };
            }
            catch (CryptographicException)
            {
                return false;
            }
            finally
            {
                if (key is not null)
                {
                    keys.Add(key);
                }
            }
        }

        public void Dispose()
        {
            while (keys.TryTake(out var key))
            {
                key.Dispose();
            }
        }

        private static int Hash(HashAlgorithmName hash, ReadOnlySpan<byte> data, Span<byte> destination) =>
            hash == HashAlgorithmName.SHA256 ? SHA256.HashData(data, destination)
            : hash == HashAlgorithmName.SHA384 ? SHA384.HashData(data, destination)
            : SHA512.HashData(data, destination);

        private static AsymmetricAlgorithm? CreateKey(byte[] subjectPublicKeyInfo)
        {
            var algorithm = new System.Formats.Asn1.AsnReader(subjectPublicKeyInfo, System.Formats.Asn1.AsnEncodingRules.DER)
                .ReadSequence().ReadSequence().ReadObjectIdentifier();
            AsymmetricAlgorithm key = algorithm switch
            {
                PublicKeyIdentity.RsaOid => RSA.Create(),
                // On Linux the OpenSSL class itself: it verifies a DER signature as it is, allocating nothing.
                PublicKeyIdentity.EcPublicKeyOid => OperatingSystem.IsLinux() ? new ECDsaOpenSsl() : ECDsa.Create(),
                _ => throw new CryptographicException("unsupported issuer key"),
            };
            try
            {
                key.ImportSubjectPublicKeyInfo(subjectPublicKeyInfo, out _);
                return key;
            }
            catch
            {
                key.Dispose();
                throw;
            }
        }
    }
}
