namespace IngressCerts.Engine.Certificates;

/// <summary>A bundle's certificates sorted by issuer links.</summary>
/// <param name="Leaf">The end-entity certificate.</param>
/// <param name="Chain">The leaf, then its issuer, then that one's issuer, ... as far as the bundle goes.</param>
/// <param name="Unrelated">Certificates of the bundle that are not on the leaf's chain (duplicates included), in bundle order.</param>
/// <param name="IsInOrder">The bundle lists exactly <see cref="Chain"/>, in that order.</param>
internal sealed record OrderedChain(
    CertificateInfo Leaf,
    IReadOnlyList<CertificateInfo> Chain,
    IReadOnlyList<CertificateInfo> Unrelated,
    bool IsInOrder)
{
    /// <summary>The chain followed by the unrelated certificates: every certificate of the bundle, leaf first.</summary>
    public IReadOnlyList<CertificateInfo> All => Unrelated.Count == 0 ? Chain : [.. Chain, .. Unrelated];

    /// <summary>The last certificate of the chain when it is self-issued (a root), else null.</summary>
    public CertificateInfo? Root => Chain.Count > 1 && Chain[^1].IsSelfIssued ? Chain[^1] : null;
}

/// <summary>Finds the leaf of a certificate bundle and sorts the rest behind it by issuer links.</summary>
internal static class ChainOrdering
{
    /// <summary>
    /// The leaf is a certificate that issues no other certificate of the bundle; among several,
    /// the one matching the private key wins, then one that is not a CA, then the first listed.
    /// </summary>
    public static OrderedChain Order(IReadOnlyList<CertificateInfo> bundle, PublicKeyIdentity? key)
    {
        if (bundle.Count == 0)
        {
            throw new ArgumentException("A bundle needs at least one certificate.", nameof(bundle));
        }

        // Loops rather than LINQ: this runs for every Secret of a scan, and bundles hold two or three certificates.
        var leaf = FindLeaf(bundle, key);
        var chain = new List<CertificateInfo>(bundle.Count) { leaf };
        var remaining = new List<CertificateInfo>(bundle.Count - 1);
        for (var i = 0; i < bundle.Count; i++)
        {
            if (!ReferenceEquals(bundle[i], leaf))
            {
                remaining.Add(bundle[i]);
            }
        }

        var current = leaf;
        while (!current.IsSelfIssued)
        {
            var issuer = FindIssuer(remaining, current);
            if (issuer is null)
            {
                break;
            }

            chain.Add(issuer);
            remaining.Remove(issuer);
            current = issuer;
        }

        var inOrder = remaining.Count == 0;
        for (var i = 0; inOrder && i < chain.Count; i++)
        {
            inOrder = ReferenceEquals(bundle[i], chain[i]);
        }

        return new OrderedChain(leaf, chain, remaining, inOrder);
    }

    private static CertificateInfo FindLeaf(IReadOnlyList<CertificateInfo> bundle, PublicKeyIdentity? key)
    {
        if (bundle.Count == 1)
        {
            return bundle[0];
        }

        // Candidates: certificates that issue no other certificate of the bundle (in a cycle of cross-issued
        // certificates there are none, and the whole bundle is considered).
        CertificateInfo? firstCandidate = null;
        CertificateInfo? firstNonCa = null;
        for (var pass = 0; pass < 2 && firstCandidate is null; pass++)
        {
            for (var i = 0; i < bundle.Count; i++)
            {
                var candidate = bundle[i];
                if (pass == 0 && IssuesAnother(bundle, candidate))
                {
                    continue;
                }

                if (key is not null && key.Matches(candidate.PublicKey))
                {
                    return candidate;
                }

                firstCandidate ??= candidate;
                if (firstNonCa is null && !candidate.IsCertificateAuthority)
                {
                    firstNonCa = candidate;
                }
            }
        }

        return firstNonCa ?? firstCandidate!;
    }

    private static bool IssuesAnother(IReadOnlyList<CertificateInfo> bundle, CertificateInfo candidate)
    {
        for (var i = 0; i < bundle.Count; i++)
        {
            var other = bundle[i];
            if (!ReferenceEquals(other, candidate) && other.IsIssuedBy(candidate))
            {
                return true;
            }
        }

        return false;
    }

    private static CertificateInfo? FindIssuer(List<CertificateInfo> candidates, CertificateInfo certificate)
    {
        foreach (var candidate in candidates)
        {
            if (certificate.IsIssuedBy(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
