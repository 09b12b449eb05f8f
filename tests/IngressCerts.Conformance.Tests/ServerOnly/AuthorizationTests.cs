using System.Text.Json.Nodes;
using IngressCerts.TestServer;
using IngressCerts.TestServer.Auth;
using IngressCerts.TestServer.Testing;

namespace IngressCerts.Conformance.Tests.ServerOnly;

/// <summary>Users with rules, the exact RBAC refusal texts (references 37-39), and SelfSubjectAccessReviews answered from the same rules.</summary>
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

    [ServerOnlyFact]
    public async Task A_self_subject_access_review_answers_from_the_users_own_rules()
    {
        var server = fixture.Cluster.RequireServer();
        var ns = await fixture.Cluster.CreateNamespaceAsync();
        var token = Guid.NewGuid().ToString("N");
        server.AddUser("writer", token, AccessRule.Allow("get,create", "secrets", ns));
        using var http = Client(token);
        http.UserAgent = "can-i/1.0";

        var allowed = await http.PostAsync(SelfSubjectAccessReviewPath, Review("create", "", "secrets", ns));
        Assert.Equal(201, allowed.StatusCode);
        var status = allowed.Object["status"]!.AsObject();
        Assert.Equal(["allowed", "reason"], status.Select(p => p.Key));
        Assert.True(status["allowed"]!.GetValue<bool>());
        Assert.Equal($"RBAC: allowed by RoleBinding \"writer/{ns}\" of Role \"writer\" to User \"writer\"", status["reason"]!.GetValue<string>());
        // The review is echoed as decoded: the empty group is dropped, the attributes keep Go's field order.
        Assert.Equal($$$"""{"resourceAttributes":{"namespace":"{{{ns}}}","verb":"create","resource":"secrets"}}""", allowed.Object["spec"]!.ToJsonString());
        Assert.Equal("SelfSubjectAccessReview", allowed.Object["kind"]!.GetValue<string>());
        var metadata = allowed.Object["metadata"]!.AsObject();
        Assert.Null(metadata["creationTimestamp"]);
        Assert.True(metadata.ContainsKey("creationTimestamp"));
        var managed = metadata["managedFields"]!.AsArray().Single()!;
        Assert.Equal("can-i", managed["manager"]!.GetValue<string>());
        Assert.Equal("""{"f:spec":{"f:resourceAttributes":{".":{},"f:namespace":{},"f:resource":{},"f:verb":{}}}}""", managed["fieldsV1"]!.ToJsonString());

        // RBAC has no opinion when no rule matches: not allowed, no reason, never "denied".
        var denied = await http.PostAsync(SelfSubjectAccessReviewPath, Review("update", "", "secrets", ns, "site-tls"));
        Assert.Equal(201, denied.StatusCode);
        Assert.Equal("""{"allowed":false}""", denied.Object["status"]!.ToJsonString());
        Assert.Equal("site-tls", denied.Object["spec"]!["resourceAttributes"]!["name"]!.GetValue<string>());

        // Not stored: nothing to get or list, and the request log shows only the POSTs.
        Assert.Equal(405, (await http.GetAsync(SelfSubjectAccessReviewPath)).StatusCode);
    }

    [ServerOnlyFact]
    public async Task A_review_agrees_with_the_request_it_asks_about()
    {
        var server = fixture.Cluster.RequireServer();
        var mine = await fixture.Cluster.CreateNamespaceAsync();
        var other = await fixture.Cluster.CreateNamespaceAsync();
        var token = Guid.NewGuid().ToString("N");
        server.AddUser("partial", token, AccessRule.Allow("get,create", "secrets", mine), AccessRule.Allow("list", "ingresses"),
            AccessRule.Allow("get", "secrets") with { ResourceNames = ["named"] });
        using var http = Client(token);
        var cases = new (string Verb, string Resource, string Group, string Ns, string Name, string Path)[]
        {
            ("list", "secrets", "", mine, "", Manifests.Secrets(mine)),
            ("get", "secrets", "", mine, "x", Manifests.Secrets(mine, "x")),
            ("get", "secrets", "", other, "x", Manifests.Secrets(other, "x")),
            ("get", "secrets", "", other, "named", Manifests.Secrets(other, "named")),
            ("list", "ingresses", "networking.k8s.io", other, "", Manifests.Ingresses(other)),
            ("list", "ingresses", "networking.k8s.io", "", "", "/apis/networking.k8s.io/v1/ingresses"),
            ("list", "secrets", "", "", "", "/api/v1/secrets"),
        };
        foreach (var (verb, resource, group, ns, name, path) in cases)
        {
            var review = await http.PostAsync(SelfSubjectAccessReviewPath, Review(verb, group, resource, ns, name));
            var request = await http.GetAsync(path);
            Assert.True(review.Object["status"]!["allowed"]!.GetValue<bool>() == (request.StatusCode != 403), $"{verb} {path}: review {review}, request {request}");
        }
    }

    [ServerOnlyFact]
    public async Task Every_authenticated_user_may_ask_and_the_admin_is_allowed_without_a_reason()
    {
        var server = fixture.Cluster.RequireServer();
        var token = Guid.NewGuid().ToString("N");
        server.AddUser("nobody-asks", token);
        using var http = Client(token);
        var own = await http.PostAsync(SelfSubjectAccessReviewPath, Review("create", "authorization.k8s.io", "selfsubjectaccessreviews", ""));
        Assert.Equal(201, own.StatusCode);
        Assert.Equal("RBAC: allowed by ClusterRoleBinding \"system:basic-user\" of ClusterRole \"system:basic-user\" to Group \"system:authenticated\"",
            own.Object["status"]!["reason"]!.GetValue<string>());
        var discovery = await http.PostAsync(SelfSubjectAccessReviewPath, JsonNode.Parse("""{"spec":{"nonResourceAttributes":{"path":"/apis","verb":"get"}}}""")!);
        Assert.True(discovery.Object["status"]!["allowed"]!.GetValue<bool>());
        Assert.Equal("""{"nonResourceAttributes":{"path":"/apis","verb":"get"}}""", discovery.Object["spec"]!.ToJsonString());
        var metrics = await http.PostAsync(SelfSubjectAccessReviewPath, JsonNode.Parse("""{"spec":{"nonResourceAttributes":{"path":"/metrics","verb":"get"}}}""")!);
        Assert.False(metrics.Object["status"]!["allowed"]!.GetValue<bool>());

        var admin = await fixture.Cluster.Http.PostAsync(SelfSubjectAccessReviewPath, Review("delete", "", "namespaces", ""));
        Assert.Equal("""{"allowed":true}""", admin.Object["status"]!.ToJsonString());

        using var anonymous = Client("");
        Assert.Equal(401, (await anonymous.PostAsync(SelfSubjectAccessReviewPath, Review("get", "", "secrets", "default"))).StatusCode);
    }

    [ServerOnlyFact]
    public async Task A_review_without_exactly_one_kind_of_attributes_is_invalid()
    {
        var none = await fixture.Cluster.Http.PostAsync(SelfSubjectAccessReviewPath, JsonNode.Parse("""{"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectAccessReview","spec":{}}""")!);
        Assert.Equal(422, none.StatusCode);
        Assert.Equal("SelfSubjectAccessReview.authorization.k8s.io \"\" is invalid: spec.resourceAttributes: Invalid value: \"null\": exactly one of nonResourceAttributes or resourceAttributes must be specified", none.Message);
        Assert.Equal("authorization.k8s.io", none.Object["details"]!["group"]!.GetValue<string>());

        var both = await fixture.Cluster.Http.PostAsync(SelfSubjectAccessReviewPath,
            JsonNode.Parse("""{"spec":{"resourceAttributes":{"verb":"get","resource":"secrets"},"nonResourceAttributes":{"path":"/api","verb":"get"}}}""")!);
        Assert.Equal(422, both.StatusCode);
        Assert.Contains("spec.nonResourceAttributes: Invalid value: authorization.NonResourceAttributes{Path:\"/api\", Verb:\"get\"}: cannot be specified in combination with resourceAttributes", both.Message);

        var wrongKind = await fixture.Cluster.Http.PostAsync(SelfSubjectAccessReviewPath, JsonNode.Parse("""{"apiVersion":"v1","kind":"Secret"}""")!);
        Assert.Equal(400, wrongKind.StatusCode);
    }

    [Fact]
    public async Task Discovery_lists_the_access_reviews_as_create_only()
    {
        var list = await fixture.Cluster.Http.GetAsync("/apis/authorization.k8s.io/v1");
        Assert.Equal(200, list.StatusCode);
        var review = list.Object["resources"]!.AsArray().Single(r => r!["name"]!.GetValue<string>() == "selfsubjectaccessreviews")!;
        Assert.Equal("SelfSubjectAccessReview", review["kind"]!.GetValue<string>());
        Assert.False(review["namespaced"]!.GetValue<bool>());
        Assert.Equal("""["create"]""", review["verbs"]!.ToJsonString());
    }

    [Fact]
    public async Task The_admin_may_publish_by_its_own_review()
    {
        // Holds on a real cluster too: the kubeconfig's user is an admin there.
        var ns = await fixture.Cluster.CreateNamespaceAsync();
        foreach (var verb in new[] { "create", "update", "delete", "list" })
        {
            var review = await fixture.Cluster.Http.PostAsync(SelfSubjectAccessReviewPath, Review(verb, "", "secrets", ns));
            Assert.Equal(201, review.StatusCode);
            Assert.True(review.Object["status"]!["allowed"]!.GetValue<bool>(), review.ToString());
        }
    }

    private const string SelfSubjectAccessReviewPath = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";

    private static JsonObject Review(string verb, string group, string resource, string ns, string name = "") => new()
    {
        ["apiVersion"] = "authorization.k8s.io/v1",
        ["kind"] = "SelfSubjectAccessReview",
        ["metadata"] = new JsonObject { ["creationTimestamp"] = null },
        ["spec"] = new JsonObject
        {
            ["resourceAttributes"] = new JsonObject { ["namespace"] = ns, ["verb"] = verb, ["group"] = group, ["resource"] = resource, ["name"] = name },
        },
    };

    private KubeHttp Client(string token) => KubeHttp.Create(Kubeconfig.Load(fixture.Cluster.KubeconfigPath), token);
}
