using System.Security.Cryptography.X509Certificates;
using IngressCerts.Engine.Publishing;
using IngressCerts.Engine.Requests;
using IngressCerts.Engine.Sync;
using IngressCerts.Engine.Tests.Integration;
using IngressCerts.Engine.Tests.Requests;
using IngressCerts.Engine.Tests.Support;
using IngressCerts.Engine.Tests.TestTls;
using IngressCerts.TestServer.Testing;

namespace IngressCerts.Engine.Tests.Sync;

/// <summary>
/// Issue 13's proof "zero downtime": clients handshaking back to back with a controller that serves whatever the
/// Secret holds see no failed handshake while Sync renews the Secret, and see the certificate move from the old to the
/// new one. A negative control shows the same harness catches a write that does leave a gap (delete, then create).
/// Every wait is for an event (a handshake, a load); the token only stops a hung test.
/// </summary>
public sealed class SyncZeroDowntimeTests
{
    private const string Host = "shop.contoso.example";

    // Handshakes required before the change and with the new certificate after it.
    private const int Enough = 25;

    private static CancellationTokenSource HangGuard() => new(TimeSpan.FromMinutes(3));

    private static async Task<(string Ns, TestCertificates.Issued Old)> SeedAsync(TestCluster cluster, string prefix)
    {
        string ns = await cluster.CreateNamespaceAsync(prefix);
        var old = TestCertificates.Create("CN=" + Host, [Host], validDays: 5, daysAgo: 80);
        await cluster.CreateAsync(ClusterObjects.TlsSecret(ns, "shop-tls", old));
        await cluster.CreateAsync(ClusterObjects.Ingress(ns, "shop", ([Host], "shop-tls")));
        return (ns, old);
    }

    /// <summary>The endpoint with the controller's fake default certificate for names it has nothing for, as ingress-nginx has.</summary>
    private static TestTlsEndpoint Controller() =>
        TestTlsEndpoint.Start(new ServedIdentity(TestCertificateAuthority.CreateSelfSignedLeaf("CN=Kubernetes Ingress Controller Fake Certificate, O=Acme Co", "ingress.local")));

    [Fact]
    public async Task Clients_see_no_failed_handshake_while_sync_renews_and_the_served_certificate_moves_to_the_new_one()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (ns, old) = await SeedAsync(cluster, "sync-zd-");
        await using var endpoint = Controller();
        await using var controller = new SecretBackedController(cluster.Connect(), ns, "shop-tls", endpoint, Host);
        using var guard = HangGuard();
        await controller.WaitUntilAsync(c => c.Served == old.Certificate.Thumbprint, guard.Token);
        await using var probe = new HandshakeProbe(endpoint, Host);
        await probe.WaitUntilAsync(p => p.GoodWith(old.Certificate.Thumbprint) >= Enough, guard.Token);

        // The CA answers only once clients have kept handshaking while the renewal is under way (Lease held, key pending).
        int duringRenewal = 0;
        async Task<IReadOnlyList<X509Certificate2>?> Ca(CertificateSigningRequest request, CancellationToken cancellationToken)
        {
            int before = probe.Count;
            await probe.WaitUntilAsync(p => p.Count >= before + Enough, cancellationToken);
            duringRenewal = probe.Count - before;
            return [RequestCompletionTests.Sign(request.Csr, "CN=" + Host, [Host])];
        }

        var connection = cluster.Connect();
        var runner = new SyncRunner(connection, new IssuerSource(new PendingRequestStore(connection), Ca, false, null),
            new SyncOptions(30, new PublishOptions(), null, TimeSpan.FromMinutes(1), TargetLease.NewHolderIdentity()));
        var target = new SyncTarget(
            new IngressCertificate { Context = "ctx", Namespace = ns, Kind = "Ingress", Name = "shop", SecretName = "shop-tls", Hosts = new[] { Host }, Status = "Expiring", Thumbprint = old.Certificate.Thumbprint },
            new SyncDecision(SyncAction.Renewed, "due"), [Host]);
        var result = Assert.Single(await runner.RunAsync(target, null, guard.Token)).Result;
        Assert.Equal("Renewed", result.Action);
        string renewed = result.Thumbprint!;
        Assert.NotEqual(old.Certificate.Thumbprint, renewed);

        await probe.WaitUntilAsync(p => p.GoodWith(renewed) >= Enough, guard.Token);
        await probe.StopAsync();

        var results = probe.Results;
        Assert.Equal(0, probe.Failed);
        Assert.Equal(0, endpoint.HandshakesFailed);
        Assert.True(duringRenewal >= Enough);
        Assert.True(probe.GoodWith(old.Certificate.Thumbprint) >= Enough);
        Assert.True(probe.GoodWith(renewed) >= Enough);

        // Old, then new: once the new certificate is served, the old one never comes back, and nothing else is served.
        int firstNew = results.ToList().FindIndex(r => r.Thumbprint == renewed);
        Assert.All(results.Take(firstNew), r => Assert.Equal(old.Certificate.Thumbprint, r.Thumbprint));
        Assert.All(results.Skip(firstNew), r => Assert.Equal(renewed, r.Thumbprint));
        Assert.Equal([old.Certificate.Thumbprint, renewed], controller.Loaded.Distinct());
        Assert.DoesNotContain(null, controller.Loaded);
    }

    [Fact]
    public async Task The_harness_sees_the_failed_handshakes_of_a_secret_deleted_then_created_again()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (ns, old) = await SeedAsync(cluster, "sync-zd-neg-");
        await using var endpoint = Controller();
        await using var controller = new SecretBackedController(cluster.Connect(), ns, "shop-tls", endpoint, Host);
        using var guard = HangGuard();
        await controller.WaitUntilAsync(c => c.Served == old.Certificate.Thumbprint, guard.Token);
        await using var probe = new HandshakeProbe(endpoint, Host);
        await probe.WaitUntilAsync(p => p.GoodWith(old.Certificate.Thumbprint) >= Enough, guard.Token);

        // The wrong way to replace a certificate: delete the Secret, then create it again with the new one. Between
        // the two writes the controller has nothing for the host, and clients get its fake certificate.
        Assert.True((await cluster.Http.DeleteAsync($"/api/v1/namespaces/{ns}/secrets/shop-tls", cancellationToken: guard.Token)).StatusCode is >= 200 and < 300);
        await controller.WaitUntilAsync(c => c.Served is null, guard.Token);
        await probe.WaitUntilAsync(p => p.Failed >= 1, guard.Token);
        var renewed = TestCertificates.Create("CN=" + Host, [Host], validDays: 90, daysAgo: 1);
        await cluster.CreateAsync(ClusterObjects.TlsSecret(ns, "shop-tls", renewed));
        await probe.WaitUntilAsync(p => p.GoodWith(renewed.Certificate.Thumbprint) >= Enough, guard.Token);
        await probe.StopAsync();

        Assert.True(probe.Failed >= 1);
        Assert.Contains(probe.Results, r => !r.Good && r.Thumbprint is not null && r.Thumbprint != old.Certificate.Thumbprint && r.Thumbprint != renewed.Certificate.Thumbprint);
        Assert.Equal([old.Certificate.Thumbprint, null, renewed.Certificate.Thumbprint], controller.Loaded);
    }
}
