using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace IngressCerts.TestServer.Seeding;

/// <summary>
/// Certificates for generated fleets, made at run time (nothing is committed): a root CA, an
/// intermediate, and leaves that expire 1, 2, 3 ... days from now (600 days at most, then again from 1). A secret holds the leaf+intermediate
/// chain, the root as ca.crt and the leaf key, about 3.5 KB of base64 like a cert-manager secret.
/// Leaf keys are ECDSA, which keeps generation fast; the issuers are ECDSA P-256 or, on request, RSA-2048.
/// </summary>
internal sealed class FleetCertificates
{
    private FleetCertificates(IReadOnlyList<Entry> entries) => Entries = entries;

    public IReadOnlyList<Entry> Entries { get; }

    /// <param name="size">Leaves to make.</param>
    /// <param name="rsaIssuer">RSA-2048 root and intermediate (leaves then carry RSA signatures); otherwise ECDSA P-256.</param>
    public static FleetCertificates Create(int size, bool rsaIssuer = false)
    {
        var now = DateTimeOffset.UtcNow;
        using AsymmetricAlgorithm rootKey = rsaIssuer ? RSA.Create(2048) : ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var rootRequest = Request("CN=IngressCerts Fleet Root, O=IngressCerts Tests", rootKey);
        rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        rootRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var root = rootRequest.CreateSelfSigned(now.AddDays(-60), now.AddYears(5));

        using AsymmetricAlgorithm intermediateKey = rsaIssuer ? RSA.Create(2048) : ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var intermediateRequest = Request("CN=IngressCerts Fleet Issuing CA, O=IngressCerts Tests", intermediateKey);
        intermediateRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        intermediateRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var intermediatePublic = intermediateRequest.Create(root, now.AddDays(-60), now.AddYears(2), Serial());
        using var intermediate = intermediateKey is RSA rsa ? intermediatePublic.CopyWithPrivateKey(rsa) : intermediatePublic.CopyWithPrivateKey((ECDsa)intermediateKey);
        var signer = intermediateKey is RSA rsaSigner
            ? X509SignatureGenerator.CreateForRSA(rsaSigner, RSASignaturePadding.Pkcs1)
            : X509SignatureGenerator.CreateForECDsa((ECDsa)intermediateKey);

        var entries = new List<Entry>(size);
        for (var i = 0; i < size; i++)
        {
            using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var leafRequest = new CertificateRequest($"CN=fleet-{i}.example.test", leafKey, HashAlgorithmName.SHA256);
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName($"fleet-{i}.example.test");
            names.AddDnsName("*.example.test");
            leafRequest.CertificateExtensions.Add(names.Build());
            leafRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
            leafRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
            leafRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
            using var leaf = leafRequest.Create(intermediate.SubjectName, signer, now.AddDays(-30), now.AddDays(1 + (i % 600)), Serial());
            entries.Add(new Entry(
                Base64(leaf.ExportCertificatePem() + "\n" + intermediate.ExportCertificatePem() + "\n"),
                Base64(leafKey.ExportPkcs8PrivateKeyPem() + "\n"),
                Base64(root.ExportCertificatePem() + "\n")));
        }
        return new FleetCertificates(entries);
    }

    private static CertificateRequest Request(string subject, AsymmetricAlgorithm key) => key is RSA rsa
        ? new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
        : new CertificateRequest(subject, (ECDsa)key, HashAlgorithmName.SHA256);

    private static byte[] Serial()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        return serial;
    }

    private static string Base64(string text) => Convert.ToBase64String(Encoding.ASCII.GetBytes(text));

    /// <summary>Base64 values of tls.crt, tls.key and ca.crt.</summary>
    public sealed record Entry(string Certificate, string Key, string Authority);
}
