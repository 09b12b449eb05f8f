using IngressCerts.Engine.Inventory;
using IngressCerts.Engine.Kubernetes;
using IngressCerts.Engine.Tests.Support;
using IngressCerts.TestServer;
using IngressCerts.TestServer.Auth;
using IngressCerts.TestServer.Testing;

namespace IngressCerts.Engine.Tests.Integration;

/// <summary>The inventory against a cluster: the test server by default, a real cluster when configured.</summary>
public sealed class ClusterScannerTests
{
    private static readonly InventoryOptions Now = new(DateTimeOffset.UtcNow);

    private static Task<List<IngressCertificate>> ScanAsync(ClusterConnection connection, IReadOnlyList<string>? namespaces, Action<string>? diagnostics = null) =>
        new ClusterScanner(new ClusterReader(connection, diagnostics), Now, diagnostics).CollectAsync(namespaces);

    private static async Task<(string Ns, TestCertificates.Issued Good)> SeedShopAsync(TestCluster cluster)
    {
        string ns = await cluster.CreateNamespaceAsync("shop-");
        var good = TestCertificates.Create("CN=shop.example", new[] { "shop.example" });
        var other = TestCertificates.Create("CN=api.example", new[] { "api.example" });
        await cluster.CreateAsync(ClusterObjects.TlsSecret(ns, "shop-tls", good));
        await cluster.CreateAsync(ClusterObjects.TlsSecret(ns, "api-tls", other, keyOf: good));
        await cluster.CreateAsync(ClusterObjects.Ingress(ns, "shop", (new[] { "shop.example" }, "shop-tls"), (new[] { "api.example" }, "api-tls"), (new[] { "gone.example" }, "gone-tls")));
        return (ns, good);
    }

    [Fact]
    public async Task A_namespaced_scan_reports_each_tls_entry_with_its_status()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (ns, good) = await SeedShopAsync(cluster);

        var results = await ScanAsync(cluster.Connect(), new[] { ns });

        Assert.Equal(3, results.Count);
        var byHost = results.ToDictionary(r => r.Hosts[0], r => r);
        Assert.Equal("Valid", byHost["shop.example"].Status);
        Assert.Equal(good.Certificate.Thumbprint, byHost["shop.example"].Thumbprint);
        Assert.Equal("KeyMismatch", byHost["api.example"].Status);
        Assert.Equal("SecretNotFound", byHost["gone.example"].Status);
        Assert.All(results, r => Assert.Equal(ns, r.Namespace));
    }

    [Fact]
    public async Task An_all_namespace_scan_finds_references_in_every_namespace()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (ns1, _) = await SeedShopAsync(cluster);
        var (ns2, _) = await SeedShopAsync(cluster);

        var results = (await ScanAsync(cluster.Connect(), null)).Where(r => r.Namespace == ns1 || r.Namespace == ns2).ToList();

        Assert.Equal(6, results.Count);
        Assert.Equal(2, results.Count(r => r.Status == "Valid"));
    }

    [ServerOnlyFact]
    public async Task Requests_grow_with_pages_not_objects()
    {
        // The target holds where the other controllers' kinds are not served: one discovery request says so.
        var counts = new List<int>();
        foreach (bool others in new[] { false, true })
        {
            await using var cluster = await TestCluster.StartAsync(new KubeApiServerOptions { ServeOtherKinds = others });
            var server = cluster.RequireServer();
            server.SeedIngressFleet(new TestServer.Seeding.BulkSeedOptions { Namespaces = 12, IngressesPerNamespace = 100 });
            var connection = cluster.Connect();
            server.RequestLog.Clear();

            var results = await ScanAsync(connection, null);

            Assert.Equal(1200, results.Count);
            counts.Add(server.RequestLog.Count);
            Assert.All(server.RequestLog.Snapshot(), e => Assert.Equal("GET", e.Method));
        }

        Assert.True(counts[0] <= 2 * (int)Math.Ceiling(1200 / 500.0) + 5, $"{counts[0]} requests for 1200 ingresses and secrets");

        // Served, each kind costs one list (Route, two IngressRoutes, Istio Gateway, HTTPProxy, cert-manager Certificate), no more.
        Assert.Equal(counts[0] + 6, counts[1]);
    }

    [ServerOnlyFact]
    public Task A_fleet_of_distinct_leaves_gets_a_full_answer_for_every_leaf() => AssertDistinctFleetAsync(rsaIssuer: false);

    [ServerOnlyFact]
    public Task A_fleet_of_distinct_RSA_signed_leaves_gets_a_full_answer_for_every_leaf() => AssertDistinctFleetAsync(rsaIssuer: true);

    private static async Task AssertDistinctFleetAsync(bool rsaIssuer)
    {
        // One certificate and key per Secret, all from one issuing CA, as cert-manager fleets are: the chain of most
        // leaves is answered from the first leaf's build plus their own signature check, and must say what a full
        // build says: the chain is complete up to the fleet's root, which ca.crt holds (as cert-manager writes it) but
        // which is not trusted here.
        await using var cluster = await TestCluster.StartAsync();
        var server = cluster.RequireServer();
        server.SeedIngressFleet(new TestServer.Seeding.BulkSeedOptions { Namespaces = 3, IngressesPerNamespace = 100, CertificatePoolSize = 300, RsaIssuer = rsaIssuer });
        var connection = cluster.Connect();

        var results = await ScanAsync(connection, null);

        Assert.Equal(300, results.Count);
        Assert.All(results, r => Assert.Equal(rsaIssuer ? "sha256RSA" : "sha256ECDSA", r.SignatureAlgorithm));
        Assert.Equal(300, results.Select(r => r.Thumbprint).Distinct().Count());
        Assert.All(results, r =>
        {
            Assert.Equal(2, r.ChainLength);
            Assert.Contains(r.Findings, f => f is { Id: "UntrustedRoot", Status: "UntrustedRoot" });
            Assert.Contains(r.Issues, i => i.Contains("the chain ends in root 'IngressCerts Fleet Root', which is not a trusted root", StringComparison.Ordinal));
            Assert.Equal(r.Thumbprint, r.GetCertificate()!.Thumbprint);
            Assert.Equal("IngressCerts Fleet Issuing CA", Assert.Single(r.GetChain()).GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.SimpleName, false));
        });
        var firstIssues = results[0].Issues.Where(i => i.Contains("trusted root", StringComparison.Ordinal)).ToList();
        Assert.All(results, r => Assert.Equal(firstIssues, r.Issues.Where(i => i.Contains("trusted root", StringComparison.Ordinal))));
    }

    [ServerOnlyFact]
    public async Task Where_listing_secrets_is_forbidden_each_referenced_secret_is_read_by_name()
    {
        await using var cluster = await TestCluster.StartAsync();
        var server = cluster.RequireServer();
        var (ns, _) = await SeedShopAsync(cluster);
        var connection = server.ConnectAs("reader",
            AccessRule.Allow("list,get", "ingresses,gateways,referencegrants"),
            AccessRule.Allow("get", "secrets", ns) with { ResourceNames = new[] { "shop-tls" } });
        var notes = new List<string>();
        var results = await ScanAsync(connection, new[] { ns }, notes.Add);

        var byHost = results.ToDictionary(r => r.Hosts[0], r => r.Status);
        Assert.Equal("Valid", byHost["shop.example"]);
        Assert.Equal("Forbidden", byHost["api.example"]);
        Assert.Contains(notes, n => n.Contains("forbidden", StringComparison.OrdinalIgnoreCase));
    }

    [ServerOnlyFact]
    public async Task A_user_without_gateway_api_rights_still_gets_the_ingresses()
    {
        await using var cluster = await TestCluster.StartAsync();
        var server = cluster.RequireServer();
        var (ns, _) = await SeedShopAsync(cluster);
        var notes = new List<string>();
        var results = await ScanAsync(server.ConnectAs("ingress-only", AccessRule.Allow("get,list", "ingresses,secrets")), null, notes.Add);
        Assert.Equal(3, results.Count(r => r.Namespace == ns));
        Assert.Contains(notes, n => n.Contains("gateways", StringComparison.Ordinal));
    }

    [ServerOnlyFact]
    public async Task A_Secret_list_that_fails_on_a_later_page_fails_the_scan()
    {
        // The Secret pages are fetched in the background; a failure there must surface, not end the scan early as if
        // the list were complete.
        await using var cluster = await TestCluster.StartAsync();
        var server = cluster.RequireServer();
        server.SeedIngressFleet(new TestServer.Seeding.BulkSeedOptions { Namespaces = 3, IngressesPerNamespace = 400 });
        server.Faults.Add(new TestServer.Faults.Fault
        {
            Method = "GET",
            PathRegex = new System.Text.RegularExpressions.Regex(@"^/api/v1/secrets\?.*continue="),
            Count = 1000,
            Kind = TestServer.Faults.FaultKind.InternalError(),
        });

        var ex = await Assert.ThrowsAsync<KubeApiException>(() => ScanAsync(cluster.Connect(), null));
        Assert.Equal(500, ex.StatusCode);
    }

    [ServerOnlyFact]
    public async Task Results_come_in_the_order_of_the_Secrets_pages()
    {
        await using var cluster = await TestCluster.StartAsync();
        var server = cluster.RequireServer();
        server.SeedIngressFleet(new TestServer.Seeding.BulkSeedOptions { Namespaces = 2, IngressesPerNamespace = 600 });

        var results = await ScanAsync(cluster.Connect(), null);

        // The API server lists by key (namespace, then name); each page's results keep that order.
        Assert.Equal(1200, results.Count);
        var keys = results.Select(r => r.SecretNamespace + "/" + r.SecretName).ToList();
        Assert.Equal(keys.OrderBy(k => k, StringComparer.Ordinal), keys);
    }

    [ServerOnlyFact]
    public async Task A_forbidden_list_names_the_cluster_the_user_and_the_verb()
    {
        await using var cluster = await TestCluster.StartAsync();
        var server = cluster.RequireServer();
        var connection = server.ConnectAs("viewer", AccessRule.Allow("get", "secrets"));
        var ex = await Assert.ThrowsAsync<KubeApiException>(() => ScanAsync(connection, null));
        Assert.Equal(KubeErrorKind.Forbidden, ex.Kind);
        Assert.Equal(403, ex.StatusCode);
        Assert.Contains("'viewer'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("list ingresses", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"'{connection.ContextName}'", ex.Message, StringComparison.Ordinal);
    }

    [GatewayApiFact]
    public async Task A_gateway_uses_a_secret_in_another_namespace_only_with_a_reference_grant()
    {
        await using var cluster = await TestCluster.StartAsync();
        string edge = await cluster.CreateNamespaceAsync("edge-");
        string certs = await cluster.CreateNamespaceAsync("certs-");
        var wildcard = TestCertificates.Create("CN=*.apps.example", new[] { "*.apps.example" });
        await cluster.CreateAsync(ClusterObjects.TlsSecret(certs, "wild", wildcard));
        await cluster.CreateAsync(ClusterObjects.Gateway(edge, "gw", certs, "wild"));

        var before = Assert.Single(await ScanAsync(cluster.Connect(), new[] { edge }));
        Assert.Equal("ReferenceNotPermitted", before.Status);
        Assert.Equal("ReferenceNotPermitted", Assert.Single(before.Findings).Id);
        Assert.Contains($"no ReferenceGrant in '{certs}' allows Gateways from '{edge}'", Assert.Single(before.Issues), StringComparison.Ordinal);
        Assert.Null(before.NotAfter);
        Assert.Null(before.DaysRemaining);
        Assert.Null(before.Thumbprint);

        await cluster.CreateAsync(ClusterObjects.Grant(certs, edge));
        var after = Assert.Single(await ScanAsync(cluster.Connect(), new[] { edge }));
        Assert.Equal("Valid", after.Status);
        Assert.Equal("Gateway", after.Kind);
        Assert.Equal("https", after.Listener);
    }

    [ServerOnlyFact]
    public async Task The_secret_and_config_map_a_cluster_puts_into_every_namespace_are_not_reported()
    {
        await using var cluster = await TestCluster.StartAsync(new KubeApiServerOptions { ModelNamespaceDefaults = true });
        string empty = await cluster.CreateNamespaceAsync("defaults-");
        var (shop, _) = await SeedShopAsync(cluster);
        var secrets = (await cluster.Http.GetAsync($"/api/v1/namespaces/{empty}/secrets")).Object["items"]!.AsArray();
        Assert.Equal("kubernetes.io/service-account-token", Assert.Single(secrets)!["type"]!.GetValue<string>());

        Assert.Empty(await ScanAsync(cluster.Connect(), new[] { empty }));
        Assert.Equal(3, (await ScanAsync(cluster.Connect(), new[] { shop })).Count);
        var all = await ScanAsync(cluster.Connect(), null);
        Assert.DoesNotContain(all, r => r.SecretName?.StartsWith("default-token-", StringComparison.Ordinal) == true);
        Assert.DoesNotContain(all, r => r.Namespace == empty);
    }

    [ServerOnlyFact]
    public async Task A_cluster_without_the_gateway_api_is_scanned_without_error()
    {
        await using var cluster = await TestCluster.StartAsync(new KubeApiServerOptions { ServeGatewayApi = false });
        var (ns, _) = await SeedShopAsync(cluster);
        Assert.Equal(3, (await ScanAsync(cluster.Connect(), new[] { ns })).Count);
    }

    [ServerOnlyFact]
    public async Task Throttling_and_server_errors_on_reads_are_retried()
    {
        await using var cluster = await TestCluster.StartAsync();
        var server = cluster.RequireServer();
        var (ns, _) = await SeedShopAsync(cluster);
        server.Faults.Add(new TestServer.Faults.Fault { Method = "GET", PathPrefix = "/apis/networking.k8s.io", Count = 1, Kind = TestServer.Faults.FaultKind.TooManyRequests(1) });
        server.Faults.Add(new TestServer.Faults.Fault { Method = "GET", PathPrefix = "/api/v1/namespaces/" + ns + "/secrets", Count = 1, Kind = TestServer.Faults.FaultKind.ServiceUnavailable() });

        Assert.Equal(3, (await ScanAsync(cluster.Connect(), new[] { ns })).Count);
    }

    [Fact]
    public async Task Namespace_wildcards_resolve_against_the_cluster()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (ns, _) = await SeedShopAsync(cluster);
        var scanner = new ClusterScanner(new ClusterReader(cluster.Connect()), Now);
        var resolved = await scanner.ResolveNamespacesAsync(new[] { ns[..^3] + "*" }, CancellationToken.None);
        Assert.Contains(ns, resolved.Namespaces);
        Assert.Empty(resolved.Missing);
    }

    [Fact]
    public async Task A_named_namespace_that_does_not_exist_is_missing_and_not_scanned()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (ns, _) = await SeedShopAsync(cluster);
        string typo = "shp-" + Guid.NewGuid().ToString("N")[..8];
        var scanner = new ClusterScanner(new ClusterReader(cluster.Connect()), Now);

        var resolved = await scanner.ResolveNamespacesAsync(new[] { typo, ns }, CancellationToken.None);

        Assert.Equal(new[] { typo }, resolved.Missing);
        Assert.Equal(new[] { ns }, resolved.Namespaces);
    }

    [Fact]
    public async Task A_literal_beside_a_wildcard_is_checked_against_the_same_list()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (ns, _) = await SeedShopAsync(cluster);
        string typo = "shp-" + Guid.NewGuid().ToString("N")[..8];
        var notes = new List<string>();
        var scanner = new ClusterScanner(new ClusterReader(cluster.Connect()), Now, notes.Add);

        var resolved = await scanner.ResolveNamespacesAsync(new[] { typo, "no-such-prefix-" + typo + "*" }, CancellationToken.None);

        Assert.Equal(new[] { typo }, resolved.Missing);
        Assert.Empty(resolved.Namespaces);
        Assert.Contains(notes, n => n.Contains("matches 'no-such-prefix-" + typo + "*'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_namespace_without_tls_references_says_so()
    {
        await using var cluster = await TestCluster.StartAsync();
        string empty = await cluster.CreateNamespaceAsync("empty-");
        var (ns, _) = await SeedShopAsync(cluster);
        var notes = new List<string>();

        var results = await ScanAsync(cluster.Connect(), new[] { empty, ns }, notes.Add);

        Assert.Equal(3, results.Count);
        Assert.Contains(notes, n => n.Contains($"in namespace '{empty}'", StringComparison.Ordinal) && n.Contains("references a TLS certificate", StringComparison.Ordinal));
        Assert.DoesNotContain(notes, n => n.Contains($"in namespace '{ns}'", StringComparison.Ordinal) && n.Contains("references a TLS certificate", StringComparison.Ordinal));
    }

    [ServerOnlyFact]
    public async Task A_namespace_the_caller_may_not_read_is_scanned_not_called_missing()
    {
        await using var cluster = await TestCluster.StartAsync();
        var server = cluster.RequireServer();
        var (ns, _) = await SeedShopAsync(cluster);
        var connection = server.ConnectAs("reader", AccessRule.Allow("list,get", "ingresses,gateways,referencegrants,secrets"));
        var notes = new List<string>();
        var scanner = new ClusterScanner(new ClusterReader(connection), Now, notes.Add);

        var resolved = await scanner.ResolveNamespacesAsync(new[] { ns }, CancellationToken.None);

        Assert.Empty(resolved.Missing);
        Assert.Equal(new[] { ns }, resolved.Namespaces);
        Assert.Contains(notes, n => n.Contains("forbidden", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Completion_names_are_the_namespace_s_ingresses_and_tls_secrets_only()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (ns, _) = await SeedShopAsync(cluster);
        await cluster.CreateAsync(System.Text.Json.Nodes.JsonNode.Parse(
            $$$"""{"apiVersion":"v1","kind":"Secret","type":"Opaque","metadata":{"name":"not-tls","namespace":"{{{ns}}}"},"data":{"a":"YQ=="}}""")!.AsObject());
        var reader = new ClusterReader(cluster.Connect());

        Assert.Equal(new[] { "shop" }, await ClusterNames.ListAsync(reader, NameKind.Ingress, ns, CancellationToken.None));
        Assert.Equal(new[] { "api-tls", "shop-tls" }, await ClusterNames.ListAsync(reader, NameKind.TlsSecret, ns, CancellationToken.None));
        Assert.Contains(ns, await ClusterNames.ListAsync(reader, NameKind.Namespace, null, CancellationToken.None));
    }
}
