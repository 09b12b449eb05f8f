using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography.X509Certificates;

namespace IngressCerts.Engine.Certificates;

/// <summary>
/// Judges parsed TLS secrets against the hosts of an Ingress TLS entry, at one point in time
/// and with one set of trusted roots. Create one per scan and reuse it: it caches chain
/// verification results by bundle content. Thread-safe.
/// </summary>
public sealed class CertificateEvaluator
{
    /// <summary>RSA keys shorter than this are reported.</summary>
    public const int MinimumRsaKeySize = 2048;

    private readonly ChainVerifier chainVerifier;

    // One verifier per name of the bundle (tls.crt, Istio's cert, a Route's spec.tls.certificate), since its messages
    // name it and it caches them; all but tls.crt are rare.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, ChainVerifier> otherVerifiers = new(StringComparer.Ordinal);

    /// <param name="asOf">The time validity is judged at (usually now).</param>
    /// <param name="expiringWithinDays">A certificate ending within this many days of <paramref name="asOf"/> is <see cref="CertificateStatus.Expiring"/>.</param>
    /// <param name="extraTrustedRoots">Roots trusted in addition to the system's (a private CA).</param>
    public CertificateEvaluator(DateTimeOffset asOf, int expiringWithinDays = 30, IEnumerable<X509Certificate2>? extraTrustedRoots = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(expiringWithinDays);
        AsOf = asOf;
        ExpiringWithinDays = expiringWithinDays;
        ExtraTrustedRoots = extraTrustedRoots?.ToArray() ?? [];
        chainVerifier = new ChainVerifier(ExtraTrustedRoots, asOf);
    }

    public DateTimeOffset AsOf { get; }

    public int ExpiringWithinDays { get; }

    public IReadOnlyList<X509Certificate2> ExtraTrustedRoots { get; }

    /// <summary>Parses a secret's data map and evaluates it for <paramref name="hosts"/>.</summary>
    public CertificateEvaluation Evaluate(IDictionary<string, byte[]>? secretData, IReadOnlyList<string> hosts) =>
        Evaluate(TlsSecretParser.Parse(secretData), hosts);

    /// <summary>Evaluates a parsed secret for the hosts of one TLS entry (which may be empty).</summary>
    public CertificateEvaluation Evaluate(ParsedTlsSecret secret, IReadOnlyList<string> hosts)
    {
        ArgumentNullException.ThrowIfNull(secret);
        ArgumentNullException.ThrowIfNull(hosts);

        var findings = new List<CertificateFinding>(secret.Problems);
        if (secret.Ordered is not { } ordered)
        {
            return CertificateEvaluation.From(findings, null);
        }

        var leaf = ordered.Leaf;
        CheckKey(secret, ordered, findings);
        CheckValidity(ordered, findings);
        CheckHosts(leaf, hosts, findings);
        CheckOrder(ordered, secret.Fields, findings);
        findings.AddRange(VerifierFor(secret.Fields).Verify(ordered, KnownRoots(secret)));
        CheckStrength(ordered, findings);

        return CertificateEvaluation.From(findings, CertificateFacts.Create(leaf, ordered.All, AsOf));
    }

    private ChainVerifier VerifierFor(SecretFields fields) =>
        fields.Certificate == TlsSecretParser.CertificateDataKey
            ? chainVerifier
            : otherVerifiers.GetOrAdd(fields.Certificate, name => new ChainVerifier(ExtraTrustedRoots, AsOf, name));

    /// <summary>The roots in ca.crt: a chain that reaches one is complete, though the root is not trusted for it.</summary>
    private static IReadOnlyList<CertificateInfo> KnownRoots(ParsedTlsSecret secret)
    {
        var ca = secret.CaCertificateInfos;
        if (ca.Count == 0)
        {
            return [];
        }

        var roots = new List<CertificateInfo>(ca.Count);
        foreach (var certificate in ca)
        {
            if (certificate.IsSelfIssued && certificate.IsCertificateAuthority)
            {
                roots.Add(certificate);
            }
        }

        return roots;
    }

    private static void CheckKey(ParsedTlsSecret secret, OrderedChain ordered, List<CertificateFinding> findings)
    {
        if (secret.Key is not { } key || secret.KeyMatchesLeaf != false)
        {
            return;
        }

        var leaf = ordered.Leaf;
        if (secret.KeyPossessionProblem is { } problem)
        {
            findings.Add(new(FindingIds.KeyMismatch, CertificateStatus.KeyMismatch,
                $"{secret.Fields.Key} does not belong to certificate '{leaf.DisplayName}': it has the certificate's public key, but {problem}"));
            return;
        }

        var other = ordered.All.FirstOrDefault(c => key.Matches(c.PublicKey));
        var detail = other is not null ? $"it is the key of '{other.DisplayName}' instead"
            : key.Description == leaf.PublicKey.Description ? $"it is another {key.Description} key"
            : $"the key is {key.Description}, the certificate's is {leaf.PublicKey.Description}";
        findings.Add(new(FindingIds.KeyMismatch, CertificateStatus.KeyMismatch, $"{secret.Fields.Key} does not belong to certificate '{leaf.DisplayName}': {detail}"));
    }

    private void CheckValidity(OrderedChain ordered, List<CertificateFinding> findings)
    {
        // The leaf and the intermediates clients will see; a root's own dates are the trust store's business.
        foreach (var certificate in ordered.Chain)
        {
            var isLeaf = ReferenceEquals(certificate, ordered.Leaf);
            if (!isLeaf && certificate.IsSelfIssued)
            {
                continue;
            }

            if (AsOf > certificate.NotAfter)
            {
                var days = -CertificateFacts.DaysBetween(AsOf, certificate.NotAfter);
                findings.Add(new(FindingIds.Expired, CertificateStatus.Expired, $"{What(certificate, isLeaf)} expired on {Day(certificate.NotAfter)} ({days} {Plural(days, "day")} ago)"));
            }
            else if (AsOf < certificate.NotBefore)
            {
                findings.Add(new(FindingIds.NotYetValid, CertificateStatus.NotYetValid, $"{What(certificate, isLeaf)} is not valid before {certificate.NotBefore:yyyy-MM-dd HH:mm} UTC"));
            }
            else if (certificate.NotAfter - AsOf <= TimeSpan.FromDays(ExpiringWithinDays))
            {
                var days = CertificateFacts.DaysBetween(AsOf, certificate.NotAfter);
                findings.Add(new(FindingIds.Expiring, CertificateStatus.Expiring, $"{What(certificate, isLeaf)} expires on {Day(certificate.NotAfter)} (in {days} {Plural(days, "day")})"));
            }
        }
    }

    // Built only for a finding: most certificates of a scan have none, and this runs for every one.
    private static string What(CertificateInfo certificate, bool isLeaf) =>
        isLeaf ? $"certificate '{certificate.DisplayName}'" : $"intermediate certificate '{certificate.DisplayName}'";

    private static void CheckHosts(CertificateInfo leaf, IReadOnlyList<string> hosts, List<CertificateFinding> findings)
    {
        for (var i = 0; i < hosts.Count; i++)
        {
            var host = hosts[i];
            if (string.IsNullOrWhiteSpace(host) || IndexOf(hosts, host, i) < i || HostMatcher.IsCovered(host, leaf.NormalizedDnsNames, leaf.IPAddresses, namesAreNormalized: true))
            {
                continue;
            }

            // One string per message: the coverage is written into it, not made a string of its own first.
            var message = new DefaultInterpolatedStringHandler(0, 0, CultureInfo.InvariantCulture);
            message.AppendLiteral("host '");
            message.AppendFormatted(host);
            message.AppendLiteral("' is not covered by certificate '");
            message.AppendFormatted(leaf.DisplayName);
            message.AppendLiteral("' (");
            HostMatcher.AppendCoverage(ref message, leaf);
            message.AppendLiteral(")");
            findings.Add(new(FindingIds.HostMismatch, CertificateStatus.HostMismatch, message.ToStringAndClear()));
        }
    }

    /// <summary>Where <paramref name="host"/> first occurs in <paramref name="hosts"/> (case-insensitive), looking no further than <paramref name="limit"/>.</summary>
    private static int IndexOf(IReadOnlyList<string> hosts, string host, int limit)
    {
        for (var i = 0; i < limit; i++)
        {
            if (string.Equals(hosts[i], host, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return limit;
    }

    private static void CheckOrder(OrderedChain ordered, SecretFields fields, List<CertificateFinding> findings)
    {
        if (ordered.IsInOrder)
        {
            return;
        }

        // Controllers send tls.crt as it is, and many clients do not reorder what they get.
        var expected = string.Join(" → ", ordered.Chain.Select(c => $"'{c.DisplayName}'"));
        var extra = ordered.Unrelated.Count == 0
            ? string.Empty
            : $"; not on the leaf's chain: {string.Join(", ", ordered.Unrelated.Select(c => $"'{c.DisplayName}'"))}";
        findings.Add(new(
            FindingIds.ChainOutOfOrder,
            CertificateStatus.IncompleteChain,
            $"{fields.Certificate} is out of order: it must list the leaf first and then each issuer ({expected}){extra}"));
    }

    private static void CheckStrength(OrderedChain ordered, List<CertificateFinding> findings)
    {
        foreach (var certificate in ordered.Chain)
        {
            var key = certificate.PublicKey;
            if (key.Algorithm == KeyAlgorithm.RSA && key.KeySize < MinimumRsaKeySize)
            {
                findings.Add(new(
                    FindingIds.WeakRsaKey,
                    CertificateStatus.Valid,
                    $"certificate '{certificate.DisplayName}' has a {key.KeySize}-bit RSA key; use at least {MinimumRsaKeySize} bits"));
            }

            // A root's self-signature is never checked by clients, so its algorithm does not matter.
            var signature = certificate.SignatureAlgorithmOid;
            if (!certificate.IsSelfIssued || ReferenceEquals(certificate, ordered.Leaf))
            {
                if (SignatureAlgorithms.IsWeak(signature))
                {
                    findings.Add(new(
                        FindingIds.WeakSignatureAlgorithm,
                        CertificateStatus.Valid,
                        $"certificate '{certificate.DisplayName}' is signed with {SignatureAlgorithms.FriendlyName(signature)}, which browsers reject"));
                }
            }
        }
    }

    private static string Day(DateTimeOffset time) => time.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Plural(int count, string word) => count == 1 ? word : word + "s";
}
