using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IngressCerts.TestServer;
using IngressCerts.TestServer.Auth;
using IngressCerts.TestServer.Testing;

namespace IngressCerts.Conformance.Tests.ServerOnly;

/// <summary>x509 client authentication: CN is the user, O the groups, and only the server CA is trusted.</summary>
public sealed class ClientCertificateTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    [ServerOnlyFact]
    public async Task A_certificate_in_system_masters_authenticates_as_admin()
    {
        var server = fixture.Cluster.RequireServer();
        var certificate = server.IssueClientCertificate("cert-admin", "system:masters");
        Assert.Contains("BEGIN CERTIFICATE", certificate.CertificatePem);
        Assert.Contains("PRIVATE KEY-----", certificate.PrivateKeyPem);
        using var http = FromKubeconfig(server, certificate);
        var ns = await fixture.Cluster.CreateNamespaceAsync();
        Assert.Equal(201, (await http.PostAsync(Manifests.Secrets(ns), Manifests.TlsSecret("by-cert"))).StatusCode);
        Assert.Equal("cert-admin", server.RequestLog.Last().User);
    }

    [ServerOnlyFact]
    public async Task A_certificate_user_gets_the_rules_of_its_name()
    {
        var server = fixture.Cluster.RequireServer();
        var ns = await fixture.Cluster.CreateNamespaceAsync();
        server.AddUser("cert-reader", null, AccessRule.Allow("list", "secrets", ns));
        using var http = FromKubeconfig(server, server.IssueClientCertificate("cert-reader", "team"));
        Assert.Equal(200, (await http.GetAsync(Manifests.Secrets(ns))).StatusCode);
        var refused = await http.GetAsync(Manifests.Secrets(ns, "x"));
        Assert.Equal(403, refused.StatusCode);
        Assert.StartsWith("secrets \"x\" is forbidden: User \"cert-reader\" cannot get", refused.Message);
    }

    [ServerOnlyFact]
    public async Task A_certificate_from_another_ca_is_401()
    {
        var server = fixture.Cluster.RequireServer();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=intruder, O=system:masters", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        using var selfSigned = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1));
        var forged = new IngressCerts.TestServer.Pki.ClientCertificate("intruder", ["system:masters"], selfSigned.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
        using var http = FromKubeconfig(server, forged);
        Assert.Equal(401, (await http.GetAsync("/api/v1/namespaces")).StatusCode);
    }

    private static KubeHttp FromKubeconfig(KubeApiServer server, IngressCerts.TestServer.Pki.ClientCertificate certificate)
    {
        var path = Path.Combine(Path.GetTempPath(), $"cert-{Guid.NewGuid():N}.kubeconfig");
        server.WriteKubeconfig(path, certificate);
        try
        {
            var config = Kubeconfig.Load(path);
            Assert.Null(config.Token);
            return KubeHttp.Create(config);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
