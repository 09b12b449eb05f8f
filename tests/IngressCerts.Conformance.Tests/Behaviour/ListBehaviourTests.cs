using System.Text;
using System.Text.Json.Nodes;
using IngressCerts.TestServer.Testing;

namespace IngressCerts.Conformance.Tests.Behaviour;

/// <summary>List semantics on the plain server (and on a real cluster).</summary>
public sealed class ListBehaviourTests(ClusterFixture fixture) : ListBehaviour(fixture), IClassFixture<ClusterFixture>;

/// <summary>
/// The same list tests where every new namespace already holds a default-token Secret and a kube-root-ca.crt
/// ConfigMap, as on a real cluster before v1.24: they must compare only the objects they made.
/// </summary>
public sealed class ListBehaviourWithNamespaceDefaultsTests(NamespaceDefaultsClusterFixture fixture)
    : ListBehaviour(fixture), IClassFixture<NamespaceDefaultsClusterFixture>;

/// <summary>List semantics: paging, selectors, all-namespace lists, expired continue tokens, auth failures.</summary>
public abstract class ListBehaviour(ClusterFixture fixture)
{
    private TestCluster Cluster => fixture.Cluster;

    private KubeHttp Http => fixture.Cluster.Http;

    [Fact]
    public async Task Paging_with_limit_and_continue_returns_every_item_once_in_name_order()
    {
        var ns = await Cluster.CreateNamespaceAsync();
        var names = Enumerable.Range(0, 7).Select(i => $"page-{i}").ToList();
        foreach (var name in names) Assert.Equal(201, (await Http.PostAsync(Manifests.Secrets(ns), Manifests.TlsSecret(name))).StatusCode);

        var seen = new List<string>();
        var remaining = new List<long?>();
        string? token = null;
        var pages = 0;
        do
        {
            var path = Manifests.Secrets(ns) + "?limit=3" + (token is null ? "" : "&continue=" + Uri.EscapeDataString(token));
            var page = await Http.GetAsync(path);
            Assert.Equal(200, page.StatusCode);
            Assert.Equal("SecretList", page.Object["kind"]!.GetValue<string>());
            var items = page.Object["items"]!.AsArray();
            Assert.True(items.Count <= 3);
            // Built-in kinds carry no kind/apiVersion on list items.
            Assert.All(items, i => Assert.Null(i!["kind"]));
            seen.AddRange(items.Select(i => i!["metadata"]!["name"]!.GetValue<string>()));
            token = page.Object["metadata"]!["continue"]?.GetValue<string>();
            remaining.Add(page.Object["metadata"]!["remainingItemCount"]?.GetValue<long>());
            pages++;
        }
        while (token is not null && pages < 10);
        // A cluster's controllers may have put objects of their own into the namespace: the pages hold them too,
        // so the counts follow what was listed, and only the order and uniqueness of ours is compared.
        Assert.Equal(names, seen.Where(names.Contains));
        Assert.Equal(seen.Distinct().Count(), seen.Count);
        Assert.Equal(seen.Order(StringComparer.Ordinal), seen);
        Assert.Equal((seen.Count + 2) / 3, pages);
        // Every page is read at the first page's revision, so remainingItemCount counts down what that snapshot holds.
        Assert.Equal(Enumerable.Range(1, pages).Select(p => p < pages ? (long?)(seen.Count - 3 * p) : null), remaining);
    }

    [Fact]
    public async Task Label_selectors_support_equality_sets_and_existence()
    {
        var ns = await Cluster.CreateNamespaceAsync();
        await Create(ns, "web", new() { ["app"] = "web", ["tier"] = "front" });
        await Create(ns, "api", new() { ["app"] = "api", ["tier"] = "back" });
        await Create(ns, "db", new() { ["app"] = "db" });
        await Create(ns, "bare", new());

        string[] made = ["web", "api", "db", "bare"];
        Assert.Equal(["web"], await Names(ns, "labelSelector=app%3Dweb", made));
        Assert.Equal(["web"], await Names(ns, "labelSelector=app%3D%3Dweb", made));
        Assert.Equal(["api", "bare", "db"], await Names(ns, "labelSelector=app!%3Dweb", made));
        Assert.Equal(["api", "web"], await Names(ns, "labelSelector=" + Uri.EscapeDataString("app in (web,api)"), made));
        Assert.Equal(["bare", "db"], await Names(ns, "labelSelector=" + Uri.EscapeDataString("app notin (web,api)"), made));
        Assert.Equal(["api", "web"], await Names(ns, "labelSelector=tier", made));
        Assert.Equal(["bare", "db"], await Names(ns, "labelSelector=!tier", made));
        Assert.Equal(["api"], await Names(ns, "labelSelector=" + Uri.EscapeDataString("tier,app=api"), made));
    }

    [Fact]
    public async Task Field_selectors_match_name_namespace_and_type_and_refuse_other_fields()
    {
        var ns = await Cluster.CreateNamespaceAsync();
        Assert.Equal(201, (await Http.PostAsync(Manifests.Secrets(ns), Manifests.TlsSecret("cert"))).StatusCode);
        Assert.Equal(201, (await Http.PostAsync(Manifests.Secrets(ns), Manifests.Secret("opaque"))).StatusCode);

        string[] made = ["cert", "opaque"];
        Assert.Equal(["cert"], await Names(ns, "fieldSelector=" + Uri.EscapeDataString("type=kubernetes.io/tls"), made));
        Assert.Equal(["opaque"], await Names(ns, "fieldSelector=" + Uri.EscapeDataString("type!=kubernetes.io/tls"), made));
        Assert.Equal(["opaque"], await Names(ns, "fieldSelector=metadata.name%3Dopaque", made));
        Assert.Equal(["cert", "opaque"], await Names(ns, $"fieldSelector=metadata.namespace%3D{ns}", made));

        var bad = await Http.GetAsync(Manifests.Secrets(ns) + "?fieldSelector=data.x%3Dy");
        Assert.Equal(400, bad.StatusCode);
        Assert.Equal("BadRequest", bad.Reason);
        Assert.Equal("field label not supported: data.x", bad.Message);
    }

    [Fact]
    public async Task All_namespace_lists_include_every_namespace()
    {
        var first = await Cluster.CreateNamespaceAsync();
        var second = await Cluster.CreateNamespaceAsync();
        var marker = "m" + Guid.NewGuid().ToString("N")[..10];
        foreach (var ns in new[] { first, second })
        {
            var ingress = Manifests.Ingress("site", "site.example.com", (["site.example.com"], "site-tls"));
            ingress["metadata"]!["labels"] = new JsonObject { ["marker"] = marker };
            Assert.Equal(201, (await Http.PostAsync(Manifests.Ingresses(ns), ingress)).StatusCode);
        }
        var list = await Http.GetAsync($"/apis/networking.k8s.io/v1/ingresses?labelSelector=marker%3D{marker}");
        Assert.Equal(200, list.StatusCode);
        Assert.Equal("IngressList", list.Object["kind"]!.GetValue<string>());
        Assert.Equal("networking.k8s.io/v1", list.Object["apiVersion"]!.GetValue<string>());
        var namespaces = list.Object["items"]!.AsArray().Select(i => i!["metadata"]!["namespace"]!.GetValue<string>()).ToList();
        Assert.Equal(new[] { first, second }.Order(StringComparer.Ordinal), namespaces);
    }

    [Fact]
    public async Task An_expired_continue_token_is_410_and_its_fresh_token_continues()
    {
        var ns = await Cluster.CreateNamespaceAsync();
        string[] made = ["a", "b", "c"];
        foreach (var name in made) await Http.PostAsync(Manifests.Secrets(ns), Manifests.TlsSecret(name));
        var first = await Http.GetAsync(Manifests.Secrets(ns) + "?limit=1");
        var token = first.Object["metadata"]!["continue"]!.GetValue<string>();
        // "a" comes first unless the cluster put a Secret of its own before it (a default-token one sorts after "c").
        var firstName = first.Object["items"]![0]!["metadata"]!["name"]!.GetValue<string>();
        if (Cluster.Server is { } server)
        {
            server.CompactHistory();
        }
        else
        {
            // A real cluster compacts every 5 minutes: revision 1 is long gone on any cluster older than that.
            token = Token(1, firstName + "\0");
        }
        var expired = await Http.GetAsync(Manifests.Secrets(ns) + "?limit=1&continue=" + token);
        if (Cluster.IsRealCluster && expired.StatusCode == 200)
        {
            // A cluster younger than its first compaction (5 minutes) still serves revision 1:
            // a consistent snapshot from before this namespace existed, so it must be empty.
            Assert.Empty(expired.Object["items"]!.AsArray());
            return;
        }
        Assert.Equal(410, expired.StatusCode);
        Assert.Equal("Expired", expired.Reason);
        Assert.StartsWith("The provided continue parameter is too old", expired.Message);
        var fresh = expired.Object["metadata"]!["continue"]!.GetValue<string>();
        Assert.Equal(Token(-1, firstName + "\0"), fresh);

        var rest = await Http.GetAsync(Manifests.Secrets(ns) + "?continue=" + fresh);
        Assert.Equal(200, rest.StatusCode);
        var restNames = rest.Object["items"]!.AsArray().Select(i => i!["metadata"]!["name"]!.GetValue<string>()).ToList();
        Assert.Equal(made.Where(n => string.CompareOrdinal(n, firstName) > 0), restNames.Where(made.Contains));
        Assert.All(restNames, n => Assert.True(string.CompareOrdinal(n, firstName) > 0, $"{n} was on the first page"));
    }

    [Fact]
    public async Task An_unknown_token_is_401_Unauthorized()
    {
        var config = Kubeconfig.Load(Cluster.KubeconfigPath, Cluster.Context);
        using var stranger = KubeHttp.Create(config, "no-such-token-" + Guid.NewGuid().ToString("N"));
        var response = await stranger.GetAsync("/api/v1/namespaces/default/secrets");
        Assert.Equal(401, response.StatusCode);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(
            """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}"""),
            response.Json), response.Body);
    }

    private async Task Create(string ns, string name, Dictionary<string, string> labels) =>
        Assert.Equal(201, (await Http.PostAsync(Manifests.Secrets(ns), Manifests.Secret(name, labels: labels))).StatusCode);

    /// <summary>The names a list returns, of the objects the test made (a cluster may have put others in the namespace).</summary>
    private async Task<string[]> Names(string ns, string query, IReadOnlyCollection<string> made)
    {
        var list = await Http.GetAsync(Manifests.Secrets(ns) + "?" + query);
        Assert.True(list.StatusCode == 200, list.ToString());
        return list.Object["items"]!.AsArray().Select(i => i!["metadata"]!["name"]!.GetValue<string>()).Where(made.Contains).ToArray();
    }

    /// <summary>A continue token as the apiserver encodes it (unpadded URL-safe base64 of its JSON).</summary>
    private static string Token(long revision, string start)
    {
        var json = new JsonObject { ["v"] = "meta.k8s.io/v1", ["rv"] = revision, ["start"] = start }.ToJsonString();
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }
}
