using IngressCerts.TestServer;
using IngressCerts.TestServer.Testing;

namespace IngressCerts.Conformance.Tests.ServerOnly;

/// <summary>Deleting a namespace answers it Terminating and removes everything in it.</summary>
public sealed class NamespaceLifecycleTests
{
    [ServerOnlyFact]
    public async Task Deleting_a_namespace_removes_its_content()
    {
        await using var cluster = await TestCluster.StartAsync();
        var ns = await cluster.CreateNamespaceAsync();
        await cluster.Http.PostAsync(Manifests.Secrets(ns), Manifests.TlsSecret("s"));
        await cluster.Http.PostAsync(Manifests.Ingresses(ns), Manifests.Ingress("i", "i.example.com"));

        var deleted = await cluster.Http.DeleteAsync($"/api/v1/namespaces/{ns}");
        Assert.Equal(200, deleted.StatusCode);
        Assert.Equal("Namespace", deleted.Object["kind"]!.GetValue<string>());
        Assert.Equal("Terminating", deleted.Object["status"]!["phase"]!.GetValue<string>());
        Assert.NotNull(deleted.Object["metadata"]!["deletionTimestamp"]);

        Assert.Equal(404, (await cluster.Http.GetAsync($"/api/v1/namespaces/{ns}")).StatusCode);
        Assert.Equal(404, (await cluster.Http.GetAsync(Manifests.Secrets(ns, "s"))).StatusCode);
        Assert.Equal(404, (await cluster.Http.GetAsync(Manifests.Ingresses(ns, "i"))).StatusCode);
        var forbidden = await cluster.Http.DeleteAsync("/api/v1/namespaces/default");
        Assert.Equal(403, forbidden.StatusCode);
        Assert.Equal("namespaces \"default\" is forbidden: this namespace may not be deleted", forbidden.Message);
    }

    [ServerOnlyFact]
    public async Task A_terminating_namespace_refuses_new_content()
    {
        await using var cluster = await TestCluster.StartAsync(new KubeApiServerOptions { NamespaceFinalizationDelay = TimeSpan.FromSeconds(30) });
        var ns = await cluster.CreateNamespaceAsync();
        await cluster.Http.DeleteAsync($"/api/v1/namespaces/{ns}");
        var create = await cluster.Http.PostAsync(Manifests.Secrets(ns), Manifests.TlsSecret("late"));
        Assert.Equal(403, create.StatusCode);
        Assert.Equal($"secrets \"late\" is forbidden: unable to create new content in namespace {ns} because it is being terminated", create.Message);
        Assert.Equal("Terminating", (await cluster.Http.GetAsync($"/api/v1/namespaces/{ns}")).Object["status"]!["phase"]!.GetValue<string>());
    }

    [ServerOnlyFact]
    public async Task Modelled_namespace_defaults_are_a_service_account_token_secret_and_the_root_ca_config_map()
    {
        await using var cluster = await TestCluster.StartAsync(new KubeApiServerOptions { ModelNamespaceDefaults = true });
        var server = cluster.RequireServer();
        var ns = await cluster.CreateNamespaceAsync();

        var secrets = (await cluster.Http.GetAsync(Manifests.Secrets(ns))).Object["items"]!.AsArray();
        var token = Assert.Single(secrets)!;
        Assert.Matches("^default-token-[bcdfghjklmnpqrstvwxz2456789]{5}$", token["metadata"]!["name"]!.GetValue<string>());
        Assert.Equal("kubernetes.io/service-account-token", token["type"]!.GetValue<string>());
        Assert.Equal(["ca.crt", "namespace", "token"], token["data"]!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal));
        string Data(string key) => System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(token["data"]![key]!.GetValue<string>()));
        Assert.Equal(ns, Data("namespace"));
        Assert.Equal(server.CaCertificatePem, Data("ca.crt"));
        Assert.Equal(3, Data("token").Split('.').Length);
        Assert.Equal("default", token["metadata"]!["annotations"]!["kubernetes.io/service-account.name"]!.GetValue<string>());
        Assert.Equal("kube-controller-manager", token["metadata"]!["managedFields"]![0]!["manager"]!.GetValue<string>());
        Assert.DoesNotContain(token["data"]!.AsObject(), p => p.Key.StartsWith("tls.", StringComparison.Ordinal));

        var configMap = await cluster.Http.GetAsync($"/api/v1/namespaces/{ns}/configmaps/kube-root-ca.crt");
        Assert.Equal(200, configMap.StatusCode);
        Assert.Equal(server.CaCertificatePem, configMap.Object["data"]!["ca.crt"]!.GetValue<string>());
        // The default namespace has them from the start, as on a real cluster.
        Assert.Equal(200, (await cluster.Http.GetAsync("/api/v1/namespaces/default/configmaps/kube-root-ca.crt")).StatusCode);

        Assert.Equal(200, (await cluster.Http.DeleteAsync($"/api/v1/namespaces/{ns}")).StatusCode);
        Assert.Equal(404, (await cluster.Http.GetAsync($"/api/v1/namespaces/{ns}/configmaps/kube-root-ca.crt")).StatusCode);
        Assert.Equal(404, (await cluster.Http.GetAsync(Manifests.Secrets(ns, token["metadata"]!["name"]!.GetValue<string>()))).StatusCode);
    }

    [ServerOnlyFact]
    public async Task Without_the_option_a_new_namespace_is_empty_and_config_maps_are_served()
    {
        await using var cluster = await TestCluster.StartAsync();
        var ns = await cluster.CreateNamespaceAsync();
        Assert.Empty((await cluster.Http.GetAsync(Manifests.Secrets(ns))).Object["items"]!.AsArray());
        var configMaps = await cluster.Http.GetAsync($"/api/v1/namespaces/{ns}/configmaps");
        Assert.Equal("ConfigMapList", configMaps.Object["kind"]!.GetValue<string>());
        Assert.Empty(configMaps.Object["items"]!.AsArray());

        var created = await cluster.Http.PostAsync($"/api/v1/namespaces/{ns}/configmaps",
            System.Text.Json.Nodes.JsonNode.Parse("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"settings"},"data":{"a":"1"},"binaryData":{"a":"AQ=="}}""")!);
        Assert.Equal(422, created.StatusCode);
        Assert.Equal("ConfigMap \"settings\" is invalid: binaryData[a]: Invalid value: \"a\": duplicate of key present in data", created.Message);
    }
}
