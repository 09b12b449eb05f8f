using System.Security.Cryptography.X509Certificates;
using IngressCerts.Engine.Certificates;
using IngressCerts.Engine.Requests;
using X509Request = System.Security.Cryptography.X509Certificates.CertificateRequest;
using IngressCerts.Engine.Tests.Support;

namespace IngressCerts.Engine.Tests.Requests;

/// <summary>Whether an issued certificate completes a request: its key, its validity, its hosts.</summary>
public sealed class RequestCompletionTests
{
    private static readonly TestCertificates.Issued Ca = TestCertificates.Create("CN=Test CA", [], ca: true);

    private static (RequestKey Key, PendingRequest Request) Pending(params string[] hosts)
    {
        var parsed = RequestHosts.Parse(hosts, out _)!;
        var key = RequestKey.Create(RequestKeySpec.Default, SubjectName.Default(parsed), parsed);
        var request = new PendingRequest("shop", "shop-tls", null, parsed.All, "CN=" + hosts[0], key.Spec, key.PublicKeySha256, key.CsrPem,
            DateTimeOffset.UtcNow, PendingRequestSecret.NameFor("shop-tls"), "1", "uid-1");
        return (key, request);
    }

    /// <summary>The test CA signs the request's CSR with the subject and names it chooses.</summary>
    internal static X509Certificate2 Sign(string csrPem, string subject, string[] dnsNames, int days = 90, int daysAgo = 1)
    {
        var csr = X509Request.LoadSigningRequestPem(csrPem, System.Security.Cryptography.HashAlgorithmName.SHA256);
        var request = new X509Request(new X500DistinguishedName(subject), csr.PublicKey, System.Security.Cryptography.HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (string name in dnsNames)
        {
            san.AddDnsName(name);
        }

        request.CertificateExtensions.Add(san.Build());
        var generator = X509SignatureGenerator.CreateForECDsa(Ca.Key);
        return request.Create(Ca.Certificate.SubjectName, generator, DateTimeOffset.UtcNow.AddDays(-daysAgo), DateTimeOffset.UtcNow.AddDays(days), [1, 2, 3, 4]);
    }

    [Fact]
    public void A_certificate_for_the_key_with_another_subject_and_more_names_completes_the_request()
    {
        var (key, request) = Pending("shop.contoso.example");
        using var _ = key;
        var issued = Sign(key.CsrPem, "CN=Contoso Shop, O=Contoso", ["www.contoso.example", "shop.contoso.example"]);
        Assert.Null(RequestCompletion.Check(issued, request, DateTimeOffset.UtcNow));
        Assert.Equal(request, RequestCompletion.Match([Ca.Certificate, issued], [request])!.Value.Request);
        Assert.Same(issued, RequestCompletion.Leaf([Ca.Certificate, issued]));
    }

    [Fact]
    public void A_certificate_for_another_key_is_refused()
    {
        var (key, request) = Pending("shop.contoso.example");
        using var _ = key;
        var (other, _) = Pending("shop.contoso.example");
        using var __ = other;
        var issued = Sign(other.CsrPem, "CN=shop.contoso.example", ["shop.contoso.example"]);
        Assert.Equal(RequestCompletion.KeyMismatch, RequestCompletion.Check(issued, request, DateTimeOffset.UtcNow)?.Id);
        Assert.Null(RequestCompletion.Match([issued], [request]));
    }

    [Fact]
    public void An_expired_certificate_is_refused()
    {
        var (key, request) = Pending("shop.contoso.example");
        using var _ = key;
        var issued = Sign(key.CsrPem, "CN=shop.contoso.example", ["shop.contoso.example"], days: -1, daysAgo: 30);
        Assert.Equal(PreflightCheckIds.CertificateExpired, RequestCompletion.Check(issued, request, DateTimeOffset.UtcNow)?.Id);
    }

    [Fact]
    public void A_certificate_that_drops_a_host_is_refused_naming_it()
    {
        var (key, request) = Pending("shop.contoso.example", "api.contoso.example");
        using var _ = key;
        var issued = Sign(key.CsrPem, "CN=shop.contoso.example", ["shop.contoso.example"]);
        var refusal = RequestCompletion.Check(issued, request, DateTimeOffset.UtcNow);
        Assert.Equal(PreflightCheckIds.HostNotCovered, refusal?.Id);
        Assert.Contains("api.contoso.example", refusal!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pending_name_is_one_per_secret_and_always_a_valid_name()
    {
        Assert.Equal("shop-tls-pending-key", PendingRequestSecret.NameFor("shop-tls"));
        string longName = new string('a', 250);
        string pending = PendingRequestSecret.NameFor(longName);
        Assert.True(pending.Length <= 253);
        Assert.Equal(pending, PendingRequestSecret.NameFor(longName));
        Assert.NotEqual(pending, PendingRequestSecret.NameFor(new string('a', 249) + "b"));
    }
}
