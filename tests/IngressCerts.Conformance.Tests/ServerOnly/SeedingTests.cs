using System.Diagnostics;
using System.Text.Json.Nodes;
using IngressCerts.TestServer;
using IngressCerts.TestServer.Seeding;
using IngressCerts.TestServer.Testing;
using Xunit.Abstractions;

namespace IngressCerts.Conformance.Tests.ServerOnly;

/// <summary>Bulk seeding and paging over it: 10,000 ingresses and 10,000 TLS secrets in 1,000 namespaces.</summary>
public sealed class SeedingTests(ITestOutputHelper output)
{
    [ServerOnlyFact]
    public async Task Ten_thousand_ingresses_and_secrets_seed_quickly_and_page_completely()
    {
        await using var server = await KubeApiServer.StartAsync();
        var seeding = Stopwatch.StartNew();
        var stored = server.SeedIngressFleet();
        seeding.Stop();
        output.WriteLine($"seeded {stored} objects (1,000 namespaces, 10,000 ingresses, 10,000 TLS secrets) in {seeding.ElapsedMilliseconds} ms");
        Assert.Equal(21_000, stored);

        var path = Path.Combine(Path.GetTempPath(), $"seed-{Guid.NewGuid():N}.kubeconfig");
        server.WriteKubeconfig(path);
        using var http = KubeHttp.FromKubeconfig(path);
        File.Delete(path);

        var listing = Stopwatch.StartNew();
        var secrets = await ListAll(http, "/api/v1/secrets");
        var ingresses = await ListAll(http, "/apis/networking.k8s.io/v1/ingresses");
        listing.Stop();
        output.WriteLine($"listed {secrets.Count} secrets and {ingresses.Count} ingresses in pages of 500 in {listing.ElapsedMilliseconds} ms");

        Assert.Equal(10_000, secrets.Count);
        Assert.Equal(10_000, secrets.Distinct().Count());
        Assert.Equal(secrets.Order(StringComparer.Ordinal), secrets);
        Assert.Equal(10_000, ingresses.Count);

        var one = await http.GetAsync("/api/v1/namespaces/fleet-0042/secrets/app-3-tls");
        Assert.Equal("kubernetes.io/tls", one.Object["type"]!.GetValue<string>());
        var certificate = System.Text.Encoding.ASCII.GetString(Convert.FromBase64String(one.Object["data"]!["tls.crt"]!.GetValue<string>()));
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", certificate);
        Assert.True(one.Body.Length > 3000, $"a seeded secret is {one.Body.Length} bytes");
    }

    [ServerOnlyFact]
    public async Task Seeding_accepts_lists_creates_namespaces_and_refuses_invalid_objects()
    {
        await using var server = await KubeApiServer.StartAsync(new KubeApiServerOptions { ServeGatewayApi = false });
        var objects = SeedFile.Parse("""
            apiVersion: v1
            kind: List
            items:
            - apiVersion: v1
              kind: Secret
              metadata: {name: a, namespace: seeded}
              stringData: {x: hello}
            ---
            {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "b", "namespace": "seeded"}, "spec": {"defaultBackend": {"service": {"name": "s", "port": {"number": 80}}}}}
            """);
        Assert.Equal(2, server.Seed(objects));
        Assert.Throws<ArgumentException>(() => server.Seed([JsonNode.Parse("""{"apiVersion":"v1","kind":"Secret","metadata":{"name":"Bad_Name"}}""")!.AsObject()]));
        Assert.Throws<ArgumentException>(() => server.Seed([JsonNode.Parse("""{"apiVersion":"gateway.networking.k8s.io/v1","kind":"Gateway","metadata":{"name":"g"}}""")!.AsObject()]));

        var path = Path.Combine(Path.GetTempPath(), $"seed-{Guid.NewGuid():N}.kubeconfig");
        server.WriteKubeconfig(path);
        using var http = KubeHttp.FromKubeconfig(path);
        File.Delete(path);
        Assert.Equal(200, (await http.GetAsync("/api/v1/namespaces/seeded")).StatusCode);
        var secret = await http.GetAsync("/api/v1/namespaces/seeded/secrets/a");
        Assert.Equal("aGVsbG8=", secret.Object["data"]!["x"]!.GetValue<string>());
        Assert.Equal(200, (await http.GetAsync("/apis/networking.k8s.io/v1/namespaces/seeded/ingresses/b")).StatusCode);
    }

    private static async Task<List<string>> ListAll(KubeHttp http, string path)
    {
        var keys = new List<string>();
        string? token = null;
        do
        {
            var page = await http.GetAsync(path + "?limit=500" + (token is null ? "" : "&continue=" + token));
            Assert.Equal(200, page.StatusCode);
            var items = page.Object["items"]!.AsArray();
            Assert.True(items.Count <= 500);
            keys.AddRange(items.Select(i => $"{i!["metadata"]!["namespace"]}/{i["metadata"]!["name"]}").Where(k => k.StartsWith("fleet-", StringComparison.Ordinal)));
            token = page.Object["metadata"]!["continue"]?.GetValue<string>();
        }
        while (token is not null);
        return keys;
    }
}
