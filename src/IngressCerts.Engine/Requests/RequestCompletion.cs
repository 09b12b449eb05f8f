using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using IngressCerts.Engine.Certificates;
using IngressCerts.Engine.Publishing;

namespace IngressCerts.Engine.Requests;

/// <summary>
/// Decides whether an issued certificate completes a pending request, before anything is written: it must carry the
/// request's public key, be valid now, and cover every host the request asked for. A CA may change the subject and add
/// names; it may not drop a host or sign another key.
/// </summary>
public static class RequestCompletion
{
    /// <summary>The ErrorId of a certificate whose public key is not the request's.</summary>
    public const string KeyMismatch = "CertificateKeyMismatch";

    /// <summary>
    /// The certificate among <paramref name="certificates"/> (a leaf, or a whole chain in any order) whose public key is
    /// the key of one of <paramref name="pending"/>, with that request; null when none is.
    /// </summary>
    public static (X509Certificate2 Leaf, PendingRequest Request)? Match(IEnumerable<X509Certificate2> certificates, IEnumerable<PendingRequest> pending)
    {
        ArgumentNullException.ThrowIfNull(certificates);
        ArgumentNullException.ThrowIfNull(pending);
        var byKey = pending.GroupBy(p => p.PublicKeySha256, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.First(), StringComparer.OrdinalIgnoreCase);
        foreach (var certificate in certificates)
        {
            if (byKey.TryGetValue(PublicKeyHash.Of(certificate), out var request))
            {
                return (certificate, request);
            }
        }

        return null;
    }

    /// <summary>The leaf of <paramref name="certificates"/>: the one that issued none of the others (the first, when all do).</summary>
    public static X509Certificate2 Leaf(IReadOnlyList<X509Certificate2> certificates)
    {
        ArgumentNullException.ThrowIfNull(certificates);
        if (certificates.Count == 0)
        {
            throw new ArgumentException("no certificate was given", nameof(certificates));
        }

        return certificates.FirstOrDefault(c => !certificates.Any(o => !ReferenceEquals(o, c) && o.IssuerName.RawData.AsSpan().SequenceEqual(c.SubjectName.RawData) && o.Thumbprint != c.Thumbprint))
            ?? certificates[0];
    }

    /// <summary>Why <paramref name="leaf"/> does not complete <paramref name="request"/> at <paramref name="now"/>; null when it does.</summary>
    public static PublishRefusal? Check(X509Certificate2 leaf, PendingRequest request, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(leaf);
        ArgumentNullException.ThrowIfNull(request);
        string target = $"Secret {request.Namespace}/{request.SecretName}";
        string hash = PublicKeyHash.Of(leaf);
        if (!string.Equals(hash, request.PublicKeySha256, StringComparison.OrdinalIgnoreCase))
        {
            return new PublishRefusal(KeyMismatch,
                $"Certificate '{leaf.Subject}' ({leaf.Thumbprint}) is for another key (public key SHA-256 {hash}) than the request pending for {target} ({request.PublicKeySha256}); the CA did not sign this request. Nothing was written.");
        }

        if (now > leaf.NotAfter.ToUniversalTime())
        {
            return new PublishRefusal(PreflightCheckIds.CertificateExpired,
                $"Certificate '{leaf.Subject}' ({leaf.Thumbprint}) for {target} expired on {leaf.NotAfter.ToUniversalTime():yyyy-MM-dd}; the request stays pending. Nothing was written.");
        }

        if (now < leaf.NotBefore.ToUniversalTime())
        {
            return new PublishRefusal(PreflightCheckIds.CertificateNotYetValid,
                $"Certificate '{leaf.Subject}' ({leaf.Thumbprint}) for {target} is not valid before {leaf.NotBefore.ToUniversalTime():yyyy-MM-dd HH:mm} UTC; complete the request then. Nothing was written.");
        }

        var missing = request.Hosts.Where(h => !HostMatcher.IsCovered(h, leaf)).ToList();
        if (missing.Count > 0)
        {
            return new PublishRefusal(PreflightCheckIds.HostNotCovered,
                $"Certificate '{leaf.Subject}' ({leaf.Thumbprint}) does not cover {string.Join(", ", missing)}, which the request for {target} asked for (it covers {HostMatcher.DescribeCoverage(leaf)}). Nothing was written.");
        }

        return null;
    }

    /// <summary>
    /// The bundle to publish: <paramref name="leaf"/> and the rest of <paramref name="certificates"/>, with the key that
    /// waited in the cluster for <paramref name="pending"/>. The key's bytes are wiped once the bundle holds them.
    /// </summary>
    /// <exception cref="PublishRefusedException">The request is gone or was replaced meanwhile.</exception>
    /// <exception cref="CertificateBundleException">The certificates and key do not make a bundle.</exception>
    public static async Task<CertificateBundle> BuildBundleAsync(
        PendingRequestStore store, PendingRequest pending, X509Certificate2 leaf, IEnumerable<X509Certificate2> certificates, bool includeRoot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        byte[]? key = null;
        try
        {
            key = await store.ReadKeyAsync(pending, cancellationToken).ConfigureAwait(false);
            return BuildBundle(key, leaf, certificates, includeRoot);
        }
        finally
        {
            if (key is not null)
            {
                CryptographicOperations.ZeroMemory(key);
            }
        }
    }

    /// <summary>
    /// The bundle to publish: <paramref name="leaf"/> and the rest of <paramref name="certificates"/>, with
    /// <paramref name="keyPem"/> (PKCS#8 PEM bytes the caller holds and wipes: the key a run made and still has).
    /// </summary>
    /// <exception cref="CertificateBundleException">The certificates and key do not make a bundle.</exception>
    public static CertificateBundle BuildBundle(ReadOnlySpan<byte> keyPem, X509Certificate2 leaf, IEnumerable<X509Certificate2> certificates, bool includeRoot)
    {
        ArgumentNullException.ThrowIfNull(leaf);
        ArgumentNullException.ThrowIfNull(certificates);
        var pem = new StringBuilder(leaf.ExportCertificatePem()).Append('\n');
        foreach (var other in certificates.Where(c => !ReferenceEquals(c, leaf)))
        {
            pem.Append(other.ExportCertificatePem()).Append('\n');
        }

        return CertificateBundle.FromPem(Encoding.ASCII.GetBytes(pem.ToString()), keyPem, default, includeRoot);
    }
}
