using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using IngressCerts.Engine.Kubernetes;
using IngressCerts.Engine.Probing;
using IngressCerts.Engine.Publishing;
using IngressCerts.Engine.Tests.Support;
using IngressCerts.TestServer;
using IngressCerts.TestServer.Auth;
using IngressCerts.TestServer.Testing;

namespace IngressCerts.Engine.Tests.Integration;

/// <summary>The whole write path: plan, apply, verify (with a probe that serves what the test says), then prune or roll back.</summary>
public sealed class PublishOperationTests
{
    private const string Secret = "shop-tls";

    /// <summary>An endpoint that serves whatever certificate the test currently puts there.</summary>
    private sealed class ServingProbe : ITlsProbe
    {
        public X509Certificate2 Serving { get; set; } = null!;

        public Task<ProbeResult> ProbeAsync(ProbeRequest request, TimeSpan timeout, CancellationToken cancellationToken = default) =>
            Task.FromResult(cancellationToken.IsCancellationRequested
                ? new ProbeResult { Endpoint = request.Endpoint, Sni = request.Sni, FailureKind = ProbeFailureKind.Cancelled, FailureMessage = "cancelled" }
                : new ProbeResult { Endpoint = request.Endpoint, Sni = request.Sni, Leaf = Serving });
    }

    private static TestCertificates.Issued Cert() => TestCertificates.Create("CN=shop.example", new[] { "shop.example" });

    private static PublishPayload Payload(TestCertificates.Issued cert) => new(cert.Certificate, cert.CertificatePem, Encoding.ASCII.GetBytes(cert.KeyPem));

    private static VerifyOptions Verify(TimeSpan? timeout = null) => new(timeout ?? TimeSpan.FromMilliseconds(300), Endpoint: "127.0.0.1:9");

    private static async Task<PublishOutcome> RunAsync(ClusterConnection connection, string ns, TestCertificates.Issued cert, VerifyOptions? verify = null,
        ServingProbe? probe = null, PublishCallbacks? callbacks = null, CancellationToken cancellationToken = default, int historyLimit = 1, Func<DateTimeOffset>? clock = null)
    {
        using var payload = Payload(cert);
        var operation = new PublishOperation(new Publisher(new ClusterWriter(connection), new PublishOptions(HistoryLimit: historyLimit), clock: clock),
            new ServedVerifier(probe, TimeSpan.FromMilliseconds(50)));
        var plan = await operation.PlanAsync(new PublishTarget(ns, Secret, Hosts: new[] { "shop.example" }), payload, cancellationToken);
        return await operation.RunAsync(plan, payload, verify, callbacks, cancellationToken);
    }

    private static async Task<JsonObject?> SecretAsync(TestCluster cluster, string ns, string name = Secret)
    {
        var response = await cluster.Http.GetAsync($"/api/v1/namespaces/{ns}/secrets/{name}");
        return response.StatusCode == 404 ? null : response.Object;
    }

    private static string? Annotation(JsonObject secret, string key) => secret["metadata"]!["annotations"]?[key]?.GetValue<string>();

    private static async Task<List<string>> HistoryAsync(TestCluster cluster, string ns) =>
        (await cluster.Http.GetAsync($"/api/v1/namespaces/{ns}/secrets?labelSelector={SecretAnnotations.HistoryOf}%3D{Secret}")).Object["items"]!.AsArray()
            .Select(e => e!["metadata"]!["name"]!.GetValue<string>()).Order(StringComparer.Ordinal).ToList();

    [Fact]
    public async Task A_rolled_back_publish_leaves_exactly_the_state_before_so_undo_then_goes_back_one_more_step()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("rollback-");
        var connection = cluster.Connect();
        var (a, b, c) = (Cert(), Cert(), Cert());
        var probe = new ServingProbe();
        await RunAsync(connection, ns, a);

        probe.Serving = b.Certificate;
        var progress = new List<VerifyProgress>();
        var verified = await RunAsync(connection, ns, b, Verify(TimeSpan.FromSeconds(10)), probe, new PublishCallbacks { Progress = progress.Add });
        Assert.True(verified.Verified);
        Assert.Equal(PublishAction.Updated, verified.Action);
        Assert.Contains(progress, p => p.Served == 1 && p.Total == 1);
        var before = (await SecretAsync(cluster, ns))!;
        var historyBefore = await HistoryAsync(cluster, ns);
        Assert.Single(historyBefore); // A's entry

        // C is never served (the controller keeps serving B): -Verify times out and rolls back.
        var rolledBack = await RunAsync(connection, ns, c, Verify(), probe);

        Assert.Equal(PublishAction.RolledBack, rolledBack.Action);
        Assert.Equal(b.Certificate.Thumbprint, rolledBack.Thumbprint); // what the Secret holds now
        Assert.Equal(c.Certificate.Thumbprint, rolledBack.PreviousThumbprint); // what was taken out
        Assert.False(rolledBack.Verified);
        Assert.Contains("was restored to the previous certificate", rolledBack.VerifyFailure, StringComparison.Ordinal);
        var after = (await SecretAsync(cluster, ns))!;
        Assert.Equal(before["data"]!.ToJsonString(), after["data"]!.ToJsonString());
        foreach (string key in new[] { SecretAnnotations.LastPublish, SecretAnnotations.Thumbprint, SecretAnnotations.NotAfter, SecretAnnotations.PublishedAt })
        {
            Assert.Equal(Annotation(before, key), Annotation(after, key));
        }

        Assert.Equal(historyBefore, await HistoryAsync(cluster, ns)); // A's entry was not pruned, C's archive of B is gone

        var undone = await new Publisher(new ClusterWriter(connection), new PublishOptions()).UndoAsync(ns, Secret, force: false, CancellationToken.None);
        Assert.Equal(a.Certificate.Thumbprint, undone.Thumbprint);
        Assert.Equal(b.Certificate.Thumbprint, undone.PreviousThumbprint);
    }

    [ServerOnlyFact]
    public async Task A_lost_update_that_was_not_applied_is_fenced_so_it_cannot_land_later_and_only_then_its_history_copy_goes()
    {
        await using var cluster = await TestCluster.StartAsync();
        var server = cluster.RequireServer();
        string ns = await cluster.CreateNamespaceAsync("fence-");
        var connection = cluster.Connect();
        var (a, b) = (Cert(), Cert());
        await RunAsync(connection, ns, a);
        var before = (await SecretAsync(cluster, ns))!;
        string readVersion = before["metadata"]!["resourceVersion"]!.GetValue<string>();
        server.Faults.Add(new TestServer.Faults.Fault { Verb = "update", PathPrefix = $"/api/v1/namespaces/{ns}/secrets/{Secret}", Kind = TestServer.Faults.FaultKind.InternalError() });

        var failed = await Assert.ThrowsAsync<KubeApiException>(() => RunAsync(connection, ns, b));

        // Not applied, and read so: the Secret holds A, and the spare copy of A made for history is gone.
        Assert.Contains($"Secret {ns}/{Secret} was not changed.", failed.Message, StringComparison.Ordinal);
        var after = (await SecretAsync(cluster, ns))!;
        Assert.Equal(before["data"]!.ToJsonString(), after["data"]!.ToJsonString());
        Assert.Empty(await HistoryAsync(cluster, ns));
        // The lost update carried the resourceVersion read before it; were it applied now (a real server may still
        // hold it), it would put B in with no copy of A left. The fence moved the resourceVersion on: it cannot.
        Assert.NotNull(Annotation(after, SecretAnnotations.SettledAt));
        var late = before.DeepClone().AsObject();
        late["metadata"]!["resourceVersion"] = readVersion;
        late["metadata"]!["annotations"]![SecretAnnotations.Thumbprint] = b.Certificate.Thumbprint;
        var replay = await cluster.Http.PutAsync($"/api/v1/namespaces/{ns}/secrets/{Secret}", late);
        Assert.Equal(409, replay.StatusCode);
    }

    [ServerOnlyFact]
    public async Task A_lost_update_that_cannot_be_fenced_keeps_its_history_copy_and_says_so()
    {
        await using var cluster = await TestCluster.StartAsync();
        var server = cluster.RequireServer();
        string ns = await cluster.CreateNamespaceAsync("nofence-");
        var connection = cluster.Connect();
        var (a, b) = (Cert(), Cert());
        await RunAsync(connection, ns, a);
        // The update and the fence both fail: whether the lost update lands later cannot be ruled out.
        server.Faults.Add(new TestServer.Faults.Fault { Verb = "update", PathPrefix = $"/api/v1/namespaces/{ns}/secrets/{Secret}", Count = 2, Kind = TestServer.Faults.FaultKind.InternalError() });

        var failed = await Assert.ThrowsAsync<KubeApiException>(() => RunAsync(connection, ns, b));

        Assert.Contains("the lost update may still be applied", failed.Message, StringComparison.Ordinal);
        var entry = Assert.Single(await HistoryAsync(cluster, ns));
        Assert.Contains(entry, failed.Message, StringComparison.Ordinal);
        Assert.Null(Annotation((await SecretAsync(cluster, ns))!, SecretAnnotations.SettledAt));
    }

    [Fact]
    public async Task Cancelling_verify_says_the_new_certificate_stays_unverified_and_how_to_put_the_old_one_back()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("verify-stop-");
        var connection = cluster.Connect();
        var (a, b) = (Cert(), Cert());
        await RunAsync(connection, ns, a);
        var probe = new ServingProbe { Serving = a.Certificate };
        using var stop = new CancellationTokenSource();
        string? said = null;
        var callbacks = new PublishCallbacks
        {
            Progress = p =>
            {
                if (p.Elapsed > TimeSpan.Zero)
                {
                    stop.Cancel(); // Ctrl+C during the wait
                }
            },
            Interrupted = message => said = message,
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => RunAsync(connection, ns, b, Verify(TimeSpan.FromSeconds(60)), probe, callbacks, stop.Token));

        Assert.Equal($"-Verify was stopped: the new certificate {b.Certificate.Thumbprint} is in Secret {ns}/{Secret} but was not verified and not rolled back; " +
            $"Undo-IngressCertificate -Namespace {ns} -SecretName {Secret} puts back {a.Certificate.Thumbprint}.", said);
        Assert.Equal(b.Certificate.Thumbprint, Annotation((await SecretAsync(cluster, ns))!, SecretAnnotations.Thumbprint));
        var undone = await new Publisher(new ClusterWriter(connection), new PublishOptions()).UndoAsync(ns, Secret, force: false, CancellationToken.None);
        Assert.Equal(a.Certificate.Thumbprint, undone.Thumbprint);
    }

    [ServerOnlyFact]
    public async Task Cancelling_the_rollback_says_which_certificate_the_Secret_holds()
    {
        await using var cluster = await TestCluster.StartAsync();
        var server = cluster.RequireServer();
        string ns = await cluster.CreateNamespaceAsync("rollback-stop-");
        var connection = cluster.Connect();
        var (a, b) = (Cert(), Cert());
        await RunAsync(connection, ns, a);
        var probe = new ServingProbe { Serving = a.Certificate };
        using var stop = new CancellationTokenSource();
        string? said = null;
        bool armed = false;
        var callbacks = new PublishCallbacks
        {
            Progress = _ =>
            {
                if (armed)
                {
                    return;
                }

                // B is written and never served: the rollback's restore of A is held by the server, and Ctrl+C comes
                // while it waits (long after the 300 ms verify, long before the 30 s hold ends).
                armed = true;
                server.Faults.Add(new TestServer.Faults.Fault { Verb = "update", PathPrefix = $"/api/v1/namespaces/{ns}/secrets/{Secret}", Kind = TestServer.Faults.FaultKind.Stall(TimeSpan.FromSeconds(30)) });
                stop.CancelAfter(TimeSpan.FromSeconds(2));
            },
            Interrupted = message => said = message,
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => RunAsync(connection, ns, b, Verify(), probe, callbacks, stop.Token));

        Assert.NotNull(said);
        Assert.StartsWith("The rollback after a failed -Verify was stopped.", said, StringComparison.Ordinal);
        Assert.Contains(b.Certificate.Thumbprint, said, StringComparison.Ordinal);
        Assert.Contains($"puts back {a.Certificate.Thumbprint}", said, StringComparison.Ordinal);
    }

    [ServerOnlyFact]
    public async Task Pruning_never_deletes_an_entry_newer_than_its_own_which_a_concurrent_publish_may_be_naming()
    {
        await using var cluster = await TestCluster.StartAsync();
        var server = cluster.RequireServer();
        string ns = await cluster.CreateNamespaceAsync("prune-race-");
        var writer = new ClusterWriter(cluster.Connect());
        var now = DateTime.UtcNow;
        JsonObject Entry(string name, DateTime created) => new()
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Secret",
            ["type"] = SecretAnnotations.HistoryType,
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["namespace"] = ns,
                ["creationTimestamp"] = created.ToString("yyyy-MM-ddTHH:mm:ssZ"),
                ["labels"] = new JsonObject { [SecretAnnotations.HistoryOf] = SecretAnnotations.HistoryLabelValue(Secret) },
                ["annotations"] = new JsonObject { [SecretAnnotations.HistoryOf] = Secret, [SecretAnnotations.ArchivedAt] = created.ToString("O") },
            },
            ["data"] = new JsonObject { ["tls.crt"] = "eA==" },
        };

        // 'old' is pruned; 'own' is this publish's; 'other' was made after it by a publisher whose update is in flight.
        server.Seed(new[] { Entry("old", now.AddMinutes(-10)), Entry("own", now.AddMinutes(-1)), Entry("other", now) });
        await new SecretHistory(writer, () => DateTimeOffset.UtcNow).PruneAsync(ns, Secret, keep: 1, keepName: "own", warn: null, diagnostics: null, CancellationToken.None);

        Assert.Equal(new[] { "other", "own" }, await HistoryAsync(cluster, ns));
    }

    [ServerOnlyFact]
    public async Task A_rollback_whose_unwiring_reply_is_lost_and_cannot_be_read_again_keeps_its_own_error()
    {
        await using var cluster = await TestCluster.StartAsync();
        var server = cluster.RequireServer();
        string ns = await cluster.CreateNamespaceAsync("rollback-read-");
        await cluster.CreateAsync(ClusterObjects.Ingress(ns, "shop", (new[] { "shop.example" }, null)));
        var connection = cluster.Connect();
        var (a, b) = (Cert(), Cert());
        await RunAsync(connection, ns, a);
        string ingressPath = $"/apis/networking.k8s.io/v1/namespaces/{ns}/ingresses/shop";
        bool armed = false;
        var callbacks = new PublishCallbacks
        {
            Progress = _ =>
            {
                if (armed)
                {
                    return;
                }

                // After the publish's writes: the rollback reads the Ingress (served), its unwiring loses its reply
                // (500), and every read after that fails too.
                armed = true;
                server.Faults.Add(new TestServer.Faults.Fault { Method = "GET", PathPrefix = ingressPath, Kind = TestServer.Faults.FaultKind.Stall(TimeSpan.Zero) });
                server.Faults.Add(new TestServer.Faults.Fault { Verb = "update", PathPrefix = ingressPath, Kind = TestServer.Faults.FaultKind.InternalError("unwiring lost") });
                server.Faults.Add(new TestServer.Faults.Fault { Method = "GET", PathPrefix = ingressPath, Count = 50, Kind = TestServer.Faults.FaultKind.InternalError("read-back lost") });
            },
        };
        using var payload = Payload(b);
        var operation = new PublishOperation(new Publisher(new ClusterWriter(connection), new PublishOptions()), new ServedVerifier(new ServingProbe { Serving = a.Certificate }, TimeSpan.FromMilliseconds(50)));
        var plan = await operation.PlanAsync(new PublishTarget(ns, Secret, "shop"), payload, CancellationToken.None);

        var outcome = await operation.RunAsync(plan, payload, Verify(), callbacks, CancellationToken.None);

        Assert.False(outcome.Verified);
        Assert.Contains("unwiring lost", outcome.VerifyFailure, StringComparison.Ordinal);
        Assert.Contains($"Reading Ingress {ns}/shop again failed too", outcome.VerifyFailure, StringComparison.Ordinal);
        server.Faults.Clear();
    }

    [Theory]
    [InlineData("not a host!:x", "InvalidEndpoint")]
    [InlineData(null, "VerifyNeedsHost")]
    public async Task A_verify_that_cannot_run_is_refused_before_any_write(string? endpoint, string id)
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("verify-bad-");
        using var payload = Payload(Cert());
        var operation = new PublishOperation(new Publisher(new ClusterWriter(cluster.Connect()), new PublishOptions()));
        var plan = await operation.PlanAsync(new PublishTarget(ns, Secret, Hosts: endpoint is null ? null : new[] { "shop.example" }), payload, CancellationToken.None);

        var refused = await Assert.ThrowsAsync<PublishRefusedException>(() =>
            operation.RunAsync(plan, payload, new VerifyOptions(TimeSpan.FromSeconds(1), endpoint), null, CancellationToken.None));

        Assert.Equal(id, refused.Refusal.Id);
        Assert.Null(await SecretAsync(cluster, ns));
    }

    [Fact]
    public async Task History_names_do_not_collide_when_the_same_certificate_is_archived_twice_in_one_instant()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("collide-");
        var connection = cluster.Connect();
        var instant = DateTimeOffset.UtcNow;
        var (a, b) = (Cert(), Cert());

        // A, B, A, B at one clock reading: A is archived twice, at the same time (the old names were equal: AlreadyExists).
        foreach (var cert in new[] { a, b, a, b })
        {
            await RunAsync(connection, ns, cert, historyLimit: 5, clock: () => instant);
        }

        Assert.Equal(3, (await HistoryAsync(cluster, ns)).Distinct().Count());
    }

    [ServerOnlyFact]
    public async Task A_user_who_may_not_list_secrets_still_publishes_wires_and_is_warned_that_history_was_not_pruned()
    {
        await using var cluster = await TestCluster.StartAsync();
        var server = cluster.RequireServer();
        string ns = await cluster.CreateNamespaceAsync("no-list-");
        await cluster.CreateAsync(ClusterObjects.Ingress(ns, "shop", (new[] { "shop.example" }, null)));
        await RunAsync(cluster.Connect(), ns, Cert());
        var connection = server.ConnectAs("no-list", AccessRule.Allow("get,create,update", "secrets,ingresses"));
        var warnings = new List<string>();
        using var payload = Payload(Cert());
        var operation = new PublishOperation(new Publisher(new ClusterWriter(connection), new PublishOptions(HistoryLimit: 1)));
        var plan = await operation.PlanAsync(new PublishTarget(ns, Secret, "shop"), payload, CancellationToken.None);

        var outcome = await operation.RunAsync(plan, payload, null, new PublishCallbacks { Warning = warnings.Add }, CancellationToken.None);

        Assert.Equal(PublishAction.Updated, outcome.Action);
        Assert.Contains(warnings, w => w.Contains($"The history of Secret {ns}/{Secret} was not pruned", StringComparison.Ordinal) && w.Contains("403", StringComparison.Ordinal));
        var ingress = (await cluster.Http.GetAsync($"/apis/networking.k8s.io/v1/namespaces/{ns}/ingresses/shop")).Object;
        Assert.Equal(Secret, ingress["spec"]!["tls"]![0]!["secretName"]!.GetValue<string>());
    }

    [ServerOnlyFact]
    public async Task A_user_who_may_create_but_not_update_secrets_is_refused_before_any_write()
    {
        await using var cluster = await TestCluster.StartAsync();
        var server = cluster.RequireServer();
        string ns = await cluster.CreateNamespaceAsync("no-update-");
        await RunAsync(cluster.Connect(), ns, Cert());
        var connection = server.ConnectAs("no-update", AccessRule.Allow("get,list,create,delete", "secrets"));
        server.RequestLog.Clear();

        var refused = await Assert.ThrowsAsync<PublishRefusedException>(() => RunAsync(connection, ns, Cert()));

        Assert.Equal(WritePreflight.ErrorId, refused.Refusal.Id);
        Assert.Contains("Nothing was written", refused.Refusal.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(server.RequestLog.Snapshot(), e => e.Method is "PUT" or "DELETE" || (e.Method == "POST" && e.PathAndQuery.Contains("/secrets", StringComparison.Ordinal)));
    }

    [ServerOnlyFact]
    public async Task Without_a_rights_check_a_forbidden_update_deletes_the_key_copy_or_names_it()
    {
        // A cluster that answers no SelfSubjectAccessReview: the writes themselves find the missing right.
        await using var cluster = await TestCluster.StartAsync(new KubeApiServerOptions { ServeAccessReviews = false });
        var server = cluster.RequireServer();
        string ns = await cluster.CreateNamespaceAsync("no-update-");
        var first = Cert();
        await RunAsync(cluster.Connect(), ns, first);
        var withDelete = server.ConnectAs("create-delete", AccessRule.Allow("get,list,create,delete", "secrets"));
        var withoutDelete = server.ConnectAs("create-only", AccessRule.Allow("get,list,create", "secrets"));

        // May delete: the copy goes again, and the error is the update's, saying nothing changed.
        var ex = await Assert.ThrowsAsync<KubeApiException>(() => RunAsync(withDelete, ns, Cert()));
        Assert.Equal(KubeErrorKind.Forbidden, ex.Kind);
        Assert.Equal("update", ex.Verb);
        Assert.Contains($"Secret {ns}/{Secret} was not changed.", ex.Message, StringComparison.Ordinal);
        Assert.Empty(await HistoryAsync(cluster, ns));

        // May not delete: the copy stays, and both the warning and the error name it.
        var warnings = new List<string>();
        ex = await Assert.ThrowsAsync<KubeApiException>(() => RunAsync(withoutDelete, ns, Cert(), callbacks: new PublishCallbacks { Warning = warnings.Add }));
        Assert.Equal("update", ex.Verb);
        string leftover = Assert.Single(await HistoryAsync(cluster, ns));
        Assert.Contains(warnings, w => w.Contains($"{ns}/{leftover}", StringComparison.Ordinal) && w.Contains("private key", StringComparison.Ordinal));
        Assert.Contains(leftover, ex.Message, StringComparison.Ordinal);
        Assert.Equal(first.Certificate.Thumbprint, Annotation((await SecretAsync(cluster, ns))!, SecretAnnotations.Thumbprint));
    }

    [ServerOnlyFact]
    public async Task Without_a_rights_check_a_forbidden_ingress_update_says_the_secret_was_already_written_and_how_to_undo_it()
    {
        await using var cluster = await TestCluster.StartAsync(new KubeApiServerOptions { ServeAccessReviews = false });
        var server = cluster.RequireServer();
        string ns = await cluster.CreateNamespaceAsync("no-ingress-");
        await cluster.CreateAsync(ClusterObjects.Ingress(ns, "shop", (new[] { "shop.example" }, null)));
        await RunAsync(cluster.Connect(), ns, Cert());
        var connection = server.ConnectAs("secrets-only", AccessRule.Allow("get,list,create,update,delete", "secrets"), AccessRule.Allow("get", "ingresses"));
        var fresh = Cert();
        using var payload = Payload(fresh);
        var operation = new PublishOperation(new Publisher(new ClusterWriter(connection), new PublishOptions()));
        var plan = await operation.PlanAsync(new PublishTarget(ns, Secret, "shop"), payload, CancellationToken.None);

        var ex = await Assert.ThrowsAsync<KubeApiException>(() => operation.RunAsync(plan, payload, null, null, CancellationToken.None));

        Assert.Equal(KubeErrorKind.Forbidden, ex.Kind);
        Assert.Contains($"Secret {ns}/{Secret} was already updated to {fresh.Certificate.Thumbprint}", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"Undo-IngressCertificate -Namespace {ns} -SecretName {Secret} puts the previous certificate back", ex.Message, StringComparison.Ordinal);
    }
}
