using System.Text.Json.Nodes;
using IngressCerts.TestServer;
using IngressCerts.TestServer.Auth;
using IngressCerts.TestServer.Testing;

namespace IngressCerts.Conformance.Tests.Behaviour;

/// <summary>
/// cert-manager's Certificate as a CRD with <c>subresources.status</c>: the main resource ignores status, and a write to
/// /status changes status only. Runs on the test server and, unchanged, on a real cluster with cert-manager's CRDs
/// (compare only what the test made: a real cert-manager would also act on the Certificate, so its issuer is one that
/// does not exist and the test reads the answers to its own writes).
/// </summary>
public sealed class StatusSubresourceTests
{
    private const string Certificates = "/apis/cert-manager.io/v1/namespaces/{0}/certificates";

    private static JsonObject Certificate(string name, JsonObject? status = null) => new()
    {
        ["apiVersion"] = "cert-manager.io/v1",
        ["kind"] = "Certificate",
        ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = new JsonObject { ["app"] = "shop" } },
        ["spec"] = new JsonObject
        {
            ["secretName"] = name + "-tls",
            ["dnsNames"] = new JsonArray("shop.example"),
            ["issuerRef"] = new JsonObject { ["name"] = "nobody", ["kind"] = "ClusterIssuer", ["group"] = "cert-manager.io" },
        },
        ["status"] = status,
    };

    private static JsonObject Ready(string status) => new()
    {
        ["conditions"] = new JsonArray(new JsonObject
        {
            ["type"] = "Ready", ["status"] = status, ["reason"] = "Testing", ["message"] = "set by the test",
            ["lastTransitionTime"] = "2026-01-02T03:04:05Z",
        }),
    };

    [ServedFact("cert-manager.io/v1")]
    public async Task The_main_resource_ignores_status_and_status_writes_change_only_status()
    {
        await using var cluster = await TestCluster.StartAsync();
        var http = cluster.Http;
        string ns = await cluster.CreateNamespaceAsync("cm-status-");
        string path = string.Format(Certificates, ns) + "/shop";

        var created = await http.PostAsync(string.Format(Certificates, ns), Certificate("shop", Ready("True")));
        Assert.Equal(201, created.StatusCode);
        Assert.Null(created.Object["status"]);
        Assert.Equal(1, created.Object["metadata"]!["generation"]!.GetValue<long>());

        // PUT /status with a changed spec and label: only status is taken, the generation stays.
        var sent = created.Object.DeepClone().AsObject();
        sent["status"] = Ready("False");
        sent["spec"]!["secretName"] = "other-tls";
        sent["metadata"]!["labels"]!["app"] = "changed";
        var status = await http.PutAsync(path + "/status", sent);
        Assert.Equal(200, status.StatusCode);
        Assert.Equal("False", status.Object["status"]!["conditions"]![0]!["status"]!.GetValue<string>());
        Assert.Equal("shop-tls", status.Object["spec"]!["secretName"]!.GetValue<string>());
        Assert.Equal("shop", status.Object["metadata"]!["labels"]!["app"]!.GetValue<string>());
        Assert.Equal(1, status.Object["metadata"]!["generation"]!.GetValue<long>());
        Assert.NotEqual(created.ResourceVersion, status.ResourceVersion);

        // A stale resourceVersion on /status is a conflict, as on the main resource.
        var stale = await http.PutAsync(path + "/status", sent);
        Assert.Equal(409, stale.StatusCode);

        // PUT and merge PATCH of the main resource keep the stored status.
        var main = status.Object.DeepClone().AsObject();
        main["status"] = Ready("Unknown");
        main["spec"]!["dnsNames"] = new JsonArray("shop.example", "www.shop.example");
        var updated = await http.PutAsync(path, main);
        Assert.Equal(200, updated.StatusCode);
        Assert.Equal("False", updated.Object["status"]!["conditions"]![0]!["status"]!.GetValue<string>());
        Assert.Equal(2, updated.Object["metadata"]!["generation"]!.GetValue<long>());
        var patched = await http.PatchAsync(path, JsonNode.Parse("""{"status":{"conditions":[]}}""")!, "application/merge-patch+json");
        Assert.Equal(200, patched.StatusCode);
        Assert.Equal("False", patched.Object["status"]!["conditions"]![0]!["status"]!.GetValue<string>());

        // A merge PATCH of /status changes status, and nothing else even when it tries.
        var statusPatch = await http.PatchAsync(path + "/status",
            JsonNode.Parse("""{"spec":{"secretName":"x"},"status":{"renewalTime":"2027-01-01T00:00:00Z"}}""")!, "application/merge-patch+json");
        Assert.Equal(200, statusPatch.StatusCode);
        Assert.Equal("2027-01-01T00:00:00Z", statusPatch.Object["status"]!["renewalTime"]!.GetValue<string>());
        Assert.Equal("shop-tls", statusPatch.Object["spec"]!["secretName"]!.GetValue<string>());

        var got = await http.GetAsync(path + "/status");
        Assert.Equal(200, got.StatusCode);
        Assert.Equal("Certificate", got.Object["kind"]!.GetValue<string>());
        Assert.Equal(statusPatch.ResourceVersion, got.ResourceVersion);

        var missing = await http.PutAsync(string.Format(Certificates, ns) + "/none/status", Certificate("none", Ready("True")));
        Assert.Equal(404, missing.StatusCode);
    }

    [ServerOnlyFact]
    public async Task Status_writes_are_authorized_as_the_status_subresource_and_tracked_in_managed_fields()
    {
        await using var cluster = await TestCluster.StartAsync();
        var server = cluster.RequireServer();
        string ns = await cluster.CreateNamespaceAsync("cm-rbac-");
        var created = await cluster.Http.PostAsync(string.Format(Certificates, ns), Certificate("shop"));
        Assert.Equal(201, created.StatusCode);
        string path = string.Format(Certificates, ns) + "/shop";

        server.AddUser("updater", "updater-token", AccessRule.Allow("get,update", "certificates", ns));
        using var updater = KubeHttp.FromKubeconfig(cluster.KubeconfigPath, tokenOverride: "updater-token");
        var body = created.Object.DeepClone().AsObject();
        body["status"] = Ready("True");
        var refused = await updater.PutAsync(path + "/status", body);
        Assert.Equal(403, refused.StatusCode);
        Assert.Equal(
            $"certificates.cert-manager.io \"shop\" is forbidden: User \"updater\" cannot update resource \"certificates/status\" in API group \"cert-manager.io\" in the namespace \"{ns}\"",
            refused.Message);

        server.AddUser("renewer", "renewer-token", AccessRule.Allow("update", "certificates/status", ns));
        using var renewer = KubeHttp.FromKubeconfig(cluster.KubeconfigPath, tokenOverride: "renewer-token");
        renewer.UserAgent = "cmctl/v2.1.0";
        var allowed = await renewer.PutAsync(path + "/status", body);
        Assert.Equal(200, allowed.StatusCode);
        var entry = Assert.Single(allowed.Object["metadata"]!["managedFields"]!.AsArray(), e => e!["manager"]!.GetValue<string>() == "cmctl");
        Assert.Equal("status", entry!["subresource"]!.GetValue<string>());
        Assert.NotNull(entry["fieldsV1"]!["f:status"]);
        Assert.Null(entry["fieldsV1"]!["f:spec"]);
        Assert.Equal(403, (await renewer.PutAsync(path, body)).StatusCode);

        // Only get, update and patch: a POST or DELETE to /status is 405.
        Assert.Equal(405, (await cluster.Http.DeleteAsync(path + "/status")).StatusCode);
    }

    [ServerOnlyFact]
    public async Task Certificates_are_absent_with_the_other_kinds_switched_off()
    {
        await using var cluster = await TestCluster.StartAsync(new KubeApiServerOptions { ServeOtherKinds = false });
        string ns = await cluster.CreateNamespaceAsync("cm-off-");
        Assert.Equal(404, (await cluster.Http.GetAsync(string.Format(Certificates, ns))).StatusCode);
        var groups = (await cluster.Http.GetAsync("/apis")).Object["groups"]!.AsArray();
        Assert.DoesNotContain(groups, g => g!["name"]!.GetValue<string>() == "cert-manager.io");
    }
}
