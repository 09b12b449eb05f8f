using IngressCerts.Engine.Kubernetes;
using IngressCerts.Engine.Publishing;
using IngressCerts.TestServer;
using IngressCerts.TestServer.Auth;
using IngressCerts.TestServer.Testing;

namespace IngressCerts.Engine.Tests.Integration;

/// <summary>Rights checked before the first write, by SelfSubjectAccessReviews, for users with partial rules.</summary>
public sealed class WritePreflightTests
{
    private static IReadOnlyList<RequiredAccess> PublishNeeds(string ns) =>
    [
        RequiredAccess.OnSecrets("get", ns, "shop-tls", "read the current certificate"),
        RequiredAccess.OnSecrets("create", ns, null, "keep a copy of the previous certificate for Undo"),
        RequiredAccess.OnSecrets("update", ns, "shop-tls", "replace the certificate"),
        RequiredAccess.OnSecrets("list", ns, null, "prune old copies"),
        RequiredAccess.OnIngresses("update", ns, "shop", "wire the Secret into the Ingress"),
    ];

    [ServerOnlyFact]
    public async Task A_right_remembered_on_a_subresource_does_not_answer_for_the_resource_itself()
    {
        await using var cluster = await TestCluster.StartAsync();
        var server = cluster.RequireServer();
        string ns = await cluster.CreateNamespaceAsync("pre-");
        var connection = server.ConnectAs("status-writer", AccessRule.Allow("update", "certificates/status", ns));
        var status = new RequiredAccess("update", "cert-manager.io", "certificates", ns, "shop", "ask cert-manager to re-issue") { Subresource = "status" };
        var resource = new RequiredAccess("update", "cert-manager.io", "certificates", ns, "shop", "rewrite the Certificate");

        WritePreflight.RememberAllowed(connection);
        Assert.Empty(await new WritePreflight().FindDeniedAsync(connection, [status], CancellationToken.None));
        var denied = await new WritePreflight().FindDeniedAsync(connection, [resource], CancellationToken.None);

        Assert.Equal([resource], denied);
    }

    [ServerOnlyFact]
    public async Task A_user_who_may_create_but_not_update_secrets_is_told_every_missing_right_before_any_write()
    {
        await using var cluster = await TestCluster.StartAsync();
        var server = cluster.RequireServer();
        string ns = await cluster.CreateNamespaceAsync("pre-");
        var connection = server.ConnectAs("creator", AccessRule.Allow("get,create", "secrets", ns), AccessRule.Allow("get", "ingresses", ns));
        int before = server.RequestLog.Count;

        var denied = await new WritePreflight().FindDeniedAsync(connection, PublishNeeds(ns), CancellationToken.None);

        Assert.Equal(
            new[] { $"update secrets 'shop-tls' in namespace '{ns}'", $"list secrets in namespace '{ns}'", $"update ingresses.networking.k8s.io 'shop' in namespace '{ns}'" },
            denied.Select(d => d.Describe()));
        Assert.Equal("replace the certificate", denied[0].Why);
        var asked = server.RequestLog.Skip(before).ToList();
        Assert.Equal(5, asked.Count);
        Assert.All(asked, e => Assert.Equal(("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", 201), (e.Method, e.PathAndQuery, e.StatusCode)));
    }

    [ServerOnlyFact]
    public async Task Rights_limited_to_other_namespaces_or_other_names_are_denied()
    {
        await using var cluster = await TestCluster.StartAsync();
        var server = cluster.RequireServer();
        string ns = await cluster.CreateNamespaceAsync("pre-");
        var connection = server.ConnectAs("narrow",
            AccessRule.Allow("get,create,list", "secrets", ns),
            AccessRule.Allow("update", "secrets") with { ResourceNames = ["other-tls"] },
            AccessRule.Allow("update", "ingresses", "elsewhere"));

        var denied = await new WritePreflight().FindDeniedAsync(connection, PublishNeeds(ns), CancellationToken.None);

        Assert.Equal(new[] { "update secrets", "update ingresses" }, denied.Select(d => $"{d.Verb} {d.Resource}"));
    }

    [ServerOnlyFact]
    public async Task A_right_held_by_name_counts_for_that_name_but_never_for_create_or_list()
    {
        await using var cluster = await TestCluster.StartAsync();
        var server = cluster.RequireServer();
        string ns = await cluster.CreateNamespaceAsync("pre-");
        var connection = server.ConnectAs("named", AccessRule.Allow("get,update,create,list", "secrets") with { ResourceNames = ["shop-tls"] });

        var denied = await new WritePreflight().FindDeniedAsync(connection,
        [
            RequiredAccess.OnSecrets("update", ns, "shop-tls", "replace the certificate"),
            RequiredAccess.OnSecrets("create", ns, "shop-tls", "create the Secret"),
            RequiredAccess.OnSecrets("list", ns, "shop-tls", "prune old copies"),
        ], CancellationToken.None);

        // The create and list requests carry no name, so a rule limited to names does not cover them.
        Assert.Equal(new[] { "create", "list" }, denied.Select(d => d.Verb));
    }

    [ServerOnlyFact]
    public async Task Equal_rights_are_asked_once_and_keep_every_reason()
    {
        await using var cluster = await TestCluster.StartAsync();
        var server = cluster.RequireServer();
        string ns = await cluster.CreateNamespaceAsync("pre-");
        var connection = server.ConnectAs("reader", AccessRule.Allow("get", "secrets", ns));
        int before = server.RequestLog.Count;

        var denied = await new WritePreflight().FindDeniedAsync(connection,
        [
            RequiredAccess.OnSecrets("create", ns, null, "keep a copy for Undo"),
            RequiredAccess.OnSecrets("create", ns, null, "create the Secret"),
            RequiredAccess.OnSecrets("create", ns, null, "keep a copy for Undo"),
            RequiredAccess.OnSecrets("get", ns, "shop-tls", "read the current certificate"),
        ], CancellationToken.None);

        Assert.Equal(2, server.RequestLog.Count - before);
        var create = Assert.Single(denied);
        Assert.Equal("keep a copy for Undo; create the Secret", create.Why);
    }

    [ServerOnlyFact]
    public async Task Many_rights_are_asked_concurrently_but_bounded()
    {
        await using var cluster = await TestCluster.StartAsync();
        var server = cluster.RequireServer();
        string ns = await cluster.CreateNamespaceAsync("pre-");
        var connection = server.ConnectAs("many", AccessRule.Allow("get", "secrets", ns));
        var needs = Enumerable.Range(0, 40).Select(i => RequiredAccess.OnSecrets(i % 2 == 0 ? "get" : "update", ns, $"s{i}", "test")).ToList();
        var stall = new TestServer.Faults.Fault { PathPrefix = "/apis/authorization.k8s.io/", Count = 40, Kind = TestServer.Faults.FaultKind.Stall(TimeSpan.FromMilliseconds(100)) };
        server.Faults.Add(stall);

        server.RequestLog.Clear();
        var denied = await new WritePreflight().FindDeniedAsync(connection, needs, CancellationToken.None);

        Assert.Equal(needs.Where((_, i) => i % 2 == 1), denied);
        // Each review is held 100 ms by the server, so reviews that are asked concurrently overlap there: the server
        // saw more than one at a time, and never more than the bound of 4.
        Assert.InRange(server.RequestLog.MaxInFlight, 2, 4);
    }

    [ServerOnlyFact]
    public async Task When_reviews_are_forbidden_nothing_is_reported_denied_and_the_diagnostics_say_why()
    {
        await using var cluster = await TestCluster.StartAsync(new KubeApiServerOptions { BindBasicUserRole = false });
        var server = cluster.RequireServer();
        string ns = await cluster.CreateNamespaceAsync("pre-");
        var connection = server.ConnectAs("hardened", AccessRule.Allow("get", "secrets", ns));
        var said = new List<string>();

        var denied = await new WritePreflight(said.Add).FindDeniedAsync(connection, PublishNeeds(ns), CancellationToken.None);

        Assert.Empty(denied);
        var message = Assert.Single(said);
        Assert.Contains("user 'hardened'", message);
        Assert.Contains("may not create SelfSubjectAccessReviews", message);

        // With a rule for it, the same cluster answers again.
        var allowedToAsk = server.ConnectAs("asker", AccessRule.Allow("get", "secrets", ns), AccessRule.Allow("create", "selfsubjectaccessreviews"));
        Assert.Equal(4, (await new WritePreflight(said.Add).FindDeniedAsync(allowedToAsk, PublishNeeds(ns), CancellationToken.None)).Count);
    }

    [ServerOnlyFact]
    public async Task When_reviews_are_not_served_nothing_is_reported_denied_and_the_diagnostics_say_why()
    {
        await using var cluster = await TestCluster.StartAsync(new KubeApiServerOptions { ServeAccessReviews = false });
        var server = cluster.RequireServer();
        string ns = await cluster.CreateNamespaceAsync("pre-");
        var connection = server.ConnectAs("anyone", AccessRule.Allow("get", "secrets", ns));
        var said = new List<string>();

        var denied = await new WritePreflight(said.Add).FindDeniedAsync(connection, PublishNeeds(ns), CancellationToken.None);

        Assert.Empty(denied);
        Assert.Contains("does not serve SelfSubjectAccessReviews", Assert.Single(said));
    }

    [ServerOnlyFact]
    public async Task A_server_error_is_not_mistaken_for_a_missing_right()
    {
        await using var cluster = await TestCluster.StartAsync();
        var server = cluster.RequireServer();
        string ns = await cluster.CreateNamespaceAsync("pre-");
        var connection = server.ConnectAs("unlucky", AccessRule.Allow("get", "secrets", ns));
        server.Faults.Add(new TestServer.Faults.Fault { PathPrefix = "/apis/authorization.k8s.io/", Count = 100, Kind = TestServer.Faults.FaultKind.InternalError() });

        var ex = await Assert.ThrowsAsync<KubeApiException>(() => new WritePreflight().FindDeniedAsync(connection, PublishNeeds(ns), CancellationToken.None));
        Assert.Equal(KubeErrorKind.ServerError, ex.Kind);
    }

    [Fact]
    public async Task The_admin_holds_every_right_a_publish_needs()
    {
        // Runs on a real cluster too: the tests' kubeconfig user is an admin there.
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("pre-");
        var said = new List<string>();

        var denied = await new WritePreflight(said.Add).FindDeniedAsync(cluster.Connect(), PublishNeeds(ns), CancellationToken.None);

        Assert.Empty(denied);
        Assert.Empty(said);
    }

    [Fact]
    public void The_refusal_names_the_user_the_cluster_and_each_missing_right_with_its_reason()
    {
        var message = WritePreflight.RefusalMessage(
            [RequiredAccess.OnSecrets("update", "shop", "shop-tls", "replace the certificate"), RequiredAccess.OnSecrets("list", "shop", null, "prune old copies")],
            "alice", "prod");

        Assert.Equal(
            "Nothing was written: user 'alice' in cluster 'prod' may not update secrets 'shop-tls' in namespace 'shop' (needed to replace the certificate); " +
            "nor list secrets in namespace 'shop' (needed to prune old copies). Ask for these rights (kubectl auth can-i shows them), or publish as a user that holds them.",
            message);
        Assert.Equal("InsufficientRights", WritePreflight.ErrorId);
        Assert.Throws<ArgumentException>(() => WritePreflight.RefusalMessage([], "alice", "prod"));
    }
}
