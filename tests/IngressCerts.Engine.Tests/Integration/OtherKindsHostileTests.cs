using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using IngressCerts.Engine.Inventory;
using IngressCerts.Engine.Inventory.Kinds;
using IngressCerts.Engine.Kubernetes;
using IngressCerts.Engine.Tests.Support;
using IngressCerts.Engine.Validation;
using IngressCerts.TestServer.Auth;
using IngressCerts.TestServer.Testing;
using static IngressCerts.Engine.Tests.Integration.OtherKindObjects;

namespace IngressCerts.Engine.Tests.Integration;

/// <summary>
/// Test-IngressCertificate on hostile objects of the other controllers' kinds: garbage, keys it cannot use, Secrets
/// with two certificates, delegations to every namespace, and users who may not read what a test needs.
/// </summary>
public sealed class OtherKindsHostileTests
{
    private static TestOptions Trusting(params TestCertificates.Issued[] trusted) =>
        new(DateTimeOffset.UtcNow, TrustedRoots: new X509Certificate2Collection(trusted.Select(t => t.Certificate).ToArray()));

    private static TestTarget Target(string ns, string name, string kind, string? group = null, string? istioNamespace = null) =>
        new(ns, name, ns, null, null, Kind: kind, ApiGroup: group, IstioGatewayNamespace: istioNamespace);

    private static string Failures(CertificateTestResult result) => string.Join("; ", result.Checks.Where(c => !c.Passed));

    /// <summary>Every text of a result a user can see: checks and findings.</summary>
    private static string Text(CertificateTestResult result) =>
        string.Join("\n", result.Checks.Select(c => $"{c.Name} {c.Expected} {c.Actual} {c.Message}").Concat(result.Findings.Select(f => f.Id + " " + f.Message)));

    [ServedFact("route.openshift.io/v1")]
    public async Task A_route_with_a_garbage_certificate_or_a_key_it_cannot_use_fails_and_never_shows_the_key()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("rt-hostile-");
        var good = TestCertificates.Create("CN=shop.example", ["shop.example"]);
        using var rsa = RSA.Create(2048);
        string rsaKey = rsa.ExportPkcs8PrivateKeyPem();
        string encrypted = good.Key.ExportEncryptedPkcs8PrivateKeyPem("pw", new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 1000));
        string keyBody = good.KeyPem.Split('\n')[1];
        await cluster.CreateAsync(Route(ns, "garbage", "shop.example", new JsonObject { ["termination"] = "edge", ["certificate"] = "not a certificate " + keyBody, ["key"] = good.KeyPem }));
        await cluster.CreateAsync(Route(ns, "encrypted", "shop.example", new JsonObject { ["termination"] = "edge", ["certificate"] = good.CertificatePem, ["key"] = encrypted }));
        await cluster.CreateAsync(Route(ns, "rsakey", "shop.example", new JsonObject { ["termination"] = "edge", ["certificate"] = good.CertificatePem, ["key"] = rsaKey }));
        await cluster.CreateAsync(Route(ns, "keyascert", "shop.example", new JsonObject { ["termination"] = "edge", ["certificate"] = good.KeyPem, ["key"] = good.KeyPem }));
        await cluster.CreateAsync(Route(ns, "huge", "shop.example", new JsonObject { ["termination"] = "edge", ["certificate"] = new string('A', 512 * 1024), ["key"] = good.KeyPem }));

        var results = (await new CertificateTester(cluster.Connect(), Trusting(good)).TestAsync(
            [Target(ns, "garbage", "Route"), Target(ns, "encrypted", "Route"), Target(ns, "rsakey", "Route"), Target(ns, "keyascert", "Route"), Target(ns, "huge", "Route")],
            CancellationToken.None)).ToDictionary(r => r.Name!);

        Assert.All(results.Values, r => Assert.False(r.Passed, r.Name));
        Assert.Equal("KeyMismatch", results["rsakey"].Status);
        Assert.Contains("KeyMatches", results["encrypted"].FailedChecks);
        Assert.All(results.Values, r =>
        {
            string text = Text(r);
            Assert.DoesNotContain(keyBody, text, StringComparison.Ordinal);
            Assert.DoesNotContain("PRIVATE" + " KEY-----", text, StringComparison.Ordinal);
            Assert.DoesNotContain(rsaKey.Split('\n')[1], text, StringComparison.Ordinal);
            Assert.DoesNotContain(encrypted.Split('\n')[1], text, StringComparison.Ordinal);
        });
    }

    [ServedFact("route.openshift.io/v1")]
    public async Task A_route_whose_inline_chain_is_out_of_order_is_told_so()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("rt-order-");
        var root = TestCertificates.Create("CN=Root", [], ca: true, validDays: 400);
        var intermediate = TestCertificates.Create("CN=Intermediate", [], ca: true, validDays: 300, issuer: root);
        var leaf = TestCertificates.Create("CN=shop.example", ["shop.example"], issuer: intermediate);
        await cluster.CreateAsync(Route(ns, "ordered", "shop.example", new JsonObject { ["termination"] = "edge", ["certificate"] = leaf.CertificatePem + intermediate.CertificatePem, ["key"] = leaf.KeyPem }));
        await cluster.CreateAsync(Route(ns, "reversed", "shop.example", new JsonObject { ["termination"] = "edge", ["certificate"] = intermediate.CertificatePem + leaf.CertificatePem, ["key"] = leaf.KeyPem }));

        var results = (await new CertificateTester(cluster.Connect(), Trusting(root)).TestAsync(
            [Target(ns, "ordered", "Route"), Target(ns, "reversed", "Route")], CancellationToken.None)).ToDictionary(r => r.Name!);

        Assert.True(results["ordered"].Passed, Failures(results["ordered"]));
        Assert.False(results["reversed"].Passed);
    }

    [ServedFact("networking.istio.io/v1")]
    public async Task An_istio_secret_is_never_read_as_half_of_one_pair_and_half_of_the_other()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("is-hostile-");
        var served = TestCertificates.Create("CN=shop.example", ["shop.example"]);
                await cluster.CreateAsync(GenericSecret(ns, "certonly", ("cert", served.CertificateBytes)));
        await cluster.CreateAsync(GenericSecret(ns, "halves", ("tls.crt", served.CertificateBytes), ("key", served.KeyBytes)));
        await cluster.CreateAsync(IstioGateway(ns, "v1",
            IstioServer("certonly", "shop.example", new JsonObject { ["mode"] = "SIMPLE", ["credentialName"] = "certonly" }),
            IstioServer("halves", "shop.example", new JsonObject { ["mode"] = "SIMPLE", ["credentialName"] = "halves" })));

        var results = (await new CertificateTester(cluster.Connect(), Trusting(served)).TestAsync(
            [new TestTarget(ns, "edge", ns, null, null, served.Certificate.Thumbprint, Kind: "Gateway", ApiGroup: ApiGroups.Istio)], CancellationToken.None))
            .ToDictionary(r => r.Listener!);

        // Istio serves cert and key, or tls.crt and tls.key, a pair or nothing (pilot/pkg/credentials/kube ExtractCertInfo).
        Assert.Contains("KeyMatches", results["certonly"].FailedChecks);
        Assert.Equal("InvalidSecret", results["halves"].Status);
        Assert.Contains("KeyMatches", results["halves"].FailedChecks);
        Assert.StartsWith("tls.key", Assert.Single(results["halves"].Checks, c => c.Name == "KeyMatches").Expected, StringComparison.Ordinal);
    }

    [ServedFact("projectcontour.io/v1")]
    public async Task An_http_proxy_may_use_a_secret_delegated_to_every_namespace()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("hp-star-");
        string certs = await cluster.CreateNamespaceAsync("hp-star-certs-");
        var good = TestCertificates.Create("CN=shop.example", ["shop.example"]);
        await cluster.CreateAsync(ClusterObjects.TlsSecret(certs, "shared", good));
        await cluster.CreateAsync(Delegation(certs, "shared", "*"));
        await cluster.CreateAsync(Proxy(ns, "web", "shop.example", new JsonObject { ["secretName"] = $"{certs}/shared" }));

        var result = Assert.Single(await new CertificateTester(cluster.Connect(), Trusting(good)).TestAsync([Target(ns, "web", "HTTPProxy")], CancellationToken.None));

        Assert.True(result.Passed, Failures(result));
    }

    [ServerOnlyFact]
    public async Task A_user_who_may_not_list_the_kind_is_told_so_not_that_the_object_does_not_exist()
    {
        await using var cluster = await TestCluster.StartAsync();
        var server = cluster.RequireServer();
        string ns = await cluster.CreateNamespaceAsync("rt-rbac-");
        var good = TestCertificates.Create("CN=shop.example", ["shop.example"]);
        await cluster.CreateAsync(ClusterObjects.TlsSecret(ns, "ext", good));
        await cluster.CreateAsync(Route(ns, "web", "shop.example", new JsonObject { ["termination"] = "edge", ["externalCertificate"] = new JsonObject { ["name"] = "ext" } }));
        var warnings = new List<string>();

        var noList = server.ConnectAs("secrets-only", AccessRule.Allow("get,list", "secrets"));
        var hidden = Assert.Single(await new CertificateTester(noList, Trusting(good), warning: warnings.Add).TestAsync([Target(ns, "web", "Route")], CancellationToken.None));
        var found = Assert.Single(hidden.Checks);
        Assert.Equal(("Found", false, "forbidden"), (found.Name, found.Passed, found.Actual));
        Assert.StartsWith($"Route {ns}/web cannot be read: ", found.Message, StringComparison.Ordinal);
        Assert.Contains("list routes", found.Message, StringComparison.Ordinal);
        Assert.Single(warnings);

        var noSecrets = server.ConnectAs("routes-only", AccessRule.Allow("get,list", "routes"));
        var forbidden = Assert.Single(await new CertificateTester(noSecrets, Trusting(good)).TestAsync([Target(ns, "web", "Route")], CancellationToken.None));
        Assert.False(forbidden.Passed);
        Assert.Contains("SecretPresent", forbidden.FailedChecks);
    }

    [Theory]
    [InlineData("Host(`a.example`", "a.example")]
    [InlineData("Host()", "")]
    [InlineData("Host(``)", "")]
    [InlineData("Host(`a.example`) && Header(`X`, `\"Host(`b.example`)\"`)", "a.example")]
    [InlineData("Host(\"a.example\")", "a.example")]
    [InlineData("((Host(`a.example`))", "a.example")]
    [InlineData("Host(`a.example`))", "a.example")]
    public void A_hostile_traefik_rule_gives_no_host_it_does_not_name_and_unbalanced_parentheses_are_forgiven(string rule, string expected)
    {
        var hosts = TraefikIngressRoutes.Hosts(rule).Hosts;
        Assert.All(hosts, h => Assert.Contains(h, expected.Split(',', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public void A_very_long_or_deeply_nested_traefik_rule_is_read_in_linear_time()
    {
        string nested = new string('(', 5000) + "Host(`a.example`)" + new string(')', 5000);
        string negated = string.Concat(Enumerable.Repeat("!(", 2000)) + "Host(`a.example`)" + new string(')', 2000);
        string wide = string.Join(" || ", Enumerable.Range(0, 5000).Select(i => $"Host(`h{i}.example`)"));
        string unbalanced = new string('(', 20000) + "Host(`a.example`)";

        Assert.Equal(["a.example"], TraefikIngressRoutes.Hosts(nested).Hosts);
        _ = TraefikIngressRoutes.Hosts(negated);
        Assert.Equal(5000, TraefikIngressRoutes.Hosts(wide).Hosts.Count);
        _ = TraefikIngressRoutes.Hosts(unbalanced);
    }
}
