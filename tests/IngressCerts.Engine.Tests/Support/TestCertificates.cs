using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace IngressCerts.Engine.Tests.Support;

/// <summary>Certificates made at test time for the inventory and publish tests (no key is ever committed).</summary>
internal static class TestCertificates
{
    public sealed record Issued(X509Certificate2 Certificate, ECDsa Key)
    {
        public string CertificatePem => Certificate.ExportCertificatePem();

        public string KeyPem => Key.ExportPkcs8PrivateKeyPem();

        public byte[] CertificateBytes => Encoding.ASCII.GetBytes(CertificatePem);

        public byte[] KeyBytes => Encoding.ASCII.GetBytes(KeyPem);
    }

    public static Issued Create(string subject, string[] dnsNames, int validDays = 90, int daysAgo = 1, Issued? issuer = null, bool ca = false)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(ca, false, 0, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        if (dnsNames.Length > 0)
        {
            var san = new SubjectAlternativeNameBuilder();
            foreach (string name in dnsNames)
            {
                san.AddDnsName(name);
            }

            request.CertificateExtensions.Add(san.Build());
        }

        var notBefore = DateTimeOffset.UtcNow.AddDays(-daysAgo);
        var notAfter = DateTimeOffset.UtcNow.AddDays(validDays);
        if (issuer is null)
        {
            return new Issued(request.CreateSelfSigned(notBefore, notAfter), key);
        }

        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer.Certificate, true, false));
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7F;
        using var signed = request.Create(issuer.Certificate.SubjectName, X509SignatureGenerator.CreateForECDsa(issuer.Key), notBefore, notAfter, serial);
        return new Issued(X509CertificateLoader.LoadCertificate(signed.RawData), key);
    }
}
