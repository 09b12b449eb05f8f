using System.Text.Json.Nodes;
using IngressCerts.TestServer;
using IngressCerts.TestServer.Testing;

namespace IngressCerts.Conformance.Tests.ServerOnly;

/// <summary>The Gateway API group: served like CRDs when enabled, absent (404 as reference 06) when not.</summary>
public sealed class GatewayApiTests
{
    private const string Gateways = "/apis/gateway.networking.k8s.io/v1/namespaces/{0}/gateways";

    [ServerOnlyFact]
    public async Task Gateways_and_reference_grants_are_discovered_and_stored_like_custom_resources()
    {
        await using var cluster = await TestCluster.StartAsync();
        var http = cluster.Http;
        var groups = (await http.GetAsync("/apis")).Object["groups"]!.AsArray();
        var gateway = groups.Single(g => g!["name"]!.GetValue<string>() == "gateway.networking.k8s.io")!;
        Assert.Equal("gateway.networking.k8s.io/v1", gateway["preferredVersion"]!["groupVersion"]!.GetValue<string>());
        var v1 = (await http.GetAsync("/apis/gateway.networking.k8s.io/v1")).Object;
        Assert.Contains(v1["resources"]!.AsArray(), r => r!["name"]!.GetValue<string>() == "gateways");
        var v1beta1 = (await http.GetAsync("/apis/gateway.networking.k8s.io/v1beta1")).Object;
        Assert.Contains(v1beta1["resources"]!.AsArray(), r => r!["name"]!.GetValue<string>() == "referencegrants");

        var ns = await cluster.CreateNamespaceAsync();
        var created = await http.PostAsync(string.Format(Gateways, ns), JsonNode.Parse("""
            {"apiVersion":"gateway.networking.k8s.io/v1","kind":"Gateway","metadata":{"name":"gw"},
             "spec":{"gatewayClassName":"example","listeners":[{"name":"https","port":443,"protocol":"HTTPS","hostname":"a.example.com",
               "tls":{"mode":"Terminate","certificateRefs":[{"kind":"Secret","name":"a-tls"}]}}]},
             "status":{"conditions":[]}}
            """)!);
        Assert.Equal(201, created.StatusCode);
        Assert.Equal(1, created.Object["metadata"]!["generation"]!.GetValue<long>());
        Assert.Null(created.Object["status"]);

        var strategic = await http.PatchAsync(string.Format(Gateways, ns) + "/gw", JsonNode.Parse("""{"spec":{}}""")!, "application/strategic-merge-patch+json");
        Assert.Equal(415, strategic.StatusCode);

        var merged = await http.PatchAsync(string.Format(Gateways, ns) + "/gw",
            JsonNode.Parse("""{"spec":{"listeners":[{"name":"https","port":443,"protocol":"HTTPS","hostname":"b.example.com","tls":{"certificateRefs":[{"name":"b-tls"}]}}]}}""")!,
            "application/merge-patch+json");
        Assert.Equal(200, merged.StatusCode);
        Assert.Equal(2, merged.Object["metadata"]!["generation"]!.GetValue<long>());

        var list = await http.GetAsync(string.Format(Gateways, ns));
        Assert.Equal("GatewayList", list.Object["kind"]!.GetValue<string>());
        // Custom resources keep kind and apiVersion on list items.
        Assert.Equal("Gateway", list.Object["items"]![0]!["kind"]!.GetValue<string>());

        var invalid = await http.PostAsync(string.Format(Gateways, ns), JsonNode.Parse("""{"apiVersion":"gateway.networking.k8s.io/v1","kind":"Gateway","metadata":{"name":"empty"},"spec":{}}""")!);
        Assert.Equal(422, invalid.StatusCode);
        Assert.StartsWith("Gateway.gateway.networking.k8s.io \"empty\" is invalid: [spec.gatewayClassName: Required value", invalid.Message);

        var grant = await http.PostAsync($"/apis/gateway.networking.k8s.io/v1beta1/namespaces/{ns}/referencegrants", JsonNode.Parse("""
            {"apiVersion":"gateway.networking.k8s.io/v1beta1","kind":"ReferenceGrant","metadata":{"name":"allow"},
             "spec":{"from":[{"group":"gateway.networking.k8s.io","kind":"Gateway","namespace":"edge"}],"to":[{"group":"","kind":"Secret"}]}}
            """)!);
        Assert.Equal(201, grant.StatusCode);
    }

    [ServerOnlyFact]
    public async Task Without_the_gateway_group_its_paths_are_404_page_not_found()
    {
        await using var cluster = await TestCluster.StartAsync(new KubeApiServerOptions { ServeGatewayApi = false });
        var groups = (await cluster.Http.GetAsync("/apis")).Object["groups"]!.AsArray();
        Assert.DoesNotContain(groups, g => g!["name"]!.GetValue<string>() == "gateway.networking.k8s.io");
        foreach (var path in new[] { "/apis/gateway.networking.k8s.io/v1", "/apis/gateway.networking.k8s.io", string.Format(Gateways, "default") })
        {
            var response = await cluster.Http.GetAsync(path);
            Assert.Equal(404, response.StatusCode);
            Assert.Equal("text/plain; charset=utf-8", response.ContentType);
            Assert.Equal("404 page not found\n", response.Body);
        }
    }

    [ServerOnlyFact]
    public async Task Discovery_tells_gateway_tests_whether_to_skip()
    {
        // GatewayApiFact asks a real cluster this question; here both answers are checked against the server.
        await using var without = await TestCluster.StartAsync(new KubeApiServerOptions { ServeGatewayApi = false });
        await using var with = await TestCluster.StartAsync();
        Assert.False(TestCluster.Serves(without.KubeconfigPath, null, GatewayApiFactAttribute.GroupVersion));
        Assert.True(TestCluster.Serves(without.KubeconfigPath, null, "networking.k8s.io/v1"));
        Assert.True(TestCluster.Serves(without.KubeconfigPath, null, "v1"));
        Assert.True(TestCluster.Serves(with.KubeconfigPath, null, GatewayApiFactAttribute.GroupVersion));
    }
}
