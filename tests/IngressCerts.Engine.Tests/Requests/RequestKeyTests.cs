using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using IngressCerts.Engine.Certificates;
using IngressCerts.Engine.Requests;
using X509Request = System.Security.Cryptography.X509Certificates.CertificateRequest;
using IngressCerts.Engine.Tests.Probing;

namespace IngressCerts.Engine.Tests.Requests;

/// <summary>The key and CSR a request makes: what it asks for, signed by the new key, readable by openssl.</summary>
public sealed class RequestKeyTests
{
    private static RequestHosts Hosts(params string[] hosts) => RequestHosts.Parse(hosts, out _)!;

    private static RequestKey Make(RequestKeySpec spec, params string[] hosts)
    {
        var parsed = Hosts(hosts);
        return RequestKey.Create(spec, SubjectName.Default(parsed), parsed);
    }

    private static X509Request Load(RequestKey key) =>
        X509Request.LoadSigningRequestPem(key.CsrPem, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.UnsafeLoadCertificateExtensions);

    [Fact]
    public void The_csr_is_signed_by_the_new_key_and_asks_for_the_hosts_and_serverAuth()
    {
        using var key = Make(RequestKeySpec.Default, "shop.contoso.example", "10.0.0.7", "bücher.example");

        // LoadSigningRequest checks the signature by default: a CSR not signed by its own key does not load.
        var csr = Load(key);
        Assert.Equal("CN=shop.contoso.example", csr.SubjectName.Name);
        var san = new X509SubjectAlternativeNameExtension(csr.CertificateExtensions.Single(e => e.Oid?.Value == "2.5.29.17").RawData);
        Assert.Equal(new[] { "shop.contoso.example", "xn--bcher-kva.example" }, san.EnumerateDnsNames());
        Assert.Equal(new[] { IPAddress.Parse("10.0.0.7") }, san.EnumerateIPAddresses());
        var eku = new X509EnhancedKeyUsageExtension(csr.CertificateExtensions.Single(e => e.Oid?.Value == "2.5.29.37"), false);
        Assert.Equal(RequestKey.ServerAuthOid, Assert.Single(eku.EnhancedKeyUsages.Cast<Oid>()).Value);
        Assert.Equal(key.PublicKeySha256, PublicKeyHash.OfSubjectPublicKeyInfo(csr.PublicKey.ExportSubjectPublicKeyInfo()));
    }

    [Theory]
    [InlineData(KeyAlgorithm.ECDSA, 256, "an ECDSA P-256")]
    [InlineData(KeyAlgorithm.ECDSA, 384, "an ECDSA P-384")]
    [InlineData(KeyAlgorithm.RSA, 2048, "an RSA 2048")]
    public void A_key_spec_in_a_sentence_takes_the_article_of_its_spoken_first_letter(KeyAlgorithm algorithm, int size, string expected) =>
        Assert.Equal(expected, new RequestKeySpec(algorithm, size).WithArticle());

    [Theory]
    [InlineData(KeyAlgorithm.RSA, 2048)]
    [InlineData(KeyAlgorithm.RSA, 3072)]
    [InlineData(KeyAlgorithm.ECDSA, 256)]
    [InlineData(KeyAlgorithm.ECDSA, 384)]
    public void The_key_is_of_the_algorithm_and_size_asked_for(KeyAlgorithm algorithm, int size)
    {
        using var key = Make(new RequestKeySpec(algorithm, size), "shop.contoso.example");
        var publicKey = Load(key).PublicKey;
        if (algorithm == KeyAlgorithm.RSA)
        {
            using var rsa = publicKey.GetRSAPublicKey()!;
            Assert.Equal(size, rsa.KeySize);
        }
        else
        {
            using var ec = publicKey.GetECDsaPublicKey()!;
            Assert.Equal(size, ec.KeySize);
        }
    }

    [Fact]
    public void The_private_key_is_pkcs8_pem_of_the_public_key_in_the_csr_and_is_wiped_on_dispose()
    {
        var key = Make(RequestKeySpec.Default, "shop.contoso.example");
        string pem = Encoding.ASCII.GetString(key.Pkcs8Pem);
        Assert.StartsWith("-----BEGIN " + "PRIVATE" + " KEY-----", pem, StringComparison.Ordinal);
        using (var ec = ECDsa.Create())
        {
            ec.ImportFromPem(pem);
            Assert.Equal(key.PublicKeySha256, PublicKeyHash.OfSubjectPublicKeyInfo(ec.ExportSubjectPublicKeyInfo()));
        }

        Assert.DoesNotContain("PRIVATE", key.ToString(), StringComparison.Ordinal);
        key.Dispose();
        Assert.True(key.Pkcs8Pem.IsEmpty);
    }

    [Fact]
    public void A_subject_given_is_the_csr_subject()
    {
        var hosts = Hosts("shop.contoso.example");
        using var key = RequestKey.Create(RequestKeySpec.Default, SubjectName.Parse("CN=shop.contoso.example, O=Contoso, C=NL", out _)!, hosts);
        Assert.Equal("CN=shop.contoso.example, O=Contoso, C=NL", Load(key).SubjectName.Name);
    }

    [Fact]
    public async Task Openssl_verifies_the_csr_and_reads_the_same_names_and_public_key()
    {
        Assert.True(OpenSslClient.IsAvailable, "openssl is needed on the path for this test (.ci/run installs it)");
        using var key = Make(new RequestKeySpec(KeyAlgorithm.RSA, 2048), "shop.contoso.example", "*.api.contoso.example", "192.0.2.10");
        string dir = Directory.CreateTempSubdirectory("ic-csr-").FullName;
        try
        {
            string csrPath = Path.Combine(dir, "x.csr");
            await File.WriteAllTextAsync(csrPath, key.CsrPem);
            var (code, output) = await OpenSslAsync("req", "-in", csrPath, "-verify", "-noout", "-text");
            Assert.True(code == 0, output);
            Assert.Matches("verify OK|Certificate request self-signature verify OK", output);
            Assert.Contains("DNS:shop.contoso.example, DNS:*.api.contoso.example, IP Address:192.0.2.10", output, StringComparison.Ordinal);
            Assert.Contains("TLS Web Server Authentication", output, StringComparison.Ordinal);
            Assert.Contains("Subject: CN = shop.contoso.example", output, StringComparison.Ordinal);

            // The public key openssl reads out of the CSR is the key the request keeps.
            var (pubCode, publicPem) = await OpenSslAsync("req", "-in", csrPath, "-noout", "-pubkey");
            Assert.True(pubCode == 0, publicPem);
            using var rsa = RSA.Create();
            rsa.ImportFromPem(publicPem);
            Assert.Equal(key.PublicKeySha256, PublicKeyHash.OfSubjectPublicKeyInfo(rsa.ExportSubjectPublicKeyInfo()));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task<(int Code, string Output)> OpenSslAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("openssl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }
}
