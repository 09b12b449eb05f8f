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
        foreach (var certificate in bundle)
        {
            if (!ReferenceEquals(certificate, leaf))
            {
                remaining.Add(certificate);
            }
        }

        var current = leaf;
        while (!current.IsSelfIssued)
        {
            var issuer = remaining.Find(current.IsIssuedBy);
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

        var candidates = bundle.Where(c => !bundle.Any(other => !ReferenceEquals(other, c) && other.IsIssuedBy(c))).ToList();
        if (candidates.Count == 0)
        {
            // Only in a cycle of cross-issued certificates; fall back to the whole bundle.
            candidates = [.. bundle];
        }

        if (key is not null && candidates.FirstOrDefault(c => key.Matches(c.PublicKey)) is { } matching)
        {
            return matching;
        }

        return candidates.FirstOrDefault(c => !c.IsCertificateAuthority) ?? candidates[0];
    }
}
