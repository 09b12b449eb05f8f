using System.Text;
using System.Text.Json.Nodes;
using IngressCerts.Engine.Kubernetes;
using IngressCerts.Engine.Publishing;
using IngressCerts.Engine.Tests.Support;
using IngressCerts.TestServer.Auth;
using IngressCerts.TestServer.Testing;

namespace IngressCerts.Engine.Tests.Integration;

/// <summary>Publishing and undo against a cluster: the test server by default, a real cluster when configured.</summary>
public sealed class PublisherTests
{
    private static PublishPayload Payload(TestCertificates.Issued cert) =>
        new(cert.Certificate, cert.CertificatePem, Encoding.ASCII.GetBytes(cert.KeyPem));

    private static async Task<PublishOutcome> PublishAsync(ClusterConnection connection, PublishTarget target, TestCertificates.Issued cert, PublishOptions? options = null)
    {
        using var payload = Payload(cert);
        var operation = new PublishOperation(new Publisher(new ClusterWriter(connection), options ?? new PublishOptions()));
        var plan = await operation.PlanAsync(target, payload, CancellationToken.None);
        return await operation.RunAsync(plan, payload, verify: null, callbacks: null, CancellationToken.None);
    }

    private static async Task<JsonObject> GetAsync(TestCluster cluster, string path) => (await cluster.Http.GetAsync(path)).Object;

    private static string TlsCrtOf(JsonObject secret) =>
        Encoding.ASCII.GetString(Convert.FromBase64String(secret["data"]!["tls.crt"]!.GetValue<string>()));

    private static Task<PublishOutcome> UndoAsync(ClusterConnection connection, string ns, bool force = false) =>
        new Publisher(new ClusterWriter(connection), new PublishOptions(force)).UndoAsync(ns, "shop-tls", force, CancellationToken.None);

    /// <summary>Another writer changes an object (a JSON merge patch, as kubectl patch --type merge sends).</summary>
    private static async Task EditAsync(TestCluster cluster, string path, JsonObject patch)
    {
        var response = await cluster.Http.PatchAsync(path, patch, "application/merge-patch+json");
        Assert.True(response.StatusCode == 200, response.ToString());
    }

    private static string SecretPath(string ns) => $"/api/v1/namespaces/{ns}/secrets/shop-tls";

    private static string IngressPath(string ns) => $"/apis/networking.k8s.io/v1/namespaces/{ns}/ingresses/shop";

    private static IReadOnlyList<(string? Secret, string Hosts)> TlsOf(JsonObject ingress) =>
        (ingress["spec"]!["tls"] as JsonArray ?? new JsonArray())
            .Select(t => (t!["secretName"]?.GetValue<string>(), string.Join(",", (t["hosts"] as JsonArray ?? new JsonArray()).Select(h => h!.GetValue<string>()))))
            .ToList();

    [Fact]
    public async Task Publishing_creates_then_updates_in_place_then_reports_unchanged()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("pub-");
        var connection = cluster.Connect();
        var first = TestCertificates.Create("CN=shop.example", new[] { "shop.example" });
        var second = TestCertificates.Create("CN=shop.example", new[] { "shop.example" });
        var target = new PublishTarget(ns, "shop-tls");

        Assert.Equal(PublishAction.Created, (await PublishAsync(connection, target, first)).Action);
        var created = await GetAsync(cluster, $"/api/v1/namespaces/{ns}/secrets/shop-tls");
        string uid = created["metadata"]!["uid"]!.GetValue<string>();

        var updated = await PublishAsync(connection, target, second);
        Assert.Equal(PublishAction.Updated, updated.Action);
        Assert.Equal(first.Certificate.Thumbprint, updated.PreviousThumbprint);
        var secret = await GetAsync(cluster, $"/api/v1/namespaces/{ns}/secrets/shop-tls");
        Assert.Equal(uid, secret["metadata"]!["uid"]!.GetValue<string>()); // same object: updated in place
        Assert.Equal("kubernetes.io/tls", secret["type"]!.GetValue<string>());
        Assert.StartsWith(second.CertificatePem.Trim(), TlsCrtOf(secret).Trim(), StringComparison.Ordinal);
        Assert.Equal(second.Certificate.Thumbprint, secret["metadata"]!["annotations"]![SecretAnnotations.Thumbprint]!.GetValue<string>());

        Assert.Equal(PublishAction.Unchanged, (await PublishAsync(connection, target, second)).Action);
        var after = await GetAsync(cluster, $"/api/v1/namespaces/{ns}/secrets/shop-tls");
        Assert.Equal(secret["metadata"]!["resourceVersion"]!.GetValue<string>(), after["metadata"]!["resourceVersion"]!.GetValue<string>());
    }

    [Fact]
    public async Task Wiring_adds_the_tls_entry_and_keeps_every_other_entry_and_field()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("wire-");
        var ingress = ClusterObjects.Ingress(ns, "shop", (new[] { "api.example" }, "api-tls"));
        ingress["spec"]!["rules"]!.AsArray().Add(new JsonObject { ["host"] = "shop.example" });
        ingress["metadata"]!["annotations"] = new JsonObject { ["nginx.ingress.kubernetes.io/ssl-redirect"] = "true" };
        await cluster.CreateAsync(ingress);
        var cert = TestCertificates.Create("CN=shop.example", new[] { "shop.example" });

        var outcome = await PublishAsync(cluster.Connect(), new PublishTarget(ns, "shop-tls", "shop"), cert);

        Assert.Equal(new[] { "shop.example" }, outcome.Hosts);
        var stored = await GetAsync(cluster, $"/apis/networking.k8s.io/v1/namespaces/{ns}/ingresses/shop");
        var tls = stored["spec"]!["tls"]!.AsArray();
        Assert.Equal(2, tls.Count);
        Assert.Equal("api-tls", tls[0]!["secretName"]!.GetValue<string>());
        Assert.Equal("shop-tls", tls[1]!["secretName"]!.GetValue<string>());
        Assert.Equal("shop.example", tls[1]!["hosts"]![0]!.GetValue<string>());
        Assert.Equal("true", stored["metadata"]!["annotations"]!["nginx.ingress.kubernetes.io/ssl-redirect"]!.GetValue<string>());
        Assert.Equal(2, stored["spec"]!["rules"]!.AsArray().Count);
    }

    [Fact]
    public async Task Undo_restores_the_previous_certificate_and_a_second_undo_has_nothing_to_undo()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("undo-");
        var connection = cluster.Connect();
        var old = TestCertificates.Create("CN=shop.example", new[] { "shop.example" });
        var fresh = TestCertificates.Create("CN=shop.example", new[] { "shop.example" });
        var target = new PublishTarget(ns, "shop-tls");
        await PublishAsync(connection, target, old);
        await PublishAsync(connection, target, fresh);
        var publisher = new Publisher(new ClusterWriter(connection), new PublishOptions());

        var undone = await publisher.UndoAsync(ns, "shop-tls", force: false, CancellationToken.None);
        Assert.Equal(old.Certificate.Thumbprint, undone.Thumbprint);
        Assert.Equal(fresh.Certificate.Thumbprint, undone.PreviousThumbprint);
        var secret = await GetAsync(cluster, SecretPath(ns));
        Assert.StartsWith(old.CertificatePem.Trim(), TlsCrtOf(secret).Trim(), StringComparison.Ordinal);

        // The undo's record names the entry it made of the replaced certificate, and that entry names the undo.
        var record = PublishRecord.Read(new k8s.Models.V1Secret
        {
            Metadata = new k8s.Models.V1ObjectMeta { Annotations = secret["metadata"]!["annotations"]!.AsObject().ToDictionary(a => a.Key, a => a.Value!.GetValue<string>()) },
        })!;
        Assert.True(record.Undo);
        var entry = await GetAsync(cluster, $"/api/v1/namespaces/{ns}/secrets/{record.ArchiveName}");
        Assert.Equal(record.Id, entry["metadata"]!["annotations"]![SecretHistory.ArchivedBy]!.GetValue<string>());

        cluster.Server?.RequestLog.Clear();
        var again = await Assert.ThrowsAsync<PublishRefusedException>(() => publisher.UndoAsync(ns, "shop-tls", force: true, CancellationToken.None));
        Assert.Equal("NothingToUndo", again.Refusal.Id);
        if (cluster.Server is { } server)
        {
            Assert.All(server.RequestLog.Snapshot(), e => Assert.Equal("GET", e.Method));
        }

        Assert.StartsWith(old.CertificatePem.Trim(), TlsCrtOf(await GetAsync(cluster, SecretPath(ns))).Trim(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Undo_with_a_thumbprint_restores_that_history_entry_and_archives_the_current_certificate()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("undo-pick-");
        var connection = cluster.Connect();
        var first = TestCertificates.Create("CN=shop.example", new[] { "shop.example" });
        var second = TestCertificates.Create("CN=shop.example", new[] { "shop.example" });
        var third = TestCertificates.Create("CN=shop.example", new[] { "shop.example" });
        var target = new PublishTarget(ns, "shop-tls");
        foreach (var cert in new[] { first, second, third })
        {
            await PublishAsync(connection, target, cert, new PublishOptions(HistoryLimit: 3));
        }

        var publisher = new Publisher(new ClusterWriter(connection), new PublishOptions());
        var plan = await publisher.PlanUndoAsync(ns, "shop-tls", force: false, CancellationToken.None, first.Certificate.Thumbprint.ToLowerInvariant());
        var restored = await publisher.ApplyUndoAsync(plan, force: false, CancellationToken.None);

        Assert.Equal(first.Certificate.Thumbprint, restored.Thumbprint);
        Assert.Equal(third.Certificate.Thumbprint, restored.PreviousThumbprint);
        Assert.StartsWith(first.CertificatePem.Trim(), TlsCrtOf(await GetAsync(cluster, SecretPath(ns))).Trim(), StringComparison.Ordinal);
        var history = (await new SecretHistoryReader(connection).ListAsync(ns, "shop-tls", CancellationToken.None))!;
        Assert.Equal(new[] { third.Certificate.Thumbprint, second.Certificate.Thumbprint }, history.Select(h => h.Thumbprint));
        Assert.Equal(PublishRecord.Read(await new ClusterWriter(connection).GetSecretAsync(ns, "shop-tls", CancellationToken.None) ?? throw new InvalidOperationException())!.Id,
            history[0].ArchivedBy);

        // An undo after it has nothing to undo: the restore took the place of the last publish.
        Assert.Equal("NothingToUndo", (await publisher.PlanUndoAsync(ns, "shop-tls", force: false, CancellationToken.None)).Refusal?.Id);
    }

    [Fact]
    public async Task Undo_with_a_thumbprint_no_entry_holds_is_refused_and_writes_nothing()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("undo-pick-");
        var connection = cluster.Connect();
        var first = TestCertificates.Create("CN=shop.example", new[] { "shop.example" });
        var second = TestCertificates.Create("CN=shop.example", new[] { "shop.example" });
        await PublishAsync(connection, new PublishTarget(ns, "shop-tls"), first);
        await PublishAsync(connection, new PublishTarget(ns, "shop-tls"), second);
        var publisher = new Publisher(new ClusterWriter(connection), new PublishOptions());

        cluster.Server?.RequestLog.Clear();
        foreach (string thumbprint in new[] { new string('A', 40), second.Certificate.Thumbprint })
        {
            var plan = await publisher.PlanUndoAsync(ns, "shop-tls", force: true, CancellationToken.None, thumbprint);
            var refused = await Assert.ThrowsAsync<PublishRefusedException>(() => publisher.ApplyUndoAsync(plan, force: true, CancellationToken.None));
            Assert.Equal("HistoryEntryNotFound", refused.Refusal.Id);
        }

        if (cluster.Server is { } server)
        {
            Assert.All(server.RequestLog.Snapshot(), e => Assert.Equal("GET", e.Method));
        }

        Assert.StartsWith(second.CertificatePem.Trim(), TlsCrtOf(await GetAsync(cluster, SecretPath(ns))).Trim(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task History_keeps_as_many_previous_certificates_as_the_limit()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("hist-");
        var connection = cluster.Connect();
        var target = new PublishTarget(ns, "shop-tls");
        for (int i = 0; i < 4; i++)
        {
            await PublishAsync(connection, target, TestCertificates.Create("CN=shop.example", new[] { "shop.example" }), new PublishOptions(HistoryLimit: 2));
        }

        var list = (await cluster.Http.GetAsync($"/api/v1/namespaces/{ns}/secrets?labelSelector={SecretAnnotations.HistoryOf}%3Dshop-tls")).Object;
        Assert.Equal(2, list["items"]!.AsArray().Count);
        Assert.All(list["items"]!.AsArray(), s => Assert.Equal(SecretAnnotations.HistoryType, s!["type"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Undo_of_a_secret_no_publish_made_and_without_history_is_refused()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("nohist-");
        await cluster.CreateAsync(ClusterObjects.TlsSecret(ns, "shop-tls", TestCertificates.Create("CN=a", new[] { "a.example" })));
        var publisher = new Publisher(new ClusterWriter(cluster.Connect()), new PublishOptions());
        var ex = await Assert.ThrowsAsync<PublishRefusedException>(() => publisher.UndoAsync(ns, "shop-tls", false, CancellationToken.None));
        Assert.Equal("NoHistory", ex.Refusal.Id);
    }

    [Fact]
    public async Task A_cert_manager_secret_is_refused_without_a_write_and_overwritten_with_force()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("cm-");
        var managed = TestCertificates.Create("CN=shop.example", new[] { "shop.example" });
        await cluster.CreateAsync(ClusterObjects.TlsSecret(ns, "shop-tls", managed, annotations: new Dictionary<string, string> { [SecretAnnotations.CertManagerCertificate] = "shop" }));
        var connection = cluster.Connect();
        var mine = TestCertificates.Create("CN=shop.example", new[] { "shop.example" });
        using var payload = Payload(mine);
        var publisher = new Publisher(new ClusterWriter(connection), new PublishOptions());
        var plan = await publisher.PlanAsync(new PublishTarget(ns, "shop-tls"), payload, CancellationToken.None);

        Assert.Equal("CertManagerManaged", plan.Refusal!.Id);
        await Assert.ThrowsAsync<PublishRefusedException>(() => publisher.ApplyAsync(plan, payload, CancellationToken.None));
        Assert.StartsWith(managed.CertificatePem.Trim(), TlsCrtOf(await GetAsync(cluster, $"/api/v1/namespaces/{ns}/secrets/shop-tls")).Trim(), StringComparison.Ordinal);

        Assert.Equal(PublishAction.Updated, (await PublishAsync(connection, new PublishTarget(ns, "shop-tls"), mine, new PublishOptions(Force: true))).Action);
    }

    [Fact]
    public async Task Two_publishers_racing_on_one_secret_never_lose_an_update()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("race-");
        var start = TestCertificates.Create("CN=shop.example", new[] { "shop.example" });
        var a = TestCertificates.Create("CN=shop.example", new[] { "shop.example" });
        var b = TestCertificates.Create("CN=shop.example", new[] { "shop.example" });
        var target = new PublishTarget(ns, "shop-tls");
        var connection = cluster.Connect();
        await PublishAsync(connection, target, start);

        // Both plan from the same state, then both write: the second write carries a stale resourceVersion.
        using var payloadA = Payload(a);
        using var payloadB = Payload(b);
        var publisherA = new Publisher(new ClusterWriter(connection), new PublishOptions(HistoryLimit: 5));
        var publisherB = new Publisher(new ClusterWriter(connection), new PublishOptions(HistoryLimit: 5));
        var planA = await publisherA.PlanAsync(target, payloadA, CancellationToken.None);
        var planB = await publisherB.PlanAsync(target, payloadB, CancellationToken.None);
        var outcomeA = await publisherA.ApplyAsync(planA, payloadA, CancellationToken.None);
        var outcomeB = await publisherB.ApplyAsync(planB, payloadB, CancellationToken.None);

        Assert.Equal(start.Certificate.Thumbprint, outcomeA.PreviousThumbprint);
        Assert.Equal(a.Certificate.Thumbprint, outcomeB.PreviousThumbprint); // B saw A's write, not the stale state
        Assert.StartsWith(b.CertificatePem.Trim(), TlsCrtOf(await GetAsync(cluster, $"/api/v1/namespaces/{ns}/secrets/shop-tls")).Trim(), StringComparison.Ordinal);
        var history = (await cluster.Http.GetAsync($"/api/v1/namespaces/{ns}/secrets?labelSelector={SecretAnnotations.HistoryOf}%3Dshop-tls")).Object["items"]!.AsArray();
        var kept = history.Select(h => h!["metadata"]!["annotations"]![SecretAnnotations.Thumbprint]?.GetValue<string>()).ToList();
        Assert.Contains(a.Certificate.Thumbprint, kept); // A's certificate survives in history
        Assert.Contains(start.Certificate.Thumbprint, kept);
    }

    [Fact]
    public async Task Undo_of_a_creating_publish_deletes_the_secret()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("undo-new-");
        var connection = cluster.Connect();
        var cert = TestCertificates.Create("CN=shop.example", new[] { "shop.example" });
        await PublishAsync(connection, new PublishTarget(ns, "shop-tls"), cert);

        var undone = await UndoAsync(connection, ns);

        Assert.Equal(PublishAction.Deleted, undone.Action);
        Assert.Equal(cert.Certificate.Thumbprint, undone.PreviousThumbprint);
        Assert.Equal(404, (await cluster.Http.GetAsync(SecretPath(ns))).StatusCode);
        var again = await Assert.ThrowsAsync<PublishRefusedException>(() => UndoAsync(connection, ns));
        Assert.Equal("SecretNotFound", again.Refusal.Id);
    }

    [Fact]
    public async Task Undo_keeps_a_created_secret_someone_changed_since_and_deletes_it_with_force()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("undo-edit-");
        var connection = cluster.Connect();
        await PublishAsync(connection, new PublishTarget(ns, "shop-tls"), TestCertificates.Create("CN=shop.example", new[] { "shop.example" }));
        var ca = TestCertificates.Create("CN=Client CA", Array.Empty<string>(), ca: true);
        await EditAsync(cluster, SecretPath(ns), new JsonObject { ["data"] = new JsonObject { ["ca.crt"] = Convert.ToBase64String(ca.CertificateBytes) } });

        var refused = await Assert.ThrowsAsync<PublishRefusedException>(() => UndoAsync(connection, ns));

        Assert.Equal("SecretChanged", refused.Refusal.Id);
        Assert.Contains("ca.crt", refused.Refusal.Message, StringComparison.Ordinal);
        Assert.Equal(200, (await cluster.Http.GetAsync(SecretPath(ns))).StatusCode);
        Assert.Equal(PublishAction.Deleted, (await UndoAsync(connection, ns, force: true)).Action);
        Assert.Equal(404, (await cluster.Http.GetAsync(SecretPath(ns))).StatusCode);
    }

    [Fact]
    public async Task Undo_of_a_publish_that_wired_an_ingress_removes_just_that_wiring()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("undo-wire-");
        var ingress = ClusterObjects.Ingress(ns, "shop", (new[] { "api.example" }, "api-tls"));
        ingress["spec"]!["rules"]!.AsArray().Add(new JsonObject { ["host"] = "shop.example" });
        await cluster.CreateAsync(ingress);
        var connection = cluster.Connect();
        var cert = TestCertificates.Create("CN=shop.example", new[] { "shop.example" });
        await PublishAsync(connection, new PublishTarget(ns, "shop-tls", "shop"), cert);
        Assert.Equal(2, TlsOf(await GetAsync(cluster, IngressPath(ns))).Count);

        // Meanwhile someone else changes the same Ingress: that change must survive the undo.
        await EditAsync(cluster, IngressPath(ns), new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { ["team"] = "shop" } } });

        var undone = await UndoAsync(connection, ns);

        Assert.Equal(PublishAction.Deleted, undone.Action);
        Assert.Equal("shop", undone.IngressName);
        Assert.Equal(new[] { "shop.example" }, undone.Hosts);
        var stored = await GetAsync(cluster, IngressPath(ns));
        Assert.Equal(new (string?, string)[] { ("api-tls", "api.example") }, TlsOf(stored));
        Assert.Equal("shop", stored["metadata"]!["annotations"]!["team"]!.GetValue<string>());
        Assert.Null(stored["metadata"]!["annotations"]![SecretAnnotations.Wiring]);
        Assert.Equal(2, stored["spec"]!["rules"]!.AsArray().Count);
        Assert.Equal(404, (await cluster.Http.GetAsync(SecretPath(ns))).StatusCode);
    }

    [Fact]
    public async Task Undo_of_an_update_that_moved_a_host_restores_the_certificate_and_gives_the_host_back()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("undo-move-");
        var old = TestCertificates.Create("CN=shop.example", new[] { "shop.example" });
        await cluster.CreateAsync(ClusterObjects.TlsSecret(ns, "shop-tls", old));
        await cluster.CreateAsync(ClusterObjects.Ingress(ns, "shop", (new[] { "shop.example", "api.example" }, "old-tls")));
        var connection = cluster.Connect();
        var fresh = TestCertificates.Create("CN=shop.example", new[] { "shop.example" });
        await PublishAsync(connection, new PublishTarget(ns, "shop-tls", "shop", new[] { "shop.example" }), fresh);
        Assert.Equal(new (string?, string)[] { ("old-tls", "api.example"), ("shop-tls", "shop.example") }, TlsOf(await GetAsync(cluster, IngressPath(ns))));

        var undone = await UndoAsync(connection, ns);

        Assert.Equal(PublishAction.Updated, undone.Action);
        Assert.Equal(old.Certificate.Thumbprint, undone.Thumbprint);
        Assert.Equal(new (string?, string)[] { ("old-tls", "api.example,shop.example") }, TlsOf(await GetAsync(cluster, IngressPath(ns))));
        var secret = await GetAsync(cluster, SecretPath(ns));
        Assert.StartsWith(old.CertificatePem.Trim(), TlsCrtOf(secret).Trim(), StringComparison.Ordinal);
        Assert.Contains("\"undo\":true", secret["metadata"]!["annotations"]![SecretAnnotations.LastPublish]!.GetValue<string>(), StringComparison.Ordinal);

        // Its record is spent: another undo has nothing to undo, and leaves the certificate and the Ingress alone.
        Assert.Equal("NothingToUndo", (await Assert.ThrowsAsync<PublishRefusedException>(() => UndoAsync(connection, ns))).Refusal.Id);
        Assert.StartsWith(old.CertificatePem.Trim(), TlsCrtOf(await GetAsync(cluster, SecretPath(ns))).Trim(), StringComparison.Ordinal);
        Assert.Single(TlsOf(await GetAsync(cluster, IngressPath(ns))));
    }

    [Fact]
    public async Task An_ingress_changed_between_plan_and_undo_is_read_again_and_nothing_is_overwritten()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("undo-race-");
        await cluster.CreateAsync(ClusterObjects.Ingress(ns, "shop", (new[] { "api.example" }, "api-tls")));
        var connection = cluster.Connect();
        await PublishAsync(connection, new PublishTarget(ns, "shop-tls", "shop", new[] { "shop.example" }), TestCertificates.Create("CN=shop.example", new[] { "shop.example" }));
        var publisher = new Publisher(new ClusterWriter(connection), new PublishOptions());
        var plan = await publisher.PlanUndoAsync(ns, "shop-tls", force: false, CancellationToken.None);

        // The plan's Ingress update carries a resourceVersion that is stale once this edit lands: the API answers 409.
        await EditAsync(cluster, IngressPath(ns), new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["edited"] = "yes" } } });
        var undone = await publisher.ApplyUndoAsync(plan, force: false, CancellationToken.None);

        Assert.Equal(PublishAction.Deleted, undone.Action);
        if (cluster.Server is { } server)
        {
            Assert.Contains(server.RequestLog, e => e.Method == "PUT" && e.PathAndQuery.StartsWith(IngressPath(ns), StringComparison.Ordinal) && e.StatusCode == 409);
        }

        var stored = await GetAsync(cluster, IngressPath(ns));
        Assert.Equal("yes", stored["metadata"]!["labels"]!["edited"]!.GetValue<string>());
        Assert.Equal(new (string?, string)[] { ("api-tls", "api.example") }, TlsOf(stored));
    }

    [Fact]
    public async Task A_secret_changed_between_plan_and_delete_is_never_deleted()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("undo-race-");
        var connection = cluster.Connect();
        await PublishAsync(connection, new PublishTarget(ns, "shop-tls"), TestCertificates.Create("CN=shop.example", new[] { "shop.example" }));
        var publisher = new Publisher(new ClusterWriter(connection), new PublishOptions());
        var plan = await publisher.PlanUndoAsync(ns, "shop-tls", force: false, CancellationToken.None);
        Assert.True(plan.DeletesSecret);

        // Another writer puts its own certificate in after the plan: the DELETE's resourceVersion precondition fails (409).
        var theirs = TestCertificates.Create("CN=shop.example", new[] { "shop.example" });
        await EditAsync(cluster, SecretPath(ns), new JsonObject
        {
            ["data"] = new JsonObject { ["tls.crt"] = Convert.ToBase64String(theirs.CertificateBytes), ["tls.key"] = Convert.ToBase64String(theirs.KeyBytes) },
        });
        var refused = await Assert.ThrowsAsync<PublishRefusedException>(() => publisher.ApplyUndoAsync(plan, force: false, CancellationToken.None));

        Assert.Equal("SecretChanged", refused.Refusal.Id);
        if (cluster.Server is { } server)
        {
            Assert.Contains(server.RequestLog, e => e.Method == "DELETE" && e.PathAndQuery.StartsWith(SecretPath(ns), StringComparison.Ordinal) && e.StatusCode == 409);
        }

        Assert.StartsWith(theirs.CertificatePem.Trim(), TlsCrtOf(await GetAsync(cluster, SecretPath(ns))).Trim(), StringComparison.Ordinal);
    }

    [ServerOnlyFact]
    public async Task A_secret_delete_that_fails_after_the_ingress_was_unwired_says_so()
    {
        await using var cluster = await TestCluster.StartAsync();
        var server = cluster.RequireServer();
        string ns = await cluster.CreateNamespaceAsync("undo-rbac-");
        await cluster.CreateAsync(ClusterObjects.Ingress(ns, "shop", (new[] { "api.example" }, "api-tls")));
        await PublishAsync(cluster.Connect(), new PublishTarget(ns, "shop-tls", "shop", new[] { "shop.example" }), TestCertificates.Create("CN=shop.example", new[] { "shop.example" }));

        // The Ingress update succeeds, the DELETE is refused (a rights check ahead would stop a user without the
        // right before any write: the refusal here comes from the write itself).
        server.Faults.Add(new TestServer.Faults.Fault { Method = "DELETE", PathPrefix = SecretPath(ns), Kind = TestServer.Faults.FaultKind.Forbidden() });
        var ex = await Assert.ThrowsAsync<KubeApiException>(() => UndoAsync(cluster.Connect(), ns));

        Assert.Equal(KubeErrorKind.Forbidden, ex.Kind);
        Assert.Contains($"The wiring of Ingress {ns}/shop was already removed: shop.example", ex.Message, StringComparison.Ordinal);
        Assert.Equal(200, (await cluster.Http.GetAsync(SecretPath(ns))).StatusCode);
    }
}
