using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IngressCerts.Engine.Certificates;

/// <summary>
/// One certificate with the properties the analysis asks for more than once, each read from
/// the certificate once (X509Certificate2 re-decodes names and extensions on many accesses).
/// </summary>
internal sealed class CertificateInfo
{
    private const string SubjectAltNameOid = "2.5.29.17";
    private const string BasicConstraintsOid = "2.5.29.19";
    private const string SubjectKeyIdOid = "2.5.29.14";
    private const string AuthorityKeyIdOid = "2.5.29.35";

    private readonly byte[] subjectName;
    private readonly byte[] issuerName;
    private readonly byte[]? subjectKeyId;
    private readonly byte[]? authorityKeyId;
    private PublicKeyIdentity? publicKey;
    private string? sha256;

    public CertificateInfo(X509Certificate2 certificate)
    {
        Certificate = certificate;
        subjectName = certificate.SubjectName.RawData;
        issuerName = certificate.IssuerName.RawData;
        Subject = certificate.Subject;
        Issuer = certificate.Issuer;
        NotBefore = new DateTimeOffset(certificate.NotBefore.ToUniversalTime(), TimeSpan.Zero);
        NotAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);

        var dnsNames = new List<string>();
        var ipAddresses = new List<IPAddress>();
        foreach (var extension in certificate.Extensions)
        {
            switch (extension.Oid?.Value)
            {
                case SubjectAltNameOid:
                    HasSubjectAltNames = true;
                    ReadSubjectAltNames(extension, dnsNames, ipAddresses);
                    break;
                case BasicConstraintsOid when extension is X509BasicConstraintsExtension basic:
                    IsCertificateAuthority = basic.CertificateAuthority;
                    break;
                case SubjectKeyIdOid when extension is X509SubjectKeyIdentifierExtension ski:
                    subjectKeyId = ski.SubjectKeyIdentifierBytes.ToArray();
                    break;
                case AuthorityKeyIdOid:
                    authorityKeyId = ReadAuthorityKeyId(extension);
                    break;
            }
        }

        DnsNames = dnsNames;
        IPAddresses = ipAddresses;
        IsSelfIssued = subjectName.AsSpan().SequenceEqual(issuerName) && KeyIdsAgree(authorityKeyId, subjectKeyId);
    }

    public X509Certificate2 Certificate { get; }

    public string Subject { get; }

    /// <summary>The encoded subject name, for comparisons.</summary>
    public ReadOnlySpan<byte> SubjectNameBytes => subjectName;

    /// <summary>The encoded issuer name, for comparisons.</summary>
    public ReadOnlySpan<byte> IssuerNameBytes => issuerName;

    public string Issuer { get; }

    public DateTimeOffset NotBefore { get; }

    public DateTimeOffset NotAfter { get; }

    public bool HasSubjectAltNames { get; }

    public IReadOnlyList<string> DnsNames { get; }

    public IReadOnlyList<IPAddress> IPAddresses { get; }

    /// <summary>Basic constraints say CA:TRUE.</summary>
    public bool IsCertificateAuthority { get; }

    /// <summary>Subject and issuer are the same (a root, or a self-signed leaf).</summary>
    public bool IsSelfIssued { get; }

    public PublicKeyIdentity PublicKey => publicKey ??= PublicKeyIdentity.FromCertificate(Certificate);

    public string Sha256Fingerprint => sha256 ??= Convert.ToHexString(Certificate.GetCertHash(HashAlgorithmName.SHA256));

    /// <summary>The subject's common name, or the whole subject when it has none; for messages.</summary>
    public string DisplayName
    {
        get
        {
            var cn = Certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
            return string.IsNullOrEmpty(cn) ? Subject : cn;
        }
    }

    /// <summary>
    /// True when <paramref name="issuer"/> is this certificate's issuer by name, and by key
    /// identifier when both carry one (which tells cross-signed or re-keyed CAs apart).
    /// Names are compared as encoded: CAs copy their subject into what they issue.
    /// </summary>
    public bool IsIssuedBy(CertificateInfo issuer) =>
        issuerName.AsSpan().SequenceEqual(issuer.subjectName) && KeyIdsAgree(authorityKeyId, issuer.subjectKeyId);

    private static bool KeyIdsAgree(byte[]? authorityKeyId, byte[]? subjectKeyId) =>
        authorityKeyId is null || subjectKeyId is null || authorityKeyId.AsSpan().SequenceEqual(subjectKeyId);

    private static void ReadSubjectAltNames(X509Extension extension, List<string> dnsNames, List<IPAddress> ipAddresses)
    {
        try
        {
            var san = extension as X509SubjectAlternativeNameExtension
                ?? new X509SubjectAlternativeNameExtension(extension.RawData, extension.Critical);
            dnsNames.AddRange(san.EnumerateDnsNames());
            ipAddresses.AddRange(san.EnumerateIPAddresses());
        }
        catch (CryptographicException)
        {
            // A malformed SAN extension covers nothing; the host check then reports every host.
        }
    }

    private static byte[]? ReadAuthorityKeyId(X509Extension extension)
    {
        try
        {
            var aki = extension as X509AuthorityKeyIdentifierExtension
                ?? new X509AuthorityKeyIdentifierExtension(extension.RawData, extension.Critical);
            return aki.KeyIdentifier?.ToArray();
        }
        catch (CryptographicException)
        {
            return null;
        }
    }
}
