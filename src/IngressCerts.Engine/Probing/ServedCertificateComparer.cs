using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IngressCerts.Engine.Probing;

/// <summary>How a served leaf relates to the certificate that should be served.</summary>
public enum ServedCertificateMatch
{
    /// <summary>The very certificate expected (same SHA-1 thumbprint, hence same key).</summary>
    Expected,

    /// <summary>Some other certificate, not recognised as an older one or a controller default.</summary>
    DifferentCertificate,

    /// <summary>A controller's placeholder (e.g. ingress-nginx's "Fake Certificate"): the secret was not used for this host.</summary>
    DefaultFakeCertificate,

    /// <summary>A certificate from the supplied history: the rollout has not reached the controller yet.</summary>
    KnownOlderCertificate,
}

/// <summary>The outcome of comparing a served leaf with the expected certificate.</summary>
/// <param name="Reason">One sentence for the user saying what was served and what that means.</param>
/// <param name="SamePublicKey">The served leaf carries the expected certificate's public key (true for <see cref="ServedCertificateMatch.Expected"/>; for others it hints at a re-issue with the same key).</param>
/// <param name="DefaultCertificateOf">For <see cref="ServedCertificateMatch.DefaultFakeCertificate"/>, whose placeholder it is.</param>
public sealed record ServedCertificateVerdict(
    ServedCertificateMatch Match,
    string Reason,
    string ServedThumbprint,
    string ExpectedThumbprint,
    bool SamePublicKey,
    string? DefaultCertificateOf = null);

/// <summary>The object whose Secret a host should be served from, to name it when something else is served.</summary>
/// <param name="Kind">Ingress or Gateway.</param>
/// <param name="Listener">The Gateway listener; null for an Ingress.</param>
public sealed record ServingSource(string Kind, string? Namespace, string Name, string? Listener = null)
{
    // Also "Istio Gateway", whose servers are named as listeners are.
    private bool IsGateway => Kind.EndsWith("Gateway", StringComparison.OrdinalIgnoreCase);

    /// <summary>"listener 'https' of Gateway edge/gw", or "Ingress shop/storefront".</summary>
    public override string ToString() =>
        IsGateway && !string.IsNullOrEmpty(Listener) ? $"listener '{Listener}' of {Kind} {Namespace}/{Name}" : $"{Kind} {Namespace}/{Name}";

    /// <summary>Why such an object's Secret may not be what the controller serves for a host.</summary>
    internal string WhyNotUsed => IsGateway
        ? "Secret missing, invalid or not permitted by a ReferenceGrant, or no listener matches the SNI"
        : "Secret missing or invalid, or no TLS entry matches the SNI";
}

/// <summary>
/// Compares served leaves with one expected certificate and classifies the ones that differ.
/// Identity is the SHA-1 thumbprint (what Kubernetes tooling and Windows show); the public key is compared too,
/// to tell a re-issue with the same key from an unrelated certificate.
/// </summary>
public sealed class ServedCertificateComparer
{
    private readonly byte[] _expectedPublicKey;
    private readonly HashSet<string> _olderThumbprints;
    private readonly ServingSource? _source;

    /// <param name="expected">The certificate that should be served (its private key, if any, is not used).</param>
    /// <param name="knownOlderThumbprints">
    /// Thumbprints of certificates previously served for this host (e.g. from history), SHA-1 or SHA-256, hex with or
    /// without ':', '-' or spaces, any case.
    /// </param>
    /// <param name="source">The Ingress or Gateway listener the host should be served from, to name in messages; null when unknown.</param>
    public ServedCertificateComparer(X509Certificate2 expected, IEnumerable<string>? knownOlderThumbprints = null, ServingSource? source = null)
    {
        _source = source;
        ArgumentNullException.ThrowIfNull(expected);
        Expected = expected;
        _expectedPublicKey = expected.PublicKey.ExportSubjectPublicKeyInfo();
        _olderThumbprints = new HashSet<string>(
            (knownOlderThumbprints ?? []).Select(NormalizeThumbprint).Where(t => t.Length > 0),
            StringComparer.Ordinal);
    }

    public X509Certificate2 Expected { get; }

    public ServedCertificateVerdict Compare(X509Certificate2 served)
    {
        ArgumentNullException.ThrowIfNull(served);
        var servedThumbprint = served.Thumbprint;
        var expectedThumbprint = Expected.Thumbprint;
        var samePublicKey = served.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(_expectedPublicKey);

        ServedCertificateVerdict Verdict(ServedCertificateMatch match, string reason, string? controller = null) =>
            new(match, reason, servedThumbprint, expectedThumbprint, samePublicKey, controller);

        if (string.Equals(servedThumbprint, expectedThumbprint, StringComparison.OrdinalIgnoreCase))
        {
            return Verdict(ServedCertificateMatch.Expected, $"The expected certificate {expectedThumbprint} is served.");
        }

        if (_olderThumbprints.Contains(servedThumbprint.ToUpperInvariant())
            || _olderThumbprints.Contains(Convert.ToHexString(served.GetCertHash(HashAlgorithmName.SHA256))))
        {
            return Verdict(
                ServedCertificateMatch.KnownOlderCertificate,
                $"An older certificate {servedThumbprint} (expires {FormatDate(served.NotAfter)}) is still served instead of "
                + $"{expectedThumbprint}: the controller has not picked up the new secret yet.");
        }

        if (DefaultCertificateCatalog.Identify(served) is { } controller)
        {
            return Verdict(
                ServedCertificateMatch.DefaultFakeCertificate,
                $"The controller's default certificate is served ({controller}: {served.Subject}): "
                + (_source is null
                    ? "the controller is not using the expected Secret for this host (Secret missing, invalid or not referenced, or no TLS entry or listener matches the SNI)."
                    : $"it is not using the Secret of {_source} for this host ({_source.WhyNotUsed})."),
                controller);
        }

        var keyNote = samePublicKey ? " It has the same public key, so it may be a re-issue of the expected certificate." : string.Empty;
        return Verdict(
            ServedCertificateMatch.DifferentCertificate,
            $"A different certificate {servedThumbprint} ({served.Subject}, issued by {served.Issuer}) is served instead of "
            + $"{expectedThumbprint}.{keyNote}");
    }

    /// <summary>Upper-case hex with separators removed, so thumbprints copied from any tool compare equal.</summary>
    public static string NormalizeThumbprint(string thumbprint)
    {
        ArgumentNullException.ThrowIfNull(thumbprint);
        return string.Concat(thumbprint.Where(c => c is not (':' or '-' or ' ' or '\t'))).ToUpperInvariant();
    }

    private static string FormatDate(DateTime local) =>
        local.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
}
