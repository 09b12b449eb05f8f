using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using IngressCerts.Engine.Kubernetes;
using IngressCerts.Engine.Publishing;
using IngressCerts.Engine.Tests.Support;
using IngressCerts.TestServer;
using IngressCerts.TestServer.Faults;
using IngressCerts.TestServer.Testing;

namespace IngressCerts.Engine.Tests.Integration;

/// <summary>A theory that needs the in-process server (faults): skipped on a real cluster, like <see cref="ServerOnlyFactAttribute"/>.</summary>
public sealed class ServerOnlyTheoryAttribute : TheoryAttribute
{
    public ServerOnlyTheoryAttribute()
    {
        if (TestCluster.RealClusterConfigured)
        {
            Skip = $"needs the in-process test server; {TestCluster.KubeconfigVariable} points at a real cluster";
        }
    }
}

/// <summary>One test server for the matrix: each cell works in a namespace of its own, and the cells of a class run one at a time.</summary>
public sealed class FaultMatrixServer : IAsyncLifetime
{
    public TestCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await TestCluster.StartAsync();

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

/// <summary>
/// Every write Publish and Undo make, failed every way a write fails: refused (403, 409), failed before it was
/// carried out (500, reset), and carried out with the reply lost (504, reset, no answer until the client gives up).
/// After each: the Secret holds the old or the new certificate, Undo gets the other one back, the Ingress never
/// names a missing Secret, no spare copy of a key is left unnamed, and the messages say what was written.
/// </summary>
public sealed class WriteFaultMatrixTests : IClassFixture<FaultMatrixServer>
{
    public enum Write
    {
        /// <summary>Publish (update): the copy of the previous certificate for history.</summary>
        HistoryCreate,

        /// <summary>Publish (update): the Secret's new certificate.</summary>
        SecretUpdate,

        /// <summary>Publish (create): the new Secret.</summary>
        SecretCreate,

        /// <summary>Publish (update): the Ingress wiring a new host.</summary>
        IngressUpdate,

        /// <summary>Publish (update): the delete of the history entry beyond the limit.</summary>
        HistoryPrune,

        /// <summary>Undo of an update: the Ingress's wiring removed.</summary>
        UndoIngressUpdate,

        /// <summary>Undo of an update: the copy of the certificate being taken out.</summary>
        UndoHistoryCreate,

        /// <summary>Undo of an update: the previous certificate put back.</summary>
        UndoSecretUpdate,

        /// <summary>Undo of an update: the restored history entry deleted.</summary>
        UndoEntryDelete,

        /// <summary>Undo of a create: the Secret deleted.</summary>
        UndoSecretDelete,
    }

    public enum Failure
    {
        Forbidden,
        Conflict,
        InternalError,
        ResetBeforeWrite,
        AppliedThen504,
        AppliedThenReset,
        Timeout,
    }

    private static readonly TimeSpan ShortTimeout = TimeSpan.FromSeconds(1.5);
    private readonly TestCluster _cluster;

    public WriteFaultMatrixTests(FaultMatrixServer server) => _cluster = server.Cluster;

    public static IEnumerable<object[]> Cells() =>
        from write in Enum.GetValues<Write>()
        from failure in Enum.GetValues<Failure>()
        select new object[] { write, failure };

    [ServerOnlyTheory]
    [MemberData(nameof(Cells))]
    public async Task A_failed_write_leaves_one_certificate_in_place_and_the_other_recoverable(Write write, Failure failure)
    {
        var server = _cluster.RequireServer();
        string ns = await _cluster.CreateNamespaceAsync("fault-");
        var setup = _cluster.Connect();
        var a = Cert();
        var b = Cert();
        var c = Cert();
        bool undo = write is Write.UndoIngressUpdate or Write.UndoHistoryCreate or Write.UndoSecretUpdate or Write.UndoEntryDelete or Write.UndoSecretDelete;
        bool creating = write is Write.SecretCreate or Write.UndoSecretDelete;

        // Before the faulted run: for a create nothing (or A just created, for its undo); for an update A then B
        // (A's entry in history), and for the undo of an update C on top of them (B's entry in history).
        await _cluster.CreateAsync(ClusterObjects.Ingress(ns, "shop", (new[] { "shop.example", "www.example" }, null)));
        if (!creating || undo)
        {
            await PublishAsync(setup, ns, a, "shop.example");
        }

        if (!creating)
        {
            await PublishAsync(setup, ns, b, "shop.example");
            if (undo)
            {
                await PublishAsync(setup, ns, c, "shop.example", "www.example");
            }
        }

        // old: what the Secret holds before the faulted run; new: what it holds once the run has done its job.
        string? before = creating ? (undo ? a.Certificate.Thumbprint : null) : (undo ? c.Certificate.Thumbprint : b.Certificate.Thumbprint);
        string? after = creating ? (undo ? null : a.Certificate.Thumbprint) : (undo ? b.Certificate.Thumbprint : c.Certificate.Thumbprint);

        server.Faults.Add(FaultOn(write, failure, ns));
        var warnings = new List<string>();
        string? error = null;
        var connection = _cluster.Connect();
        var writer = new ClusterWriter(connection) { RequestTimeout = failure == Failure.Timeout ? ShortTimeout : null };
        try
        {
            if (undo)
            {
                await new Publisher(writer, new PublishOptions()).UndoAsync(ns, "shop-tls", force: false, CancellationToken.None, warnings.Add);
            }
            else
            {
                var cert = creating ? a : c;
                using var payload = Payload(cert);
                var operation = new PublishOperation(new Publisher(writer, new PublishOptions(HistoryLimit: 1)));
                var plan = await operation.PlanAsync(new PublishTarget(ns, "shop-tls", "shop", creating ? new[] { "shop.example" } : new[] { "shop.example", "www.example" }), payload, CancellationToken.None);
                await operation.RunAsync(plan, payload, verify: null, new PublishCallbacks { Warning = warnings.Add }, CancellationToken.None);
            }
        }
        catch (Exception ex) when (ex is KubeApiException or PublishRefusedException)
        {
            error = ex.Message;
        }

        Assert.Empty(server.Faults.Pending); // the cell did hit the write it names
        string said = string.Join(" | ", warnings.Append(error ?? string.Empty));

        // 1. One of the two certificates is in the Secret.
        string? held = await ThumbprintAsync(ns);
        Assert.True(held == before || held == after, $"the Secret holds {held ?? "nothing"}, neither {before ?? "nothing"} nor {after ?? "nothing"}. Said: {said}");

        // 2. The Ingress names no missing Secret; 3. no spare copy of a key is left unnamed.
        await AssertIngressPointsAtExistingSecretsAsync(ns);
        await AssertEveryHistoryEntryIsUsefulOrNamedAsync(ns, held, said);

        // 4. The messages say what happened.
        if (error is not null)
        {
            Assert.Matches(new Regex("already|not changed|Nothing was|not created|not deleted", RegexOptions.IgnoreCase), error);
            if (held == after && after is not null && !undo)
            {
                Assert.Contains("already", error, StringComparison.Ordinal);
            }
        }

        bool replyLost = failure is Failure.AppliedThen504 or Failure.AppliedThenReset or Failure.Timeout;
        bool mainWrite = write is Write.SecretUpdate or Write.SecretCreate or Write.IngressUpdate or Write.UndoIngressUpdate or Write.UndoSecretUpdate or Write.UndoSecretDelete;
        if (replyLost && mainWrite)
        {
            Assert.Null(error); // the write was applied: the run is done, not failed
            Assert.Contains("the reply was lost", said, StringComparison.Ordinal);
        }

        if (error is null && !replyLost && failure != Failure.Conflict && write is Write.HistoryPrune or Write.UndoEntryDelete)
        {
            Assert.NotEmpty(warnings); // best-effort work that failed says so
        }

        // 5. The other certificate is recoverable with Undo. A publish that wrote nothing has nothing to recover; its
        // Undo still undoes the publish before it (B back to A: the failed publish pruned nothing).
        if (held is not null && !(creating && undo))
        {
            string? expected = held == after || undo ? (held == before ? after : before) : (creating ? null : a.Certificate.Thumbprint);
            var recovering = new Publisher(new ClusterWriter(connection), new PublishOptions());
            if (undo && held == after)
            {
                // An undo that went through has spent the publish (a second Undo has nothing to undo): the certificate
                // it replaced comes back from history by its thumbprint.
                await recovering.ApplyUndoAsync(await recovering.PlanUndoAsync(ns, "shop-tls", force: false, CancellationToken.None, expected), force: false, CancellationToken.None);
            }
            else
            {
                await recovering.UndoAsync(ns, "shop-tls", force: false, CancellationToken.None);
            }

            Assert.Equal(expected, await ThumbprintAsync(ns));
            await AssertIngressPointsAtExistingSecretsAsync(ns);
        }
    }

    private static Fault FaultOn(Write write, Failure failure, string ns)
    {
        string secrets = $"/api/v1/namespaces/{ns}/secrets";
        var (method, path) = write switch
        {
            Write.HistoryCreate or Write.SecretCreate or Write.UndoHistoryCreate => ("POST", $"^{secrets}(\\?|$)"),
            Write.SecretUpdate or Write.UndoSecretUpdate => ("PUT", $"^{secrets}/shop-tls(\\?|$)"),
            Write.IngressUpdate or Write.UndoIngressUpdate => ("PUT", $"^/apis/networking.k8s.io/v1/namespaces/{ns}/ingresses/shop(\\?|$)"),
            Write.HistoryPrune or Write.UndoEntryDelete => ("DELETE", $"^{secrets}/shop-tls-prev-"),
            _ => ("DELETE", $"^{secrets}/shop-tls(\\?|$)"),
        };
        return new Fault
        {
            Method = method,
            PathRegex = new Regex(path),
            Kind = failure switch
            {
                Failure.Forbidden => FaultKind.Forbidden(),
                Failure.Conflict => FaultKind.Conflict(),
                Failure.InternalError => FaultKind.InternalError(),
                Failure.ResetBeforeWrite => FaultKind.DropConnection(),
                Failure.AppliedThen504 => FaultKind.AppliedThen(LostReply.GatewayTimeout),
                Failure.AppliedThenReset => FaultKind.AppliedThen(LostReply.ConnectionReset),
                _ => FaultKind.AppliedThen(LostReply.NoAnswer),
            },
        };
    }

    private static TestCertificates.Issued Cert() => TestCertificates.Create("CN=shop.example", new[] { "shop.example", "www.example" });

    private static PublishPayload Payload(TestCertificates.Issued cert) => new(cert.Certificate, cert.CertificatePem, Encoding.ASCII.GetBytes(cert.KeyPem));

    private static async Task PublishAsync(ClusterConnection connection, string ns, TestCertificates.Issued cert, params string[] hosts)
    {
        using var payload = Payload(cert);
        var operation = new PublishOperation(new Publisher(new ClusterWriter(connection), new PublishOptions(HistoryLimit: 1)));
        var plan = await operation.PlanAsync(new PublishTarget(ns, "shop-tls", "shop", hosts), payload, CancellationToken.None);
        await operation.RunAsync(plan, payload, verify: null, callbacks: null, CancellationToken.None);
    }

    private async Task<string?> ThumbprintAsync(string ns)
    {
        var response = await _cluster.Http.GetAsync($"/api/v1/namespaces/{ns}/secrets/shop-tls");
        return response.StatusCode == 404 ? null : ThumbprintOf(response.Object);
    }

    /// <summary>The thumbprint of the leaf in a Secret's tls.crt, as the API returns the Secret; null when it has none.</summary>
    internal static string? ThumbprintOf(JsonObject secret)
    {
        string? crt = secret["data"]?["tls.crt"]?.GetValue<string>();
        if (crt is null)
        {
            return null;
        }

        using var leaf = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(Encoding.ASCII.GetString(Convert.FromBase64String(crt)));
        return leaf.Thumbprint;
    }

    private async Task AssertIngressPointsAtExistingSecretsAsync(string ns)
    {
        var ingress = (await _cluster.Http.GetAsync($"/apis/networking.k8s.io/v1/namespaces/{ns}/ingresses/shop")).Object;
        foreach (var entry in ingress["spec"]?["tls"] as JsonArray ?? new JsonArray())
        {
            if (entry?["secretName"]?.GetValue<string>() is { } name)
            {
                Assert.True((await _cluster.Http.GetAsync($"/api/v1/namespaces/{ns}/secrets/{name}")).StatusCode == 200, $"Ingress {ns}/shop names Secret {name}, which does not exist");
            }
        }
    }

    /// <summary>A history entry either keeps a certificate the Secret no longer holds (Undo's material) or is named in what the run said.</summary>
    private async Task AssertEveryHistoryEntryIsUsefulOrNamedAsync(string ns, string? held, string said)
    {
        var list = (await _cluster.Http.GetAsync($"/api/v1/namespaces/{ns}/secrets?labelSelector={SecretAnnotations.HistoryOf}%3Dshop-tls")).Object;
        foreach (var entry in list["items"]!.AsArray())
        {
            string name = entry!["metadata"]!["name"]!.GetValue<string>();
            string? thumbprint = ThumbprintOf(entry.AsObject());
            Assert.True(thumbprint != held || said.Contains(name, StringComparison.Ordinal),
                $"history entry {name} holds the certificate the Secret holds ({held}) and nothing names it. Said: {said}");
        }
    }
}
