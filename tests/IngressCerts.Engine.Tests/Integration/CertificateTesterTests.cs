using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using IngressCerts.Engine.Kubernetes;
using IngressCerts.Engine.Probing;
using IngressCerts.Engine.Publishing;
using IngressCerts.Engine.Tests.Certificates;
using IngressCerts.Engine.Tests.Probing;
using IngressCerts.Engine.Tests.Support;
using IngressCerts.Engine.Tests.TestTls;
using IngressCerts.Engine.Validation;
using IngressCerts.TestServer;
using IngressCerts.TestServer.Auth;
using IngressCerts.TestServer.Testing;

namespace IngressCerts.Engine.Tests.Integration;

/// <summary>
/// Test-IngressCertificate's engine against a cluster (test server or real) and real TLS endpoints on loopback.
/// </summary>
public sealed class CertificateTesterTests
{
    private static JsonObject SecretOf(string ns, string name, X509Certificate2 leaf, params X509Certificate2[] chain)
    {
        string crt = string.Concat(new[] { leaf }.Concat(chain).Select(c => c.ExportCertificatePem() + "\n"));
        string key = leaf.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem();
        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Secret",
            ["type"] = "kubernetes.io/tls",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
            ["data"] = new JsonObject
            {
                ["tls.crt"] = Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(crt)),
                ["tls.key"] = Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(key)),
            },
        };
    }

    private static async Task<CertificateTestResult> TestOneAsync(ClusterConnection? connection, TestTarget target, TestOptions options) =>
        Assert.Single(await new CertificateTester(connection, options).TestAsync(new[] { target }, CancellationToken.None));

    private static TestOptions Live(string endpoint, int minimumDays = 30) =>
        new(DateTimeOffset.UtcNow, minimumDays, Live: true, Endpoint: endpoint, Timeout: TimeSpan.FromSeconds(5));

    private static CertificateCheck Check(CertificateTestResult result, string name) => Assert.Single(result.Checks, c => c.Name == name);

    [Fact]
    public async Task The_served_certificate_matching_the_secret_passes_every_check()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("served-");
        var root = TestCertificateAuthority.CreateRoot();
        var intermediate = root.CreateIntermediate();
        var leaf = intermediate.IssueLeaf("shop.example");
        await cluster.CreateAsync(SecretOf(ns, "shop-tls", leaf, intermediate.Certificate));
        await cluster.CreateAsync(ClusterObjects.Ingress(ns, "shop", (new[] { "shop.example" }, "shop-tls")));
        await using var endpoint = TestTlsEndpoint.Start(new ServedIdentity(leaf, intermediate.Certificate));

        var roots = new X509Certificate2Collection(root.Certificate);
        var result = await TestOneAsync(cluster.Connect(), new TestTarget(ns, "shop", ns, null, null, ExpectedThumbprint: leaf.Thumbprint),
            Live(endpoint.Address) with { TrustedRoots = roots });

        Assert.True(result.Passed, string.Join("; ", result.Checks.Where(c => !c.Passed)));
        Assert.Equal(new[] { "SecretPresent", "KeyMatches", "CoversHosts", "ChainComplete", "ChainTrusted", "NotExpired", "DaysRemaining", "ExpectedCertificate", "Served:shop.example" },
            result.Checks.Select(c => c.Name));
        Assert.Equal("Valid", result.Status);
        Assert.Equal(("Ingress", "networking.k8s.io"), (result.Kind, result.ApiGroup));
        Assert.Empty(result.Findings);
        Assert.Contains("shop.example", endpoint.ServerNamesSeen);
        Assert.Equal(0, endpoint.ApplicationBytesReceived);
    }

    [Fact]
    public async Task An_older_certificate_from_the_secrets_history_is_named_as_such()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("stale-");
        var ca = TestCertificateAuthority.CreateRoot();
        var old = ca.IssueLeaf("shop.example");
        var fresh = ca.IssueLeaf("shop.example");
        var connection = cluster.Connect();
        foreach (var cert in new[] { old, fresh })
        {
            using var payload = new PublishPayload(cert, cert.ExportCertificatePem(), System.Text.Encoding.ASCII.GetBytes(cert.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem()));
            var publisher = new Publisher(new ClusterWriter(connection), new PublishOptions());
            await publisher.ApplyAsync(await publisher.PlanAsync(new PublishTarget(ns, "shop-tls"), payload, CancellationToken.None), payload, CancellationToken.None);
        }

        await using var endpoint = TestTlsEndpoint.Start(new ServedIdentity(old));
        var result = await TestOneAsync(connection, new TestTarget(ns, null, ns, "shop-tls", new[] { "shop.example" }), Live(endpoint.Address));

        var served = Check(result, "Served:shop.example");
        Assert.False(served.Passed);
        Assert.Equal(old.Thumbprint, served.Actual);
        Assert.Contains("older", served.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_controller_default_certificate_is_named_as_such()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("fake-");
        var leaf = TestCertificateAuthority.CreateRoot().IssueLeaf("shop.example");
        await cluster.CreateAsync(SecretOf(ns, "shop-tls", leaf));
        var fake = TestCertificateAuthority.CreateSelfSignedLeaf("CN=Kubernetes Ingress Controller Fake Certificate, O=Acme Co", "ingress.local");
        await using var endpoint = TestTlsEndpoint.Start(new ServedIdentity(fake));

        var result = await TestOneAsync(cluster.Connect(), new TestTarget(ns, null, ns, "shop-tls", new[] { "shop.example" }), Live(endpoint.Address));

        var served = Check(result, "Served:shop.example");
        Assert.False(served.Passed);
        Assert.Contains("ingress-nginx", served.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Missing_intermediates_on_the_wire_fail_their_own_check()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("chain-");
        var chain = TestCertificateAuthority.CreateChain("shop.example");
        await cluster.CreateAsync(SecretOf(ns, "shop-tls", chain.Leaf, chain.Intermediate));
        await using var endpoint = TestTlsEndpoint.Start(ServedIdentity.FromChain(chain, sendIntermediate: false));

        var result = await TestOneAsync(cluster.Connect(), new TestTarget(ns, null, ns, "shop-tls", new[] { "shop.example" }), Live(endpoint.Address));

        Assert.True(Check(result, "Served:shop.example").Passed);
        Assert.False(Check(result, "ChainServed:shop.example").Passed);
    }

    [Fact]
    public async Task An_endpoint_that_is_down_or_refuses_the_handshake_is_a_failed_check_with_its_reason()
    {
        var leaf = TestCertificateAuthority.CreateRoot().IssueLeaf("shop.example");
        await using var endpoint = TestTlsEndpoint.Start(new ServedIdentity(leaf));
        endpoint.Behavior = TestTlsBehavior.AbortAfterClientHello;
        var refused = await TestOneAsync(null, new TestTarget(null, null, null, null, new[] { "shop.example" }, ExpectedCertificate: leaf), Live(endpoint.Address));
        Assert.Equal("HandshakeFailed", Check(refused, "Served:shop.example").Actual);

        endpoint.StopListening();
        var down = await TestOneAsync(null, new TestTarget(null, null, null, null, new[] { "shop.example" }, ExpectedCertificate: leaf), Live(endpoint.Address));
        Assert.Equal("ConnectionRefused", Check(down, "Served:shop.example").Actual);
    }

    [Fact]
    public async Task An_expectation_the_secret_does_not_meet_fails_and_AsOf_moves_expiry()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("expect-");
        var ca = TestCertificateAuthority.CreateRoot();
        var leaf = ca.IssueLeaf("shop.example");
        await cluster.CreateAsync(SecretOf(ns, "shop-tls", leaf));
        var connection = cluster.Connect();
        var offline = new TestOptions(DateTimeOffset.UtcNow, MinimumDaysRemaining: 10, TrustedRoots: new X509Certificate2Collection(ca.Certificate));

        var other = await TestOneAsync(connection, new TestTarget(ns, null, ns, "shop-tls", new[] { "shop.example" }, ExpectedThumbprint: new string('A', 40)), offline);
        Assert.False(Check(other, "ExpectedCertificate").Passed);

        var later = await TestOneAsync(connection, new TestTarget(ns, null, ns, "shop-tls", new[] { "shop.example" }), offline with { AsOf = DateTimeOffset.UtcNow.AddDays(100) });
        Assert.False(Check(later, "NotExpired").Passed);
        Assert.True((await TestOneAsync(connection, new TestTarget(ns, null, ns, "shop-tls", new[] { "shop.example" }), offline)).Passed);
    }

    /// <summary>A Secret for *.apps.example in its own namespace and a Gateway in another that refers to it.</summary>
    private static async Task<(string Edge, string Certs)> SeedCrossNamespaceGatewayAsync(TestCluster cluster)
    {
        string edge = await cluster.CreateNamespaceAsync("edge-");
        string certs = await cluster.CreateNamespaceAsync("certs-");
        var wildcard = TestCertificates.Create("CN=*.apps.example", new[] { "*.apps.example" });
        await cluster.CreateAsync(ClusterObjects.TlsSecret(certs, "wild", wildcard));
        await cluster.CreateAsync(ClusterObjects.Gateway(edge, "gw", certs, "wild"));
        return (edge, certs);
    }

    private static TestTarget GatewayTarget(string ns, string name) => new(ns, name, ns, null, null, Kind: "Gateway");

    [GatewayApiFact]
    public async Task A_gateway_secret_in_another_namespace_granted_by_a_reference_grant_is_tested_like_a_local_one()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (edge, certs) = await SeedCrossNamespaceGatewayAsync(cluster);
        await cluster.CreateAsync(ClusterObjects.Grant(certs, edge));
        await cluster.CreateAsync(ClusterObjects.Gateway(certs, "local", certs, "wild"));
        var connection = cluster.Connect();
        var options = new TestOptions(DateTimeOffset.UtcNow);

        var granted = await TestOneAsync(connection, GatewayTarget(edge, "gw"), options);
        var local = await TestOneAsync(connection, GatewayTarget(certs, "local"), options);

        Assert.True(granted.Passed, string.Join("; ", granted.Checks.Where(c => !c.Passed)));
        Assert.Equal(("Gateway", "gateway.networking.k8s.io"), (granted.Kind, granted.ApiGroup));
        Assert.Equal($"Secret {certs}/wild", Check(granted, "SecretPresent").Expected);
        Assert.Equal(local.Checks.Select(c => (c.Name, c.Passed)), granted.Checks.Select(c => (c.Name, c.Passed)));
    }

    [GatewayApiFact]
    public async Task A_gateway_secret_in_another_namespace_without_a_reference_grant_is_not_permitted()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (edge, certs) = await SeedCrossNamespaceGatewayAsync(cluster);

        var result = await TestOneAsync(cluster.Connect(), GatewayTarget(edge, "gw"), new TestOptions(DateTimeOffset.UtcNow));

        Assert.False(result.Passed);
        var permitted = Check(result, "ReferencePermitted");
        Assert.False(permitted.Passed);
        Assert.Contains($"no ReferenceGrant in '{certs}' allows Gateways from '{edge}'", permitted.Message, StringComparison.Ordinal);
        Assert.Equal("ReferenceNotPermitted", result.Status);
        Assert.Equal("ReferenceNotPermitted", Assert.Single(result.Findings).Id);
    }

    [GatewayApiFact]
    public async Task The_live_probe_of_a_gateway_reference_not_permitted_names_the_gateway_and_the_missing_grant()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (edge, certs) = await SeedCrossNamespaceGatewayAsync(cluster);
        var fake = TestCertificateAuthority.CreateSelfSignedLeaf("CN=Kubernetes Ingress Controller Fake Certificate, O=Acme Co", "ingress.local");
        await using var endpoint = TestTlsEndpoint.Start(new ServedIdentity(fake));

        var result = await TestOneAsync(cluster.Connect(), GatewayTarget(edge, "gw"), Live(endpoint.Address));

        var served = Check(result, "Served:*.apps.example");
        Assert.False(served.Passed);
        Assert.Contains($"listener 'https' of Gateway {edge}/gw", served.Message, StringComparison.Ordinal);
        Assert.Contains($"no ReferenceGrant in '{certs}'", served.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Ingress's", served.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_certificate_expiring_with_an_incomplete_chain_reports_both_findings()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("both-");
        var chain = TestCertificateAuthority.CreateChain("shop.example");
        await cluster.CreateAsync(SecretOf(ns, "shop-tls", chain.Leaf));
        var options = new TestOptions(DateTimeOffset.UtcNow, MinimumDaysRemaining: 36500) with { TrustedRoots = new X509Certificate2Collection(chain.Root) };

        var result = await TestOneAsync(cluster.Connect(), new TestTarget(ns, null, ns, "shop-tls", new[] { "shop.example" }), options);

        Assert.Equal("IncompleteChain", result.Status);
        Assert.Equal(["MissingIssuer", "Expiring"], result.Findings.Select(f => f.Id));
        Assert.Equal("MissingIssuer, Expiring", result.Findings.ToString());
        Assert.False(Check(result, "ChainComplete").Passed);
    }

    [ServerOnlyFact]
    public async Task Where_listing_reference_grants_is_forbidden_a_cross_namespace_secret_is_not_permitted_and_a_note_says_why()
    {
        await using var cluster = await TestCluster.StartAsync();
        var server = cluster.RequireServer();
        var (edge, certs) = await SeedCrossNamespaceGatewayAsync(cluster);
        await cluster.CreateAsync(ClusterObjects.Grant(certs, edge));
        var connection = server.ConnectAs("gateway-reader", AccessRule.Allow("get,list", "gateways,secrets"));
        var notes = new List<string>();

        var result = Assert.Single(await new CertificateTester(connection, new TestOptions(DateTimeOffset.UtcNow), diagnostics: notes.Add)
            .TestAsync(new[] { GatewayTarget(edge, "gw") }, CancellationToken.None));

        Assert.False(Check(result, "ReferencePermitted").Passed);
        Assert.True(Check(result, "SecretPresent").Passed);
        Assert.Contains(notes, n => n.Contains("referencegrants", StringComparison.Ordinal) && n.Contains("forbidden", StringComparison.OrdinalIgnoreCase));
    }

    [ServerOnlyFact]
    public async Task Only_the_namespaces_that_cross_namespace_references_point_at_have_their_grants_read()
    {
        await using var cluster = await TestCluster.StartAsync();
        var server = cluster.RequireServer();
        var (edge, certs) = await SeedCrossNamespaceGatewayAsync(cluster);
        await cluster.CreateAsync(ClusterObjects.Gateway(certs, "local", certs, "wild"));
        var connection = cluster.Connect();
        var options = new TestOptions(DateTimeOffset.UtcNow);
        static List<string> GrantReads(KubeApiServer server) =>
            server.RequestLog.Snapshot().Where(e => e.PathAndQuery.Contains("referencegrants", StringComparison.Ordinal)).Select(e => e.PathAndQuery).ToList();

        server.RequestLog.Clear();
        await TestOneAsync(connection, GatewayTarget(certs, "local"), options);
        Assert.Empty(GrantReads(server));

        await TestOneAsync(connection, GatewayTarget(edge, "gw"), options);
        Assert.All(GrantReads(server), p => Assert.StartsWith($"/apis/gateway.networking.k8s.io/v1beta1/namespaces/{certs}/referencegrants", p, StringComparison.Ordinal));
        Assert.NotEmpty(GrantReads(server));
    }

    [Fact]
    public async Task A_key_with_the_certificates_public_point_but_another_scalar_fails_KeyMatches()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("corrupt-");
        var leaf = TestCertificateAuthority.CreateRoot().IssueLeaf("shop.example");
        var secret = SecretOf(ns, "shop-tls", leaf);
        using var key = leaf.GetECDsaPrivateKey()!;
        using var foreign = System.Security.Cryptography.ECDsa.Create(key.ExportParameters(false).Curve);
        var corrupt = CorruptKeys.Pem(CorruptKeys.EcWithForeignScalar(key, foreign));
        secret["data"]!["tls.key"] = Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(corrupt));
        await cluster.CreateAsync(secret);

        var result = await TestOneAsync(cluster.Connect(), new TestTarget(ns, null, ns, "shop-tls", new[] { "shop.example" }), new TestOptions(DateTimeOffset.UtcNow));

        var keyMatches = Check(result, "KeyMatches");
        Assert.False(keyMatches.Passed);
        Assert.Equal("mismatch", keyMatches.Actual);
        Assert.Contains("public key, but", keyMatches.Message, StringComparison.Ordinal);
    }

    // Server only: a real API server validates status.loadBalancer.ingress[].hostname (a DNS-1123 subdomain) and
    // refuses "not a host!", and the test server has no /status subresource, so the Ingress is seeded with its status.
    [ServerOnlyFact]
    public async Task A_bad_load_balancer_address_fails_Served_for_that_Ingress_only_and_the_others_are_probed()
    {
        await using var cluster = await TestCluster.StartAsync();
        var server = cluster.RequireServer();
        string ns = await cluster.CreateNamespaceAsync("badlb-");
        var leaf = TestCertificateAuthority.CreateRoot().IssueLeaf("shop.example", "api.example");
        await cluster.CreateAsync(SecretOf(ns, "shop-tls", leaf));
        JsonObject WithAddress(JsonObject ingress, string field, string address)
        {
            ingress["status"] = new JsonObject { ["loadBalancer"] = new JsonObject { ["ingress"] = new JsonArray(new JsonObject { [field] = address }) } };
            return ingress;
        }

        server.Seed(new[]
        {
            WithAddress(ClusterObjects.Ingress(ns, "bad", (new[] { "shop.example" }, "shop-tls")), "hostname", "not a host!"),
            WithAddress(ClusterObjects.Ingress(ns, "good", (new[] { "api.example" }, "shop-tls")), "ip", "127.0.0.1"),
        });
        var probe = new ServingProbe(leaf);
        var options = new TestOptions(DateTimeOffset.UtcNow, Live: true, Timeout: TimeSpan.FromSeconds(5));

        var results = await new CertificateTester(cluster.Connect(), options, probe)
            .TestAsync(new[] { new TestTarget(ns, "bad", ns, null, null), new TestTarget(ns, "good", ns, null, null) }, CancellationToken.None);

        var bad = Check(Assert.Single(results, r => r.Name == "bad"), "Served:shop.example");
        Assert.False(bad.Passed);
        Assert.Equal("not a host!", bad.Actual);
        Assert.Contains($"Ingress {ns}/bad has the load balancer address 'not a host!'", bad.Message, StringComparison.Ordinal);
        Assert.True(Check(Assert.Single(results, r => r.Name == "good"), "Served:api.example").Passed);
        Assert.Equal(new[] { "api.example" }, probe.Snis);
    }
}
