using IngressCerts.Engine.Inventory;
using IngressCerts.Engine.Kubernetes;
using IngressCerts.Engine.Tests.Support;
using IngressCerts.Engine.Validation;
using IngressCerts.TestServer;
using IngressCerts.TestServer.Auth;
using IngressCerts.TestServer.Testing;

namespace IngressCerts.Engine.Tests.Integration;

/// <summary>cert-manager Certificates in a cluster inventory: every reference whose Secret one manages says which, and how it is.</summary>
public sealed class CertManagerClusterTests
{
    private static readonly InventoryOptions Now = new(DateTimeOffset.UtcNow);

    private static readonly Dictionary<string, string> Annotations = new()
    {
        ["cert-manager.io/certificate-name"] = "blog",
        ["cert-manager.io/issuer-name"] = "internal-ca",
        ["cert-manager.io/issuer-kind"] = "Issuer",
        ["cert-manager.io/issuer-group"] = "cert-manager.io",
    };

    // A real cert-manager rewrites the status of the Certificates it manages: the Ready conditions and renewal times
    // written here hold only on the test server.
    [ServerOnlyFact]
    public async Task References_show_the_managing_certificate_its_issuer_ready_condition_and_renewal_time()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("cm-");
        var cert = TestCertificates.Create("CN=shop.example", ["shop.example"]);
        var renewal = new DateTime(2027, 2, 3, 4, 5, 6, DateTimeKind.Utc);
        await cluster.CreateAsync(ClusterObjects.TlsSecret(ns, "shop-tls", cert));
        await cluster.CreateAsync(ClusterObjects.TlsSecret(ns, "api-tls", cert));
        await cluster.CreateAsync(ClusterObjects.TlsSecret(ns, "plain-tls", cert));
        await cluster.CreateAsync(ClusterObjects.Ingress(ns, "shop", (["shop.example"], "shop-tls")));
        await cluster.CreateAsync(ClusterObjects.Ingress(ns, "api", (["shop.example"], "api-tls")));
        await cluster.CreateAsync(ClusterObjects.Ingress(ns, "new", (["shop.example"], "new-tls")));
        await cluster.CreateAsync(ClusterObjects.Ingress(ns, "plain", (["shop.example"], "plain-tls")));
        await cluster.CreateAsync(ClusterObjects.CertManagerCertificate(ns, "shop", "shop-tls", "letsencrypt"));
        await cluster.CreateAsync(ClusterObjects.CertManagerCertificate(ns, "api", "api-tls", "internal-ca", issuerKind: null));
        await cluster.CreateAsync(ClusterObjects.CertManagerCertificate(ns, "new", "new-tls", "letsencrypt"));
        await cluster.SetCertificateStatusAsync(ns, "shop", ClusterObjects.CertManagerStatus("True", "Ready", "Certificate is up to date and has not expired", renewal));
        await cluster.SetCertificateStatusAsync(ns, "api", ClusterObjects.CertManagerStatus("False", "Failed", "The certificate request has failed to complete and will be retried"));

        var results = (await cluster.Connect().ScanAsync(Now, [ns])).ToDictionary(r => r.Name);

        var shop = results["shop"];
        Assert.Equal(("cert-manager", "shop", "ClusterIssuer/letsencrypt", "cert-manager.io"), (shop.ManagedBy, shop.CertManagerCertificate, shop.CertManagerIssuer, shop.CertManagerIssuerGroup));
        Assert.Equal(("True", "Ready", "Certificate is up to date and has not expired"), (shop.CertManagerReady, shop.CertManagerReadyReason, shop.CertManagerReadyMessage));
        Assert.Equal(renewal, shop.CertManagerRenewalTime);
        Assert.Equal(DateTimeKind.Utc, shop.CertManagerRenewalTime!.Value.Kind);
        Assert.Equal("Valid", shop.Status);

        // issuerRef without kind and group: cert-manager's defaults, Issuer in cert-manager.io.
        var api = results["api"];
        Assert.Equal(("api", "Issuer/internal-ca", "cert-manager.io"), (api.CertManagerCertificate, api.CertManagerIssuer, api.CertManagerIssuerGroup));
        Assert.Equal(("False", "Failed"), (api.CertManagerReady, api.CertManagerReadyReason));
        Assert.Contains("failed to complete", api.CertManagerReadyMessage, StringComparison.Ordinal);
        Assert.Null(api.CertManagerRenewalTime);

        // The Secret is not there yet: the Certificate still manages the reference; no condition yet.
        var fresh = results["new"];
        Assert.Equal(("SecretNotFound", "cert-manager", "new"), (fresh.Status, fresh.ManagedBy, fresh.CertManagerCertificate));
        Assert.Null(fresh.CertManagerReady);

        var plain = results["plain"];
        Assert.Equal(string.Empty, plain.ManagedBy);
        Assert.Null(plain.CertManagerCertificate);
        Assert.Null(plain.CertManagerIssuer);
        Assert.Null(plain.CertManagerReady);
    }

    [ServedFact("cert-manager.io/v1")]
    public async Task A_certificate_manages_only_the_secret_of_its_own_namespace()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("cm-own-");
        string other = await cluster.CreateNamespaceAsync("cm-other-");
        var cert = TestCertificates.Create("CN=shop.example", ["shop.example"]);
        await cluster.CreateAsync(ClusterObjects.TlsSecret(ns, "shop-tls", cert));
        await cluster.CreateAsync(ClusterObjects.Ingress(ns, "shop", (["shop.example"], "shop-tls")));
        await cluster.CreateAsync(ClusterObjects.CertManagerCertificate(other, "shop", "shop-tls", "letsencrypt"));

        var result = Assert.Single(await cluster.Connect().ScanAsync(Now, [ns, other]));
        Assert.Equal(string.Empty, result.ManagedBy);
        Assert.Null(result.CertManagerCertificate);
    }

    [ServerOnlyFact]
    public async Task Unserved_certificates_are_silent_and_forbidden_ones_one_warning_with_the_annotations_still_read()
    {
        var cert = TestCertificates.Create("CN=shop.example", ["shop.example"]);

        // Not served: discovery says so, no list is sent and nothing warns; the Secret's annotations still name the
        // Certificate and its issuer.
        await using (var cluster = await TestCluster.StartAsync(new KubeApiServerOptions { ServeOtherKinds = false }))
        {
            string ns = await cluster.CreateNamespaceAsync("cm-off-");
            await cluster.CreateAsync(ClusterObjects.TlsSecret(ns, "blog-tls", cert, annotations: Annotations));
            await cluster.CreateAsync(ClusterObjects.Ingress(ns, "blog", (["shop.example"], "blog-tls")));
            var server = cluster.RequireServer();
            server.RequestLog.Clear();
            var warnings = new List<string>();
            var verbose = new List<string>();
            var result = Assert.Single(await new ClusterScanner(new ClusterReader(cluster.Connect(), verbose.Add, warnings.Add), Now, verbose.Add).CollectAsync([ns]));
            Assert.Empty(warnings);
            Assert.DoesNotContain(server.RequestLog.Snapshot(), e => e.PathAndQuery.Contains("/certificates", StringComparison.Ordinal));
            Assert.Single(server.RequestLog.Snapshot(), e => e.PathAndQuery.TrimEnd('/') == "/apis");
            Assert.Equal(("cert-manager", "blog", "Issuer/internal-ca", "cert-manager.io"), (result.ManagedBy, result.CertManagerCertificate, result.CertManagerIssuer, result.CertManagerIssuerGroup));
            Assert.Null(result.CertManagerReady);
        }

        // Served but forbidden, in two namespaces: one warning; the annotations are still read.
        await using (var cluster = await TestCluster.StartAsync())
        {
            string a = await cluster.CreateNamespaceAsync("cm-a-");
            string b = await cluster.CreateNamespaceAsync("cm-b-");
            await cluster.CreateAsync(ClusterObjects.TlsSecret(a, "blog-tls", cert, annotations: Annotations));
            await cluster.CreateAsync(ClusterObjects.Ingress(a, "blog", (["shop.example"], "blog-tls")));
            await cluster.CreateAsync(ClusterObjects.CertManagerCertificate(a, "blog", "blog-tls", "internal-ca", "Issuer"));
            var viewer = cluster.RequireServer().ConnectAs("viewer", AccessRule.Allow("get,list", "ingresses,secrets,routes,ingressroutes,gateways,httpproxies,tlscertificatedelegations"));
            var warnings = new List<string>();
            var verbose = new List<string>();
            var result = Assert.Single(await new ClusterScanner(new ClusterReader(viewer, verbose.Add, warnings.Add), Now, verbose.Add).CollectAsync([a, b]));
            var warning = Assert.Single(warnings);
            Assert.Contains("Skipping certificates", warning, StringComparison.Ordinal);
            Assert.Equal(("blog", "Issuer/internal-ca"), (result.CertManagerCertificate, result.CertManagerIssuer));
            Assert.Null(result.CertManagerReady);
        }
    }

    private static async Task<IReadOnlyList<CertificateTestResult>> TestAsync(ClusterConnection connection, List<string>? warnings, params TestTarget[] targets) =>
        await new CertificateTester(connection, new TestOptions(DateTimeOffset.UtcNow), warning: warnings is null ? null : warnings.Add).TestAsync(targets, CancellationToken.None);

    [ServerOnlyFact]
    public async Task Test_checks_that_the_managing_certificate_is_ready_and_says_why_when_not()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("cm-test-");
        var cert = TestCertificates.Create("CN=shop.example", ["shop.example"]);
        foreach (string name in new[] { "ready", "failing", "pending", "plain" })
        {
            await cluster.CreateAsync(ClusterObjects.TlsSecret(ns, name + "-tls", cert));
            await cluster.CreateAsync(ClusterObjects.Ingress(ns, name, (["shop.example"], name + "-tls")));
        }

        foreach (string name in new[] { "ready", "failing", "pending" })
        {
            await cluster.CreateAsync(ClusterObjects.CertManagerCertificate(ns, name, name + "-tls", "letsencrypt"));
        }

        await cluster.SetCertificateStatusAsync(ns, "ready", ClusterObjects.CertManagerStatus("True", "Ready", "Certificate is up to date and has not expired"));
        await cluster.SetCertificateStatusAsync(ns, "failing", ClusterObjects.CertManagerStatus("False", "Failed", "The certificate request has failed to complete and will be retried: rate limited"));
        await cluster.SetCertificateStatusAsync(ns, "pending", ClusterObjects.CertManagerStatus("Unknown", "Pending", "Issuing certificate as Secret was previously issued by a different issuer"));

        var warnings = new List<string>();
        var results = (await TestAsync(cluster.Connect(), warnings,
            new TestTarget(ns, "ready", null, null, null), new TestTarget(ns, "failing", null, null, null),
            new TestTarget(ns, "pending", null, null, null), new TestTarget(ns, "plain", null, null, null))).ToDictionary(r => r.Name!);
        Assert.Empty(warnings);

        var ready = Assert.Single(results["ready"].GetChecks(), c => c.Name == "CertManagerReady");
        Assert.True(ready.Passed);
        Assert.True(results["ready"].Passed);

        var failing = Assert.Single(results["failing"].GetChecks(), c => c.Name == "CertManagerReady");
        Assert.False(failing.Passed);
        Assert.Equal(("Ready=True", "False"), (failing.Expected, failing.Actual));
        Assert.Equal($"cert-manager Certificate {ns}/failing is not Ready (Ready=False) (Failed: The certificate request has failed to complete and will be retried: rate limited).", failing.Message);
        Assert.False(results["failing"].Passed);
        Assert.Equal(["CertManagerReady"], results["failing"].FailedChecks);

        var pending = Assert.Single(results["pending"].GetChecks(), c => c.Name == "CertManagerReady");
        Assert.False(pending.Passed);
        Assert.Equal("Unknown", pending.Actual);
        Assert.Contains("(Pending: Issuing certificate", pending.Message, StringComparison.Ordinal);

        // No Certificate manages it: no such check at all.
        Assert.DoesNotContain(results["plain"].GetChecks(), c => c.Name == "CertManagerReady");
        Assert.True(results["plain"].Passed);
    }

    [ServerOnlyFact]
    public async Task Test_without_certificates_to_read_has_no_ready_check_and_warns_once_when_forbidden()
    {
        var cert = TestCertificates.Create("CN=shop.example", ["shop.example"]);
        await using (var cluster = await TestCluster.StartAsync(new KubeApiServerOptions { ServeOtherKinds = false }))
        {
            string ns = await cluster.CreateNamespaceAsync("cm-test-off-");
            await cluster.CreateAsync(ClusterObjects.TlsSecret(ns, "blog-tls", cert, annotations: Annotations));
            var warnings = new List<string>();
            var result = Assert.Single(await TestAsync(cluster.Connect(), warnings, new TestTarget(ns, null, null, "blog-tls", ["shop.example"])));
            Assert.Empty(warnings);
            Assert.DoesNotContain(result.GetChecks(), c => c.Name == "CertManagerReady");
            Assert.True(result.Passed);
        }

        await using (var cluster = await TestCluster.StartAsync())
        {
            string a = await cluster.CreateNamespaceAsync("cm-test-a-");
            string b = await cluster.CreateNamespaceAsync("cm-test-b-");
            foreach (string ns in new[] { a, b })
            {
                await cluster.CreateAsync(ClusterObjects.TlsSecret(ns, "blog-tls", cert, annotations: Annotations));
                await cluster.CreateAsync(ClusterObjects.CertManagerCertificate(ns, "blog", "blog-tls", "internal-ca", "Issuer"));
                await cluster.SetCertificateStatusAsync(ns, "blog", ClusterObjects.CertManagerStatus("False", "Failed", "broken"));
            }

            var viewer = cluster.RequireServer().ConnectAs("secret-viewer", AccessRule.Allow("get,list", "secrets"));
            var warnings = new List<string>();
            var results = await TestAsync(viewer, warnings, new TestTarget(a, null, null, "blog-tls", ["shop.example"]), new TestTarget(b, null, null, "blog-tls", ["shop.example"]));
            Assert.Contains("Skipping certificates", Assert.Single(warnings), StringComparison.Ordinal);
            Assert.All(results, r => Assert.DoesNotContain(r.GetChecks(), c => c.Name == "CertManagerReady"));
        }
    }
}
