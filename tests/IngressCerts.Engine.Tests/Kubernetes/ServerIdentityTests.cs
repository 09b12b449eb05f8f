using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using IngressCerts.Engine.Kubernetes;
using IngressCerts.Engine.Tests.Support;
using IngressCerts.TestServer;
using IngressCerts.TestServer.Testing;

namespace IngressCerts.Engine.Tests.Kubernetes;

/// <summary>
/// The API server must prove the name the user connects to, not only hold a certificate from the cluster CA:
/// a forwarder on 127.0.0.2 in front of the test server (whose certificate names 127.0.0.1, ::1 and localhost)
/// stands where a man in the middle with another certificate of that CA would stand.
/// </summary>
public sealed class ServerIdentityTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ic-identity-").FullName;
    private TestCluster _cluster = null!;
    private KubeApiServer _server = null!;
    private LoopbackForwarder _forwarder = null!;

    public async Task InitializeAsync()
    {
        if (TestCluster.RealClusterConfigured)
        {
            return;
        }

        _cluster = await TestCluster.StartAsync();
        _server = _cluster.RequireServer();
        _forwarder = new LoopbackForwarder("127.0.0.2", "127.0.0.1", _server.BaseAddress.Port);
    }

    public async Task DisposeAsync()
    {
        _forwarder?.Dispose();
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }

        Directory.Delete(_dir, recursive: true);
    }

    private string Kubeconfig(string server, string? tlsServerName = null, bool insecure = false)
    {
        string path = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".yaml");
        string trust = insecure
            ? "insecure-skip-tls-verify: true"
            : "certificate-authority-data: " + Convert.ToBase64String(Encoding.UTF8.GetBytes(_server.CaCertificatePem));
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            current-context: c
            clusters:
            - name: c
              cluster:
                server: {server}
                {trust}
                {(tlsServerName is null ? string.Empty : "tls-server-name: " + tlsServerName)}
            contexts:
            - name: c
              context:
                cluster: c
                user: u
            users:
            - name: u
              user:
                token: {_server.AdminToken}
            """);
        return path;
    }

    private static ConnectionFactory Factory() => new(_ => null, "/nonexistent-home");

    private static Task<k8s.Models.V1Secret?> ReadAsync(ClusterConnection connection) =>
        new ClusterReader(connection).GetSecretAsync("default", "absent", CancellationToken.None);

    private void AssertMismatch(KubeApiException ex)
    {
        Assert.Equal(KubeErrorKind.ServerNameMismatch, ex.Kind);
        Assert.Contains(_forwarder.Url, ex.Message, StringComparison.Ordinal);
        Assert.Contains("does not name '127.0.0.2'", ex.Message, StringComparison.Ordinal);
        Assert.All(new[] { "localhost", "127.0.0.1", "::1" }, name => Assert.Contains(name, ex.Message, StringComparison.Ordinal));
        Assert.DoesNotContain("unreachable", ex.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(_server.AdminToken, ex.ToString(), StringComparison.Ordinal);

        // Refused in the handshake, once (not retried as a dropped connection would be): no request reached the server.
        Assert.Equal(1, _forwarder.Connections);
        Assert.DoesNotContain(_server.RequestLog.Snapshot(), e => e.PathAndQuery.Contains("/secrets/absent", StringComparison.Ordinal));
    }

    [ServerOnlyFact]
    public async Task A_kubeconfig_ca_does_not_vouch_for_a_server_under_a_name_its_certificate_lacks()
    {
        var connection = Factory().Connect(new ConnectionOptions(new[] { Kubeconfig(_forwarder.Url) }));
        AssertMismatch(await Assert.ThrowsAsync<KubeApiException>(() => ReadAsync(connection)));
    }

    [ServerOnlyFact]
    public async Task A_server_given_with_its_ca_and_a_token_is_refused_under_a_name_its_certificate_lacks()
    {
        var connection = Factory().Connect(new ConnectionOptions(Server: _forwarder.Url, CertificateAuthority: _server.CaCertificatePem, Token: _server.AdminToken));
        AssertMismatch(await Assert.ThrowsAsync<KubeApiException>(() => ReadAsync(connection)));
    }

    [ServerOnlyFact]
    public async Task Tls_server_name_is_the_name_checked_and_the_sni_sent()
    {
        var connection = Factory().Connect(new ConnectionOptions(new[] { Kubeconfig(_forwarder.Url, tlsServerName: "localhost") }));
        Assert.Null(await ReadAsync(connection));
        Assert.Equal(new[] { "localhost" }, _forwarder.ServerNames);
    }

    [ServerOnlyFact]
    public async Task Tls_server_name_that_the_certificate_lacks_is_a_mismatch_even_on_the_right_address()
    {
        var connection = Factory().Connect(new ConnectionOptions(new[] { Kubeconfig(_server.BaseAddress.GetLeftPart(UriPartial.Authority), tlsServerName: "api.example") }));
        var ex = await Assert.ThrowsAsync<KubeApiException>(() => ReadAsync(connection));
        Assert.Equal(KubeErrorKind.ServerNameMismatch, ex.Kind);
        Assert.Contains("does not name 'api.example'", ex.Message, StringComparison.Ordinal);
    }

    [ServerOnlyFact]
    public async Task Insecure_skip_tls_verify_checks_nothing_as_kubectl_does()
    {
        var connection = Factory().Connect(new ConnectionOptions(new[] { Kubeconfig(_forwarder.Url, insecure: true) }));
        Assert.True(connection.SkipsTlsVerification);
        Assert.Null(await ReadAsync(connection));
    }

    [ServerOnlyFact]
    public async Task A_ca_other_than_the_servers_is_not_trusted_and_says_so()
    {
        var other = TestCertificates.Create("CN=other-ca", Array.Empty<string>(), ca: true);
        var connection = Factory().Connect(new ConnectionOptions(Server: _server.BaseAddress.GetLeftPart(UriPartial.Authority), CertificateAuthority: other.CertificatePem, Token: _server.AdminToken));
        var ex = await Assert.ThrowsAsync<KubeApiException>(() => ReadAsync(connection));
        Assert.Equal(KubeErrorKind.ClusterUnreachable, ex.Kind);
        Assert.Contains($"The certificate of the API server at {_server.BaseAddress.GetLeftPart(UriPartial.Authority)} does not chain to the certificate authority given (", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://[::1]:6443", null, "::1")]
    [InlineData("https://10.0.0.1:6443", null, "10.0.0.1")]
    [InlineData("https://API.Example:443", null, "api.example")]
    [InlineData("https://10.0.0.1:6443", "kubernetes.default", "kubernetes.default")]
    public void The_name_checked_is_tls_server_name_else_the_host_of_the_url(string server, string? tlsServerName, string expected)
    {
        var config = new k8s.KubernetesClientConfiguration { Host = server, TlsServerName = tlsServerName, SkipTlsVerify = true };
        var check = ServerIdentityCheck.Install(config);
        Assert.Equal(expected, check.ExpectedName);
        Assert.True(check.SkipsVerification);
        Assert.False(config.SkipTlsVerify);
        Assert.NotNull(config.FirstMessageHandlerSetup);
    }
}

/// <summary>
/// Only a certificate made out for serving vouches for the API server, as kubectl (Go's TLS) checks: a client
/// certificate of the cluster CA (which any user with an approved CertificateSigningRequest for the
/// kube-apiserver-client signer may hold, with the subject alternative names they asked for) must not.
/// </summary>
public sealed class ServerIdentityUsageTests
{
    private static (X509Certificate2 Ca, X509Certificate2 Leaf) Issue(string? usageOid)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=cluster-ca", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.KeyCertSign, true));
        var now = DateTimeOffset.UtcNow;
        var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));

        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=someone", leafKey, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("api.example");
        request.CertificateExtensions.Add(san.Build());
        if (usageOid is not null)
        {
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
                new OidCollection { new Oid(usageOid) }, false));
        }

        var leaf = request.Create(ca, now.AddDays(-1), now.AddDays(10), new byte[] { 1, 2, 3, 4 });
        return (ca, leaf);
    }

    private static ServerIdentityCheck CheckTrusting(X509Certificate2 ca) =>
        ServerIdentityCheck.Install(new k8s.KubernetesClientConfiguration
        {
            Host = "https://api.example:6443",
            SslCaCerts = new X509Certificate2Collection(ca),
        });

    [Fact]
    public void A_client_certificate_of_the_cluster_ca_naming_the_server_is_not_trusted()
    {
        var (ca, leaf) = Issue("1.3.6.1.5.5.7.3.2"); // clientAuth only
        var ex = Assert.Throws<AuthenticationException>(
            () => CheckTrusting(ca).Validate(leaf, null, SslPolicyErrors.RemoteCertificateChainErrors));
        Assert.Contains("does not chain to the certificate authority given", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1.3.6.1.5.5.7.3.1")] // serverAuth
    [InlineData(null)] // no extended key usage: any use, as Go allows
    public void A_serving_certificate_of_the_cluster_ca_naming_the_server_is_trusted(string? usageOid)
    {
        var (ca, leaf) = Issue(usageOid);
        Assert.True(CheckTrusting(ca).Validate(leaf, null, SslPolicyErrors.RemoteCertificateChainErrors));
    }
}
