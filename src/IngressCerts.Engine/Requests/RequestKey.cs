using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using IngressCerts.Engine.Certificates;
using X509Request = System.Security.Cryptography.X509Certificates.CertificateRequest;

namespace IngressCerts.Engine.Requests;

/// <summary>
/// A new key pair and the PKCS#10 request it signed. The private key is held only as PKCS#8 PEM bytes that
/// <see cref="Dispose"/> wipes; <see cref="ToString"/> never shows them.
/// </summary>
public sealed class RequestKey : IDisposable
{
    /// <summary>The extended key usage id-kp-serverAuth (TLS server authentication).</summary>
    public const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";

    private byte[] _pkcs8Pem;

    private RequestKey(RequestKeySpec spec, X500DistinguishedName subject, RequestHosts hosts, string csrPem, string publicKeySha256, byte[] pkcs8Pem)
    {
        Spec = spec;
        Subject = subject;
        Hosts = hosts;
        CsrPem = csrPem;
        PublicKeySha256 = publicKeySha256;
        _pkcs8Pem = pkcs8Pem;
    }

    public RequestKeySpec Spec { get; }

    public X500DistinguishedName Subject { get; }

    public RequestHosts Hosts { get; }

    /// <summary>The request, PEM (CERTIFICATE REQUEST), LF line endings.</summary>
    public string CsrPem { get; }

    /// <summary>SHA-256 of the public key's SubjectPublicKeyInfo, upper-case hex (see <see cref="PublicKeyHash"/>).</summary>
    public string PublicKeySha256 { get; }

    /// <summary>The private key as unencrypted PKCS#8 PEM bytes, valid until disposed; never copy them into a string.</summary>
    internal ReadOnlySpan<byte> Pkcs8Pem => _pkcs8Pem;

    /// <summary>
    /// Makes a key of <paramref name="spec"/> with .NET's own generator, and a request signed by it: the subject, the
    /// hosts as SANs (DNS and IP), extended key usage serverAuth, and the key usages a TLS server key needs.
    /// </summary>
    public static RequestKey Create(RequestKeySpec spec, X500DistinguishedName subject, RequestHosts hosts)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(subject);
        ArgumentNullException.ThrowIfNull(hosts);
        using AsymmetricAlgorithm key = spec.Algorithm switch
        {
            KeyAlgorithm.RSA => RSA.Create(spec.Size),
            KeyAlgorithm.ECDSA => ECDsa.Create(spec.Size == 384 ? ECCurve.NamedCurves.nistP384 : ECCurve.NamedCurves.nistP256),
            _ => throw new ArgumentException($"a request cannot make a {spec} key", nameof(spec)),
        };

        var request = key switch
        {
            RSA rsa => new X509Request(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            ECDsa ec => new X509Request(subject, ec, spec.Size == 384 ? HashAlgorithmName.SHA384 : HashAlgorithmName.SHA256),
            _ => throw new InvalidOperationException(),
        };

        var san = new SubjectAlternativeNameBuilder();
        foreach (string dns in hosts.DnsNames)
        {
            san.AddDnsName(dns);
        }

        foreach (var ip in hosts.IpAddresses)
        {
            san.AddIpAddress(ip);
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid(ServerAuthOid) }, critical: false));
        var usages = X509KeyUsageFlags.DigitalSignature | (spec.Algorithm == KeyAlgorithm.RSA ? X509KeyUsageFlags.KeyEncipherment : X509KeyUsageFlags.None);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(usages, critical: true));

        string csr = new string(PemEncoding.Write("CERTIFICATE REQUEST", request.CreateSigningRequest())) + "\n";
        string hash = PublicKeyHash.OfSubjectPublicKeyInfo(key.ExportSubjectPublicKeyInfo());
        return new RequestKey(spec, subject, hosts, csr, hash, ExportPkcs8Pem(key));
    }

    // The PKCS#8 DER, its PEM characters and its PEM bytes: the first two are wiped here, the last belongs to the key.
    private static byte[] ExportPkcs8Pem(AsymmetricAlgorithm key)
    {
        byte[] der = key.ExportPkcs8PrivateKey();
        char[] chars = new char[PemEncoding.GetEncodedSize("PRIVATE KEY".Length, der.Length)];
        try
        {
            if (!PemEncoding.TryWrite("PRIVATE KEY", der, chars, out int written) || written != chars.Length)
            {
                throw new CryptographicException("The key could not be written as PEM.");
            }

            byte[] pem = new byte[written + 1];
            Encoding.ASCII.GetBytes(chars, pem);
            pem[written] = (byte)'\n';
            return pem;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(der);
            Array.Clear(chars);
        }
    }

    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_pkcs8Pem);
        _pkcs8Pem = [];
    }

    public override string ToString() => $"{Spec} key, request for {string.Join(", ", Hosts.All)}";
}

/// <summary>
/// The SHA-256 of a public key's SubjectPublicKeyInfo, upper-case hex: the name a request and the certificate
/// issued for it share. A certificate's key is exported again through .NET first, so two encodings of the same key
/// (explicit or named curve parameters, say) give the same hash.
/// </summary>
public static class PublicKeyHash
{
    public static string OfSubjectPublicKeyInfo(ReadOnlySpan<byte> spki) => Convert.ToHexString(SHA256.HashData(spki));

    public static string Of(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        using AsymmetricAlgorithm? key = (AsymmetricAlgorithm?)certificate.GetRSAPublicKey() ?? certificate.GetECDsaPublicKey();
        return OfSubjectPublicKeyInfo(key is null ? certificate.PublicKey.ExportSubjectPublicKeyInfo() : key.ExportSubjectPublicKeyInfo());
    }
}
