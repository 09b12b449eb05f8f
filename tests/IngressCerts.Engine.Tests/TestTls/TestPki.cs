using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IngressCerts.Engine.Tests.TestTls;

/// <summary>A CA → intermediate → leaf set, made at test time. <see cref="Leaf"/> carries its private key.</summary>
public sealed record TestChain(X509Certificate2 Root, X509Certificate2 Intermediate, X509Certificate2 Leaf);

/// <summary>
/// A certificate authority for tests: certificates are generated in memory (ECDSA P-256, which keeps thousands of
/// handshakes cheap on two cores) and never written to disk or committed.
/// </summary>
/// <remarks>Shared by the xunit tests and bench/probe (linked source), so it depends on nothing but the BCL.</remarks>
public sealed class TestCertificateAuthority
{
    private TestCertificateAuthority(X509Certificate2 certificate) => Certificate = certificate;

    /// <summary>The CA's certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>A self-signed root valid from a day ago for ten years.</summary>
    public static TestCertificateAuthority CreateRoot(string commonName = "IngressCerts Test Root CA")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = CreateCaRequest($"CN={commonName}, O=IngressCerts Tests", key, pathLength: 1);
        var now = DateTimeOffset.UtcNow;
        return new TestCertificateAuthority(request.CreateSelfSigned(now.AddDays(-1), now.AddYears(10)));
    }

    /// <summary>A subordinate CA signed by this one, valid for five years (within the root's validity).</summary>
    public TestCertificateAuthority CreateIntermediate(string commonName = "IngressCerts Test Intermediate CA")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = CreateCaRequest($"CN={commonName}, O=IngressCerts Tests", key, pathLength: 0);
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, true, false));
        var now = DateTimeOffset.UtcNow;
        using var issued = request.Create(Certificate, now.AddDays(-1), Clamp(now.AddYears(5)), NewSerial());
        return new TestCertificateAuthority(issued.CopyWithPrivateKey(key));
    }

    /// <summary>
    /// This CA's subject and key self-signed again with another validity, as a renewed root looks to a chain builder:
    /// what this CA issued chains to it as well.
    /// </summary>
    public X509Certificate2 SelfSignedAgain(DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using var key = Certificate.GetECDsaPrivateKey() ?? throw new InvalidOperationException("This CA has no ECDSA private key.");
        return CreateCaRequest(Certificate.Subject, key, pathLength: 1).CreateSelfSigned(notBefore, notAfter);
    }

    /// <summary>A TLS server certificate for <paramref name="dnsNames"/>, signed by this CA, with its private key.</summary>
    /// <param name="subject">Distinguished name; defaults to <c>CN=</c> the first DNS name.</param>
    public X509Certificate2 IssueLeaf(
        IReadOnlyList<string> dnsNames, string? subject = null, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null)
    {
        ArgumentOutOfRangeException.ThrowIfZero(dnsNames.Count);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = CreateLeafRequest(subject ?? $"CN={dnsNames[0]}", key, dnsNames);
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, true, false));
        var now = DateTimeOffset.UtcNow;
        using var issued = request.Create(
            Certificate, notBefore ?? now.AddDays(-1), Clamp(notAfter ?? now.AddDays(90)), NewSerial());
        return issued.CopyWithPrivateKey(key);
    }

    public X509Certificate2 IssueLeaf(params string[] dnsNames) => IssueLeaf((IReadOnlyList<string>)dnsNames);

    /// <summary>A fresh root → intermediate → leaf for <paramref name="dnsNames"/>.</summary>
    public static TestChain CreateChain(params string[] dnsNames)
    {
        var root = CreateRoot();
        var intermediate = root.CreateIntermediate();
        return new TestChain(root.Certificate, intermediate.Certificate, intermediate.IssueLeaf(dnsNames));
    }

    /// <summary>
    /// A self-signed leaf with an arbitrary subject, e.g. a controller's placeholder such as
    /// <c>CN=Kubernetes Ingress Controller Fake Certificate, O=Acme Co</c>.
    /// </summary>
    public static X509Certificate2 CreateSelfSignedLeaf(string subject, params string[] dnsNames)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = CreateLeafRequest(subject, key, dnsNames);
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));
    }

    private static CertificateRequest CreateCaRequest(string subject, ECDsa key, int pathLength)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, pathLength, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request;
    }

    private static CertificateRequest CreateLeafRequest(string subject, ECDsa key, IReadOnlyList<string> dnsNames)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(
            new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1", "Server Authentication")], false));
        if (dnsNames.Count > 0)
        {
            var san = new SubjectAlternativeNameBuilder();
            foreach (var name in dnsNames)
            {
                san.AddDnsName(name);
            }

            request.CertificateExtensions.Add(san.Build());
        }

        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request;
    }

    /// <summary>CertificateRequest.Create refuses a child that outlives its issuer.</summary>
    private DateTimeOffset Clamp(DateTimeOffset notAfter) =>
        notAfter < Certificate.NotAfter ? notAfter : new DateTimeOffset(Certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);

    private static byte[] NewSerial()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F; // positive, as RFC 5280 requires
        serial[0] |= 0x01; // and never a leading zero byte to trim
        return serial;
    }
}
