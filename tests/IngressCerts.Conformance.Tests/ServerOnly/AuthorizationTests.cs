using IngressCerts.TestServer;
using IngressCerts.TestServer.Auth;
using IngressCerts.TestServer.Testing;

namespace IngressCerts.Conformance.Tests.ServerOnly;

/// <summary>Users with rules, and the exact RBAC refusal texts (references 37-39).</summary>
public sealed class AuthorizationTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    [ServerOnlyFact]
    public async Task A_user_without_rules_is_refused_with_rbac_messages()
    {
        var server = fixture.Cluster.RequireServer();
        var ns = await fixture.Cluster.CreateNamespaceAsync();
        var token = Guid.NewGuid().ToString("N");
        server.AddUser("nobody", token);
        using var http = Client(token);

        var list = await http.GetAsync(Manifests.Secrets(ns));
        Assert.Equal(403, list.StatusCode);
        Assert.Equal("Forbidden", list.Reason);
        Assert.Equal($"secrets is forbidden: User \"nobody\" cannot list resource \"secrets\" in API group \"\" in the namespace \"{ns}\"", list.Message);
        Assert.Equal("{\"kind\":\"secrets\"}", list.Object["details"]!.ToJsonString());

        var get = await http.GetAsync(Manifests.Secrets(ns, "site-tls"));
        Assert.Equal($"secrets \"site-tls\" is forbidden: User \"nobody\" cannot get resource \"secrets\" in API group \"\" in the namespace \"{ns}\"", get.Message);

        var all = await http.GetAsync("/api/v1/secrets");
        Assert.Equal("secrets is forbidden: User \"nobody\" cannot list resource \"secrets\" in API group \"\" at the cluster scope", all.Message);

        var ingresses = await http.GetAsync(Manifests.Ingresses(ns));
        Assert.Equal($"ingresses.networking.k8s.io is forbidden: User \"nobody\" cannot list resource \"ingresses\" in API group \"networking.k8s.io\" in the namespace \"{ns}\"", ingresses.Message);
        Assert.Equal("networking.k8s.io", ingresses.Object["details"]!["group"]!.GetValue<string>());
    }

    [ServerOnlyFact]
    public async Task Rules_grant_verbs_on_resources_in_namespaces()
    {
        var server = fixture.Cluster.RequireServer();
        var allowed = await fixture.Cluster.CreateNamespaceAsync();
        var other = await fixture.Cluster.CreateNamespaceAsync();
        var token = Guid.NewGuid().ToString("N");
        server.AddUser("reader", token, AccessRule.Allow("get,list", "secrets", allowed), AccessRule.Allow("list", "ingresses"));
        using var http = Client(token);

        Assert.Equal(200, (await http.GetAsync(Manifests.Secrets(allowed))).StatusCode);
        Assert.Equal(403, (await http.GetAsync(Manifests.Secrets(other))).StatusCode);
        // A namespaced grant does not cover the cluster scope; a "*" grant does.
        Assert.Equal(403, (await http.GetAsync("/api/v1/secrets")).StatusCode);
        Assert.Equal(200, (await http.GetAsync("/apis/networking.k8s.io/v1/ingresses")).StatusCode);
        var create = await http.PostAsync(Manifests.Secrets(allowed), Manifests.TlsSecret("x"));
        Assert.Equal(403, create.StatusCode);
        Assert.Equal($"secrets is forbidden: User \"reader\" cannot create resource \"secrets\" in API group \"\" in the namespace \"{allowed}\"", create.Message);
        // Discovery is open to every authenticated user.
        Assert.Equal(200, (await http.GetAsync("/api/v1")).StatusCode);
    }

    [ServerOnlyFact]
    public async Task A_user_in_system_masters_may_do_everything()
    {
        var server = fixture.Cluster.RequireServer();
        var token = Guid.NewGuid().ToString("N");
        server.AddUser("root", token, ["system:masters"]);
        using var http = Client(token);
        var ns = await fixture.Cluster.CreateNamespaceAsync();
        Assert.Equal(201, (await http.PostAsync(Manifests.Secrets(ns), Manifests.TlsSecret("x"))).StatusCode);
        Assert.Equal(200, (await http.DeleteAsync(Manifests.Secrets(ns, "x"))).StatusCode);
    }

    [ServerOnlyFact]
    public async Task No_credentials_at_all_is_401()
    {
        using var http = Client("");
        var response = await http.GetAsync("/api/v1/namespaces");
        Assert.Equal(401, response.StatusCode);
        Assert.Equal("Unauthorized", response.Message);
    }

    private KubeHttp Client(string token) => KubeHttp.Create(Kubeconfig.Load(fixture.Cluster.KubeconfigPath), token);
}
