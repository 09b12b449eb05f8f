using System.Text.Json.Nodes;
using IngressCerts.Engine.Inventory;
using IngressCerts.Engine.Kubernetes;
using IngressCerts.Engine.Tests.Support;
using IngressCerts.TestServer;
using IngressCerts.TestServer.Auth;
using IngressCerts.TestServer.Testing;

namespace IngressCerts.Engine.Tests.Integration;

/// <summary>-IncludeUnprotected and -IncludeUnreferenced against a cluster.</summary>
public sealed class ExtraRowsClusterTests
{
    private static readonly InventoryOptions Both = new(DateTimeOffset.UtcNow, IncludeUnprotected: true, IncludeUnreferenced: true);

    private static Task<List<IngressCertificate>> ScanAsync(ClusterConnection connection, IReadOnlyList<string>? namespaces, InventoryOptions options, List<string>? warnings = null) =>
        new ClusterScanner(new ClusterReader(connection), options, warning: warnings is null ? null : warnings.Add).CollectAsync(namespaces);

    /// <summary>An Ingress with one host in TLS and one not, its Secret, a spare Secret, and a history-like Secret of the module.</summary>
    private static async Task<(string Ns, TestCertificates.Issued Spare)> SeedAsync(TestCluster cluster)
    {
        string ns = await cluster.CreateNamespaceAsync("extra-");
        var shop = TestCertificates.Create("CN=shop.example", new[] { "shop.example" });
        var spare = TestCertificates.Create("CN=old.example", new[] { "old.example" });
        await cluster.CreateAsync(ClusterObjects.TlsSecret(ns, "shop-tls", shop));
        await cluster.CreateAsync(ClusterObjects.TlsSecret(ns, "old-tls", spare));
        var own = ClusterObjects.TlsSecret(ns, "own-tls", spare);
        own["metadata"]!["labels"] = new JsonObject { ["ingresscerts.io/request"] = "shop" };
        await cluster.CreateAsync(own);
        var ingress = ClusterObjects.Ingress(ns, "shop", (new[] { "shop.example" }, "shop-tls"));
        ingress["spec"]!["rules"]!.AsArray().Add(new JsonObject { ["host"] = "plain.example", ["http"] = ingress["spec"]!["rules"]![0]!["http"]!.DeepClone() });
        await cluster.CreateAsync(ingress);
        return (ns, spare);
    }

    [Fact]
    public async Task A_namespaced_scan_adds_the_unprotected_hosts_and_the_unreferenced_Secret()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (ns, spare) = await SeedAsync(cluster);

        var results = await ScanAsync(cluster.Connect(), new[] { ns }, Both);

        Assert.Equal(3, results.Count);
        Assert.Equal("Valid", Assert.Single(results, r => r.SecretName == "shop-tls").Status);
        var open = Assert.Single(results, r => r.Status == "NoTls");
        Assert.Equal(("Ingress", "shop", "plain.example"), (open.Kind, open.Name, Assert.Single(open.Hosts)));
        Assert.Null(open.SecretName);
        var loose = Assert.Single(results, r => r.Kind == "Secret");
        Assert.Equal(("old-tls", "Valid", spare.Certificate.Thumbprint), (loose.Name, loose.Status, loose.Thumbprint));
    }

    [Fact]
    public async Task Without_the_switches_the_scan_is_unchanged()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (ns, _) = await SeedAsync(cluster);

        var result = Assert.Single(await ScanAsync(cluster.Connect(), new[] { ns }, new InventoryOptions(DateTimeOffset.UtcNow)));
        Assert.Equal("shop-tls", result.SecretName);
    }

    [ServerOnlyFact]
    public async Task Unreferenced_Secrets_come_from_the_Secret_pages_the_scan_reads_anyway()
    {
        await using var cluster = await TestCluster.StartAsync();
        var server = cluster.RequireServer();
        var (ns, _) = await SeedAsync(cluster);
        var connection = cluster.Connect();

        server.RequestLog.Clear();
        await ScanAsync(connection, null, new InventoryOptions(DateTimeOffset.UtcNow));
        int plain = server.RequestLog.Count;
        server.RequestLog.Clear();
        var results = await ScanAsync(connection, null, Both);

        Assert.Equal(plain, server.RequestLog.Count);
        Assert.Equal("old-tls", Assert.Single(results, r => r.Kind == "Secret" && r.Namespace == ns).Name);
    }

    [ServerOnlyFact]
    public async Task Where_Secrets_cannot_be_listed_one_warning_says_unreferenced_ones_are_not_reported()
    {
        await using var cluster = await TestCluster.StartAsync();
        var server = cluster.RequireServer();
        var (ns, _) = await SeedAsync(cluster);
        var connection = server.ConnectAs("reader",
            AccessRule.Allow("list,get", "ingresses,gateways,referencegrants"),
            AccessRule.Allow("get", "secrets", ns));
        var warnings = new List<string>();

        var results = await ScanAsync(connection, new[] { ns }, Both, warnings);

        Assert.Equal("Valid", Assert.Single(results, r => r.SecretName == "shop-tls").Status);
        Assert.DoesNotContain(results, r => r.Kind == "Secret");
        Assert.Contains("-IncludeUnreferenced reports none", Assert.Single(warnings), StringComparison.Ordinal);
    }
}
