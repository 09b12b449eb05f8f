using System.Text.Json.Nodes;
using IngressCerts.TestServer.Testing;

namespace IngressCerts.Conformance.Tests.Behaviour;

/// <summary>Create, update and delete semantics; they must hold on a real cluster too.</summary>
public sealed class WriteBehaviourTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    private TestCluster Cluster => fixture.Cluster;

    private KubeHttp Http => fixture.Cluster.Http;

    [Fact]
    public async Task Create_sets_server_fields_defaults_the_type_and_folds_stringData_into_data()
    {
        var ns = await Cluster.CreateNamespaceAsync();
        var secret = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Secret",
            ["metadata"] = new JsonObject { ["name"] = "plain" },
            ["stringData"] = new JsonObject { ["password"] = "hunter2" },
        };
        var created = await Http.PostAsync(Manifests.Secrets(ns), secret);
        Assert.Equal(201, created.StatusCode);
        Assert.Equal("application/json", created.ContentType);
        var body = created.Object;
        Assert.Equal("Opaque", body["type"]!.GetValue<string>());
        Assert.Equal("aHVudGVyMg==", body["data"]!["password"]!.GetValue<string>());
        Assert.Null(body["stringData"]);
        Assert.Matches("^[0-9a-f-]{36}$", body["metadata"]!["uid"]!.GetValue<string>());
        Assert.True(Manifests.Version(body) > 0);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", body["metadata"]!["creationTimestamp"]!.GetValue<string>());

        var fetched = await Http.GetAsync(Manifests.Secrets(ns, "plain"));
        Assert.Equal(200, fetched.StatusCode);
        Assert.True(JsonNode.DeepEquals(body, fetched.Json), fetched.Body);
    }

    [Fact]
    public async Task Creating_an_existing_name_is_409_AlreadyExists()
    {
        var ns = await Cluster.CreateNamespaceAsync();
        Assert.Equal(201, (await Http.PostAsync(Manifests.Secrets(ns), Manifests.TlsSecret("twice"))).StatusCode);
        var again = await Http.PostAsync(Manifests.Secrets(ns), Manifests.TlsSecret("twice"));
        Assert.Equal(409, again.StatusCode);
        Assert.Equal("AlreadyExists", again.Reason);
        Assert.Equal("secrets \"twice\" already exists", again.Message);
        AssertStatusShape(again, 409);
    }

    [Fact]
    public async Task Missing_objects_and_namespaces_are_404_NotFound()
    {
        var ns = await Cluster.CreateNamespaceAsync();
        var missing = await Http.GetAsync(Manifests.Secrets(ns, "nope"));
        Assert.Equal(404, missing.StatusCode);
        Assert.Equal("NotFound", missing.Reason);
        Assert.Equal("secrets \"nope\" not found", missing.Message);
        Assert.Equal("nope", missing.Object["details"]!["name"]!.GetValue<string>());

        var nowhere = "nowhere-" + Guid.NewGuid().ToString("N")[..8];
        var create = await Http.PostAsync(Manifests.Secrets(nowhere), Manifests.TlsSecret("x"));
        Assert.Equal(404, create.StatusCode);
        Assert.Equal($"namespaces \"{nowhere}\" not found", create.Message);

        var ingress = await Http.GetAsync(Manifests.Ingresses(ns, "nope"));
        Assert.Equal("ingresses.networking.k8s.io \"nope\" not found", ingress.Message);
        Assert.Equal("networking.k8s.io", ingress.Object["details"]!["group"]!.GetValue<string>());
    }

    [Fact]
    public async Task Update_with_a_stale_resourceVersion_is_409_and_without_one_overwrites()
    {
        var ns = await Cluster.CreateNamespaceAsync();
        var created = (await Http.PostAsync(Manifests.Secrets(ns), Manifests.TlsSecret("site"))).Object;
        var first = Manifests.Version(created);

        var current = created.DeepClone().AsObject();
        current["data"]!["tls.crt"] = "Y2VydDI=";
        var updated = await Http.PutAsync(Manifests.Secrets(ns, "site"), current);
        Assert.Equal(200, updated.StatusCode);
        Assert.True(Manifests.Version(updated.Json) > first);

        var stale = created.DeepClone().AsObject();
        stale["data"]!["tls.crt"] = "c3RhbGU=";
        var conflict = await Http.PutAsync(Manifests.Secrets(ns, "site"), stale);
        Assert.Equal(409, conflict.StatusCode);
        Assert.Equal("Conflict", conflict.Reason);
        Assert.Equal("Operation cannot be fulfilled on secrets \"site\": the object has been modified; please apply your changes to the latest version and try again", conflict.Message);

        var unconditional = created.DeepClone().AsObject();
        unconditional["metadata"]!.AsObject().Remove("resourceVersion");
        unconditional["data"]!["tls.crt"] = "Y2VydDM=";
        var overwritten = await Http.PutAsync(Manifests.Secrets(ns, "site"), unconditional);
        Assert.Equal(200, overwritten.StatusCode);
        Assert.Equal("Y2VydDM=", overwritten.Object["data"]!["tls.crt"]!.GetValue<string>());
        Assert.True(Manifests.Version(overwritten.Json) > Manifests.Version(updated.Json));
    }

    [Fact]
    public async Task A_tls_secret_needs_both_keys_422_Invalid()
    {
        var ns = await Cluster.CreateNamespaceAsync();
        var broken = Manifests.Secret("broken-tls", "kubernetes.io/tls", new Dictionary<string, string> { ["tls.crt"] = "cert" });
        var response = await Http.PostAsync(Manifests.Secrets(ns), broken);
        Assert.Equal(422, response.StatusCode);
        Assert.Equal("Invalid", response.Reason);
        Assert.Equal("Secret \"broken-tls\" is invalid: data[tls.key]: Required value", response.Message);
        var cause = Assert.Single(response.Object["details"]!["causes"]!.AsArray())!;
        Assert.Equal("FieldValueRequired", cause["reason"]!.GetValue<string>());
        Assert.Equal("data[tls.key]", cause["field"]!.GetValue<string>());
        Assert.Equal("Secret", response.Object["details"]!["kind"]!.GetValue<string>());
    }

    [Fact]
    public async Task Bad_names_and_hosts_are_422_Invalid()
    {
        var ns = await Cluster.CreateNamespaceAsync();
        var badName = await Http.PostAsync(Manifests.Secrets(ns), Manifests.TlsSecret("Bad_Name"));
        Assert.Equal(422, badName.StatusCode);
        Assert.StartsWith("Secret \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain", badName.Message);

        var badHost = await Http.PostAsync(Manifests.Ingresses(ns), Manifests.Ingress("bad", "a.*.example.com"));
        Assert.Equal(422, badHost.StatusCode);
        Assert.StartsWith("Ingress.extensions \"bad\" is invalid: spec.rules[0].host: Invalid value: \"a.*.example.com\": a wildcard DNS-1123 subdomain", badHost.Message);
        Assert.Equal("spec.rules[0].host", badHost.Object["details"]!["causes"]![0]!["field"]!.GetValue<string>());
    }

    [Fact]
    public async Task Every_write_takes_a_higher_resourceVersion_and_a_no_op_update_keeps_it()
    {
        var ns = await Cluster.CreateNamespaceAsync();
        var versions = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            versions.Add(Manifests.Version((await Http.PostAsync(Manifests.Secrets(ns), Manifests.TlsSecret($"s{i}"))).Json));
        }
        Assert.Equal(versions.Order(), versions);
        Assert.Equal(versions.Count, versions.Distinct().Count());

        var current = (await Http.GetAsync(Manifests.Secrets(ns, "s0"))).Object;
        var same = await Http.PutAsync(Manifests.Secrets(ns, "s0"), current);
        Assert.Equal(200, same.StatusCode);
        Assert.Equal(Manifests.Version(current), Manifests.Version(same.Json));
    }

    [Fact]
    public async Task Delete_honours_preconditions_then_answers_Success_and_then_404()
    {
        var ns = await Cluster.CreateNamespaceAsync();
        var created = (await Http.PostAsync(Manifests.Secrets(ns), Manifests.TlsSecret("doomed"))).Object;
        var uid = created["metadata"]!["uid"]!.GetValue<string>();
        var version = created["metadata"]!["resourceVersion"]!.GetValue<string>();

        var staleVersion = await Http.DeleteAsync(Manifests.Secrets(ns, "doomed"), Preconditions("resourceVersion", "1"));
        Assert.Equal(409, staleVersion.StatusCode);
        Assert.Equal($"Operation cannot be fulfilled on Secret \"doomed\": the ResourceVersion in the precondition (1) does not match the ResourceVersion in record ({version}). The object might have been modified", staleVersion.Message);

        var otherUid = Guid.NewGuid().ToString();
        var staleUid = await Http.DeleteAsync(Manifests.Secrets(ns, "doomed"), Preconditions("uid", otherUid));
        Assert.Equal(409, staleUid.StatusCode);
        Assert.Contains($"the UID in the precondition ({otherUid}) does not match the UID in record ({uid})", staleUid.Message);

        var deleted = await Http.DeleteAsync(Manifests.Secrets(ns, "doomed"), Preconditions("uid", uid));
        Assert.Equal(200, deleted.StatusCode);
        Assert.Equal("Success", deleted.Object["status"]!.GetValue<string>());
        Assert.Equal(uid, deleted.Object["details"]!["uid"]!.GetValue<string>());

        var again = await Http.DeleteAsync(Manifests.Secrets(ns, "doomed"));
        Assert.Equal(404, again.StatusCode);
    }

    [Fact]
    public async Task A_lease_delete_with_uid_and_resourceVersion_preconditions_refuses_a_lease_written_since()
    {
        // How Sync releases a target's Lease: only as it last wrote it, so a Lease another run took over stays.
        var ns = await Cluster.CreateNamespaceAsync();
        string leases = $"/apis/coordination.k8s.io/v1/namespaces/{ns}/leases";
        var lease = new JsonObject
        {
            ["apiVersion"] = "coordination.k8s.io/v1",
            ["kind"] = "Lease",
            ["metadata"] = new JsonObject { ["name"] = "held" },
            ["spec"] = new JsonObject { ["holderIdentity"] = "run-a", ["leaseDurationSeconds"] = 60 },
        };
        var created = (await Http.PostAsync(leases, lease)).Object;
        var uid = created["metadata"]!["uid"]!.GetValue<string>();
        var version = created["metadata"]!["resourceVersion"]!.GetValue<string>();
        created["spec"]!["holderIdentity"] = "run-b";
        var taken = await Http.PutAsync(leases + "/held", created);
        Assert.Equal(200, taken.StatusCode);
        var now = taken.Object["metadata"]!["resourceVersion"]!.GetValue<string>();

        var stale = await Http.DeleteAsync(leases + "/held", UidAndVersion(uid, version));
        Assert.Equal(409, stale.StatusCode);
        AssertStatusShape(stale, 409);
        Assert.Equal($"Operation cannot be fulfilled on Lease.coordination.k8s.io \"held\": the ResourceVersion in the precondition ({version}) does not match the ResourceVersion in record ({now}). The object might have been modified", stale.Message);
        Assert.Equal("run-b", (await Http.GetAsync(leases + "/held")).Object["spec"]!["holderIdentity"]!.GetValue<string>());

        var released = await Http.DeleteAsync(leases + "/held", UidAndVersion(uid, now));
        Assert.Equal(200, released.StatusCode);
        Assert.Equal("Success", released.Object["status"]!.GetValue<string>());
        Assert.Equal(404, (await Http.GetAsync(leases + "/held")).StatusCode);
    }

    [Fact]
    public async Task Patches_merge_maps_replace_lists_and_json_patch_tests_guard_writes()
    {
        var ns = await Cluster.CreateNamespaceAsync();
        var ingress = Manifests.Ingress("site", "site.example.com", (["site.example.com"], "site-tls"), (["other.example.com"], "other-tls"));
        var created = (await Http.PostAsync(Manifests.Ingresses(ns), ingress)).Object;
        Assert.Equal(1, created["metadata"]!["generation"]!.GetValue<long>());

        var strategic = await Http.PatchAsync(Manifests.Ingresses(ns, "site"),
            JsonNode.Parse("""{"metadata":{"labels":{"a":"1"}},"spec":{"tls":[{"hosts":["new.example.com"],"secretName":"new-tls"}]}}""")!,
            "application/strategic-merge-patch+json");
        Assert.Equal(200, strategic.StatusCode);
        var tls = Assert.Single(strategic.Object["spec"]!["tls"]!.AsArray())!;
        Assert.Equal("new-tls", tls["secretName"]!.GetValue<string>());
        Assert.Equal(2, strategic.Object["metadata"]!["generation"]!.GetValue<long>());

        var merge = await Http.PatchAsync(Manifests.Ingresses(ns, "site"),
            JsonNode.Parse("""{"metadata":{"labels":{"a":null,"b":"2"}}}""")!, "application/merge-patch+json");
        Assert.Equal(200, merge.StatusCode);
        var labels = merge.Object["metadata"]!["labels"]!.AsObject();
        Assert.False(labels.ContainsKey("a"));
        Assert.Equal("2", labels["b"]!.GetValue<string>());
        Assert.Equal(2, merge.Object["metadata"]!["generation"]!.GetValue<long>());

        var guarded = await Http.PatchAsync(Manifests.Ingresses(ns, "site"),
            JsonNode.Parse("""[{"op":"test","path":"/metadata/resourceVersion","value":"1"},{"op":"replace","path":"/spec/rules/0/host","value":"x.example.com"}]""")!,
            "application/json-patch+json");
        Assert.Equal(422, guarded.StatusCode);
        Assert.Equal("the server rejected our request due to an error in our request", guarded.Message);

        var version = merge.Object["metadata"]!["resourceVersion"]!.GetValue<string>();
        var passing = await Http.PatchAsync(Manifests.Ingresses(ns, "site"),
            JsonNode.Parse($$"""[{"op":"test","path":"/metadata/resourceVersion","value":"{{version}}"},{"op":"replace","path":"/spec/rules/0/host","value":"x.example.com"}]""")!,
            "application/json-patch+json");
        Assert.Equal(200, passing.StatusCode);
        Assert.Equal("x.example.com", passing.Object["spec"]!["rules"]![0]!["host"]!.GetValue<string>());
    }

    [Fact]
    public async Task Server_side_apply_needs_a_field_manager_creates_then_updates()
    {
        var ns = await Cluster.CreateNamespaceAsync();
        const string applied = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: applied\ntype: Opaque\ndata:\n  a: Yg==\n";
        var noManager = await Http.SendAsync(HttpMethod.Patch, Manifests.Secrets(ns, "applied"), applied, "application/apply-patch+yaml");
        Assert.Equal(422, noManager.StatusCode);
        Assert.Equal("PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch", noManager.Message);

        var create = await Http.SendAsync(HttpMethod.Patch, Manifests.Secrets(ns, "applied") + "?fieldManager=ingresscerts", applied, "application/apply-patch+yaml");
        Assert.Equal(201, create.StatusCode);
        var entry = create.Object["metadata"]!["managedFields"]![0]!;
        Assert.Equal("ingresscerts", entry["manager"]!.GetValue<string>());
        Assert.Equal("Apply", entry["operation"]!.GetValue<string>());

        const string changed = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: applied\ntype: Opaque\ndata:\n  b: Yw==\n";
        var update = await Http.SendAsync(HttpMethod.Patch, Manifests.Secrets(ns, "applied") + "?fieldManager=ingresscerts", changed, "application/apply-patch+yaml");
        Assert.Equal(200, update.StatusCode);
        // The applier owned data.a and no longer sends it: apply removes it.
        var data = update.Object["data"]!.AsObject();
        Assert.False(data.ContainsKey("a"));
        Assert.Equal("Yw==", data["b"]!.GetValue<string>());
    }

    [Fact]
    public async Task Server_side_apply_conflicts_with_other_managers_unless_forced()
    {
        var ns = await Cluster.CreateNamespaceAsync();
        // Created by a plain POST: the manager is named after the client's User-Agent.
        Assert.Equal(201, (await Http.PostAsync(Manifests.Secrets(ns), Manifests.Secret("shared", data: new Dictionary<string, string> { ["a"] = "x" }))).StatusCode);
        var manager = KubeHttp.DefaultUserAgent.Split('/')[0];

        const string same = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: shared\ndata:\n  a: eA==\n";
        var coOwned = await Http.SendAsync(HttpMethod.Patch, Manifests.Secrets(ns, "shared") + "?fieldManager=first", same, "application/apply-patch+yaml");
        Assert.Equal(200, coOwned.StatusCode);

        const string different = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: shared\ndata:\n  a: eQ==\n";
        var conflict = await Http.SendAsync(HttpMethod.Patch, Manifests.Secrets(ns, "shared") + "?fieldManager=second", different, "application/apply-patch+yaml");
        Assert.Equal(409, conflict.StatusCode);
        Assert.Equal("Conflict", conflict.Reason);
        Assert.Equal($"Apply failed with 2 conflicts: conflicts with \"first\":\n- .data.a\nconflicts with \"{manager}\" using v1:\n- .data.a", conflict.Message);
        Assert.All(conflict.Object["details"]!["causes"]!.AsArray(), c => Assert.Equal("FieldManagerConflict", c!["reason"]!.GetValue<string>()));

        var forced = await Http.SendAsync(HttpMethod.Patch, Manifests.Secrets(ns, "shared") + "?fieldManager=second&force=true", different, "application/apply-patch+yaml");
        Assert.Equal(200, forced.StatusCode);
        Assert.Equal("eQ==", forced.Object["data"]!["a"]!.GetValue<string>());
        var owners = forced.Object["metadata"]!["managedFields"]!.AsArray().Select(e => e!["manager"]!.GetValue<string>()).ToList();
        Assert.Contains("second", owners);
        Assert.DoesNotContain("first", owners);
    }

    private static JsonObject Preconditions(string field, string value) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "DeleteOptions",
        ["preconditions"] = new JsonObject { [field] = value },
    };

    private static JsonObject UidAndVersion(string uid, string resourceVersion) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "DeleteOptions",
        ["preconditions"] = new JsonObject { ["uid"] = uid, ["resourceVersion"] = resourceVersion },
    };

    private static void AssertStatusShape(KubeResponse response, int code)
    {
        var body = response.Object;
        Assert.Equal("Status", body["kind"]!.GetValue<string>());
        Assert.Equal("v1", body["apiVersion"]!.GetValue<string>());
        Assert.Equal("Failure", body["status"]!.GetValue<string>());
        Assert.Equal(code, body["code"]!.GetValue<int>());
        Assert.NotNull(body["metadata"]);
    }
}
