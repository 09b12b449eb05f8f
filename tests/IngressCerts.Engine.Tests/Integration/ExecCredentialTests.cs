using System.Text;
using IngressCerts.Engine.Inventory;
using IngressCerts.Engine.Kubernetes;
using IngressCerts.Engine.Tests.Kubernetes;
using IngressCerts.Engine.Tests.Support;
using IngressCerts.TestServer;
using IngressCerts.TestServer.Testing;

namespace IngressCerts.Engine.Tests.Integration;

/// <summary>
/// Connections whose kubeconfig user signs in through an exec credential plugin: the plugin runs once per
/// connection, not once more for the first request, and again only when its credential nears expiry.
/// </summary>
[Collection(ExecPluginCollection.Name)]
public sealed class ExecCredentialTests : IDisposable
{
    private readonly FakeExecPlugin _plugin = new();

    public void Dispose() => _plugin.Dispose();

    /// <summary>A kubeconfig for the test cluster whose user is the plugin, answering with the cluster's own credentials.</summary>
    private string ExecKubeconfig(TestCluster cluster)
    {
        var admin = Kubeconfig.Load(cluster.KubeconfigPath, cluster.Context);
        if (admin.Token is not null)
        {
            _plugin.Answer(token: admin.Token);
        }
        else
        {
            _plugin.Answer(certificatePem: admin.ClientCertificatePem, keyPem: admin.ClientKeyPem);
        }

        return WriteKubeconfig(admin);
    }

    private string WriteKubeconfig(Kubeconfig admin)
    {
        string? caPem = admin.CertificateAuthorities.Count == 0
            ? null
            : string.Join('\n', admin.CertificateAuthorities.Select(c => c.ExportCertificatePem()));
        return _plugin.WriteKubeconfig(admin.Server, caPem, admin.InsecureSkipTlsVerify);
    }

    /// <summary>The test server, a namespace, and the plugin answering the admin's token, as the token tests need.</summary>
    private async Task<(TestCluster Cluster, string Ns, string Kubeconfig, string Token)> StartWithTokenAsync()
    {
        var cluster = await TestCluster.StartAsync();
        cluster.RequireServer();
        string ns = await cluster.CreateNamespaceAsync("exec-");
        return (cluster, ns, ExecKubeconfig(cluster), Kubeconfig.Load(cluster.KubeconfigPath).Token!);
    }

    /// <summary>Ten minutes on, in the whole seconds an expirationTimestamp carries.</summary>
    private static DateTimeOffset TenMinutesFrom(DateTimeOffset now) =>
        new(now.UtcDateTime.AddMinutes(10).Ticks / TimeSpan.TicksPerSecond * TimeSpan.TicksPerSecond, TimeSpan.Zero);

    private static ClusterConnection Connect(ConnectionFactory factory, string kubeconfig) =>
        factory.Connect(new ConnectionOptions(new[] { kubeconfig }));

    private static ConnectionFactory NewFactory(TimeProvider? clock = null) => new(_ => null, "/nonexistent-home", clock);

    private static async Task<int> ScanAsync(ClusterConnection connection, string ns)
    {
        var scanner = new ClusterScanner(new ClusterReader(connection), new InventoryOptions(DateTimeOffset.UtcNow));
        int found = 0;
        await foreach (var _ in scanner.ScanAsync(new[] { ns }, CancellationToken.None))
        {
            found++;
        }

        return found;
    }

    private static async Task<string> SeedAsync(TestCluster cluster)
    {
        string ns = await cluster.CreateNamespaceAsync("exec-");
        var shop = TestCertificates.Create("CN=shop.example", new[] { "shop.example" });
        var api = TestCertificates.Create("CN=api.example", new[] { "api.example" });
        await cluster.CreateAsync(ClusterObjects.TlsSecret(ns, "shop-tls", shop));
        await cluster.CreateAsync(ClusterObjects.TlsSecret(ns, "api-tls", api));
        await cluster.CreateAsync(ClusterObjects.Ingress(ns, "shop", (new[] { "shop.example" }, "shop-tls"), (new[] { "api.example" }, "api-tls")));
        return ns;
    }

    [UnixFact]
    public async Task A_scan_runs_the_plugin_once_for_all_its_requests_and_relays_its_stderr_to_debug()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await SeedAsync(cluster);
        string kubeconfig = ExecKubeconfig(cluster);
        var factory = NewFactory();
        var messages = new List<string>();

        ClusterConnection connection;
        using (DiagnosticsRelay.Route(_ => { }, m => { lock (messages) { messages.Add(m); } }))
        {
            connection = Connect(factory, kubeconfig);
            Assert.Equal(2, await ScanAsync(connection, ns));
        }

        Assert.True(connection.RequestCount >= 2, $"{connection.RequestCount} requests");
        Assert.Equal(1, _plugin.Runs);
        Assert.Contains("exec credential plugin: " + FakeExecPlugin.StderrLine, messages);

        // The connection is cached for the session: a second scan signs in no more.
        Assert.Same(connection, Connect(factory, kubeconfig));
        Assert.Equal(2, await ScanAsync(connection, ns));
        Assert.Equal(1, _plugin.Runs);
    }

    [UnixFact(serverOnly: true)]
    public async Task A_token_is_used_until_30_seconds_before_it_expires_then_the_plugin_runs_once_more()
    {
        var (cluster, ns, kubeconfig, token) = await StartWithTokenAsync();
        await using var owned = cluster;
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var expires = TenMinutesFrom(clock.Now);
        _plugin.Answer(token: token, expires: expires);
        var reader = new ClusterReader(Connect(NewFactory(clock), kubeconfig));
        Assert.Equal(1, _plugin.Runs);

        await GetAbsentSecretsAsync(reader, ns);
        clock.Now = expires.AddSeconds(-31);
        await GetAbsentSecretsAsync(reader, ns);
        Assert.Equal(1, _plugin.Runs);

        _plugin.Answer(token: token, expires: expires.AddHours(1));
        clock.Now = expires.AddSeconds(-30);
        await GetAbsentSecretsAsync(reader, ns);
        Assert.Equal(2, _plugin.Runs);
        Assert.Equal(KubeApiServer.AdminUserName, cluster.RequireServer().RequestLog.Snapshot().Last().User);
    }

    [UnixFact(serverOnly: true)]
    public async Task An_expired_token_is_renewed_on_the_next_request()
    {
        var (cluster, ns, kubeconfig, token) = await StartWithTokenAsync();
        await using var owned = cluster;
        _plugin.Answer(token: token, expires: DateTimeOffset.UtcNow.AddMinutes(-5));
        var reader = new ClusterReader(Connect(NewFactory(), kubeconfig));
        Assert.Equal(1, _plugin.Runs);

        _plugin.Answer(token: token, expires: DateTimeOffset.UtcNow.AddHours(1));
        await GetAbsentSecretsAsync(reader, ns);
        Assert.Equal(2, _plugin.Runs);
    }

    /// <summary>Three requests, one after the other.</summary>
    private static async Task GetAbsentSecretsAsync(ClusterReader reader, string ns)
    {
        for (int i = 0; i < 3; i++)
        {
            Assert.Null(await reader.GetSecretAsync(ns, "absent-" + i, CancellationToken.None));
        }
    }

    [UnixFact(serverOnly: true)]
    public async Task A_failed_renewal_is_an_unauthorized_error_that_shows_no_token()
    {
        var (cluster, ns, kubeconfig, token) = await StartWithTokenAsync();
        await using var owned = cluster;
        _plugin.Answer(token: token, expires: DateTimeOffset.UtcNow.AddSeconds(5));
        var connection = Connect(NewFactory(), kubeconfig);
        _plugin.FailWith(3);

        var ex = await Assert.ThrowsAsync<KubeApiException>(() => new ClusterReader(connection).GetSecretAsync(ns, "shop-tls", CancellationToken.None));

        Assert.Equal(KubeErrorKind.Unauthorized, ex.Kind);
        Assert.Contains("exit code 3", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(token, ex.ToString(), StringComparison.Ordinal);
        Assert.Equal(2, _plugin.Runs);
    }

    [UnixFact(serverOnly: true)]
    public async Task A_client_certificate_is_renewed_by_the_first_connect_30_seconds_before_it_expires()
    {
        await using var cluster = await TestCluster.StartAsync();
        var server = cluster.RequireServer();
        string ns = await cluster.CreateNamespaceAsync("exec-");
        var certificate = server.IssueClientCertificate("exec-cert", "system:masters");
        string kubeconfig = WriteKubeconfig(Kubeconfig.Load(cluster.KubeconfigPath));
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var expires = TenMinutesFrom(clock.Now);
        var factory = NewFactory(clock);

        _plugin.Answer(certificatePem: certificate.CertificatePem, keyPem: certificate.PrivateKeyPem, expires: expires);
        var first = Connect(factory, kubeconfig);
        await GetAbsentSecretsAsync(new ClusterReader(first), ns);
        Assert.Equal("exec-cert", server.RequestLog.Snapshot().Last().User);
        clock.Now = expires.AddSeconds(-31);
        Assert.Same(first, Connect(factory, kubeconfig));
        Assert.Equal(1, _plugin.Runs);

        // The certificate sits in the connection's TLS set-up, so renewing it takes a new connection.
        _plugin.Answer(certificatePem: certificate.CertificatePem, keyPem: certificate.PrivateKeyPem, expires: expires.AddHours(1));
        clock.Now = expires.AddSeconds(-30);
        var second = Connect(factory, kubeconfig);
        Assert.NotSame(first, second);
        Assert.Equal(2, _plugin.Runs);
        await GetAbsentSecretsAsync(new ClusterReader(second), ns);
        Assert.Same(second, Connect(factory, kubeconfig));
        Assert.Equal(2, _plugin.Runs);
    }
}
