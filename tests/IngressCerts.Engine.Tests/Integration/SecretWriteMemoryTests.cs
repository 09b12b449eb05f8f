using System.Buffers;
using System.Text;
using System.Text.Json.Nodes;
using IngressCerts.Engine.Kubernetes;
using IngressCerts.Engine.Tests.Support;
using IngressCerts.TestServer.Faults;
using IngressCerts.TestServer.Testing;
using k8s.Models;

namespace IngressCerts.Engine.Tests.Integration;

/// <summary>
/// Secret writes leave no copy of the key behind: the body is written into a buffer that is zeroed after the request,
/// and the server's echo of the Secret is read without its data.
/// </summary>
public sealed class SecretWriteMemoryTests
{
    private static V1Secret NewSecret(string ns, string name, byte[] key) => new()
    {
        ApiVersion = "v1",
        Kind = "Secret",
        Type = "kubernetes.io/tls",
        Metadata = new V1ObjectMeta
        {
            Name = name,
            NamespaceProperty = ns,
            Labels = new Dictionary<string, string> { ["app"] = "shop" },
            Annotations = new Dictionary<string, string> { ["note"] = "é \"quoted\" <tag>" },
        },
        Data = new Dictionary<string, byte[]> { ["tls.crt"] = Encoding.ASCII.GetBytes("CERT"), ["tls.key"] = key },
    };

    // The label is assembled, so that secret scanners do not take this fake block for a committed key.
    private const string Label = "PRIVATE" + " KEY";

    private static byte[] Key(string seed) => Encoding.ASCII.GetBytes($"-----BEGIN {Label}-----\n{seed}+/=\n-----END {Label}-----\n");

    /// <summary>A pool that hands out fresh arrays and remembers each, to check what the writer left in them.</summary>
    private sealed class WatchedPool : ArrayPool<byte>
    {
        public List<byte[]> Rented { get; } = new();

        public List<byte[]> Returned { get; } = new();

        public override byte[] Rent(int minimumLength)
        {
            var array = new byte[minimumLength];
            lock (Rented) Rented.Add(array);
            return array;
        }

        public override void Return(byte[] array, bool clearArray = false)
        {
            lock (Returned) Returned.Add(array);
        }

        public void Forget()
        {
            Rented.Clear();
            Returned.Clear();
        }
    }

    private static void AssertAllWiped(WatchedPool pool)
    {
        Assert.NotEmpty(pool.Rented);
        Assert.Equal(pool.Rented.Count, pool.Returned.Count);
        Assert.All(pool.Rented, a => Assert.Contains(a, pool.Returned));
        Assert.All(pool.Rented, a => Assert.True(a.All(b => b == 0), "a buffer went back to the pool with data in it"));
    }

    [ServerOnlyFact]
    public async Task The_server_receives_the_body_written_from_the_key_bytes()
    {
        await using var cluster = await TestCluster.StartAsync();
        var server = cluster.RequireServer();
        string ns = await cluster.CreateNamespaceAsync("wire-");
        var writer = new ClusterWriter(cluster.Connect());
        var key = Key("create");
        server.RequestLog.CaptureBodies = true;

        var created = await writer.CreateSecretAsync(NewSecret(ns, "shop-tls", key), CancellationToken.None);
        var replacement = NewSecret(ns, "shop-tls", Key("replace"));
        replacement.Metadata.ResourceVersion = created.Metadata.ResourceVersion;
        await writer.ReplaceSecretAsync(replacement, CancellationToken.None);
        server.RequestLog.CaptureBodies = false;

        var post = Assert.Single(server.RequestLog, e => e.Method == "POST" && e.PathAndQuery.StartsWith($"/api/v1/namespaces/{ns}/secrets", StringComparison.Ordinal));
        Assert.Equal($"/api/v1/namespaces/{ns}/secrets?fieldManager=ingresscerts", post.PathAndQuery);
        Assert.Equal(201, post.StatusCode);
        var sent = JsonNode.Parse(post.Body!)!.AsObject();
        Assert.Equal("v1", sent["apiVersion"]!.GetValue<string>());
        Assert.Equal("Secret", sent["kind"]!.GetValue<string>());
        Assert.Equal("kubernetes.io/tls", sent["type"]!.GetValue<string>());
        Assert.Equal("shop-tls", sent["metadata"]!["name"]!.GetValue<string>());
        Assert.Equal("shop", sent["metadata"]!["labels"]!["app"]!.GetValue<string>());
        Assert.Equal("é \"quoted\" <tag>", sent["metadata"]!["annotations"]!["note"]!.GetValue<string>());
        Assert.Equal(Convert.ToBase64String(key), sent["data"]!["tls.key"]!.GetValue<string>());
        Assert.Equal(Convert.ToBase64String("CERT"u8.ToArray()), sent["data"]!["tls.crt"]!.GetValue<string>());

        var put = Assert.Single(server.RequestLog, e => e.Method == "PUT");
        Assert.Equal($"/api/v1/namespaces/{ns}/secrets/shop-tls?fieldManager=ingresscerts", put.PathAndQuery);
        Assert.Equal(200, put.StatusCode);
        Assert.Equal(created.Metadata.ResourceVersion, JsonNode.Parse(put.Body!)!["metadata"]!["resourceVersion"]!.GetValue<string>());

        var stored = (await cluster.Http.GetAsync($"/api/v1/namespaces/{ns}/secrets/shop-tls")).Object;
        Assert.Equal(Convert.ToBase64String(Key("replace")), stored["data"]!["tls.key"]!.GetValue<string>());
        Assert.Equal("ingresscerts", stored["metadata"]!["managedFields"]![0]!["manager"]!.GetValue<string>());
    }

    [Fact]
    public async Task Created_and_replaced_secrets_come_back_without_data_but_with_their_identity()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("wire-");
        var writer = new ClusterWriter(cluster.Connect());

        var created = await writer.CreateSecretAsync(NewSecret(ns, "shop-tls", Key("a")), CancellationToken.None);
        Assert.Null(created.Data);
        Assert.Null(created.StringData);
        Assert.Equal("shop-tls", created.Metadata.Name);
        Assert.Equal(ns, created.Metadata.NamespaceProperty);
        Assert.False(string.IsNullOrEmpty(created.Metadata.ResourceVersion));
        Assert.False(string.IsNullOrEmpty(created.Metadata.Uid));
        Assert.Equal("kubernetes.io/tls", created.Type);
        Assert.Equal("shop", created.Metadata.Labels["app"]);

        var replacement = NewSecret(ns, "shop-tls", Key("b"));
        replacement.Metadata.ResourceVersion = created.Metadata.ResourceVersion;
        var replaced = await writer.ReplaceSecretAsync(replacement, CancellationToken.None);
        Assert.Null(replaced.Data);
        Assert.Equal(created.Metadata.Uid, replaced.Metadata.Uid);
        Assert.NotEqual(created.Metadata.ResourceVersion, replaced.Metadata.ResourceVersion);

        // What the writer hands back is good for what callers do with it: a conditional delete.
        await writer.DeleteSecretAsync(ns, "shop-tls", replaced.Metadata.ResourceVersion, CancellationToken.None);
        Assert.Null(await writer.GetSecretAsync(ns, "shop-tls", CancellationToken.None));
    }

    [Fact]
    public async Task Every_buffer_that_held_the_body_or_the_answer_is_zeroed_after_the_write()
    {
        await using var cluster = await TestCluster.StartAsync();
        string ns = await cluster.CreateNamespaceAsync("wire-");
        var pool = new WatchedPool();
        var writer = new ClusterWriter(cluster.Connect()) { BufferPool = pool };

        var created = await writer.CreateSecretAsync(NewSecret(ns, "shop-tls", Key("a")), CancellationToken.None);
        AssertAllWiped(pool);

        pool.Forget();
        var replacement = NewSecret(ns, "shop-tls", Key("b"));
        replacement.Metadata.ResourceVersion = created.Metadata.ResourceVersion;
        await writer.ReplaceSecretAsync(replacement, CancellationToken.None);
        AssertAllWiped(pool);
    }

    [ServerOnlyFact]
    public async Task Buffers_are_zeroed_and_errors_classified_when_the_write_fails()
    {
        await using var cluster = await TestCluster.StartAsync();
        var server = cluster.RequireServer();
        string ns = await cluster.CreateNamespaceAsync("wire-");
        var pool = new WatchedPool();
        var writer = new ClusterWriter(cluster.Connect()) { BufferPool = pool, RequestTimeout = TimeSpan.FromSeconds(2) };
        var created = await writer.CreateSecretAsync(NewSecret(ns, "shop-tls", Key("a")), CancellationToken.None);

        // Refused: the same kind and Status message as the library's own calls give.
        pool.Forget();
        var again = await Assert.ThrowsAsync<KubeApiException>(() => writer.CreateSecretAsync(NewSecret(ns, "shop-tls", Key("a")), CancellationToken.None));
        Assert.Equal(KubeErrorKind.AlreadyExists, again.Kind);
        Assert.Equal(409, again.StatusCode);
        Assert.Contains("already exists", again.Message, StringComparison.Ordinal);
        AssertAllWiped(pool);

        var stale = NewSecret(ns, "shop-tls", Key("b"));
        stale.Metadata.ResourceVersion = created.Metadata.ResourceVersion;
        await writer.ReplaceSecretAsync(stale, CancellationToken.None);
        var conflict = await Assert.ThrowsAsync<KubeApiException>(() => writer.ReplaceSecretAsync(stale, CancellationToken.None));
        Assert.Equal(KubeErrorKind.Conflict, conflict.Kind);

        // Applied, then the connection reset: unreachable, and still nothing left in the buffers.
        string path = $"/api/v1/namespaces/{ns}/secrets/shop-tls";
        var current = await writer.GetSecretAsync(ns, "shop-tls", CancellationToken.None);
        var next = NewSecret(ns, "shop-tls", Key("c"));
        next.Metadata.ResourceVersion = current!.Metadata.ResourceVersion;
        server.Faults.Add(new Fault { Verb = "update", PathPrefix = path, Kind = FaultKind.AppliedThen(LostReply.ConnectionReset) });
        pool.Forget();
        var reset = await Assert.ThrowsAsync<KubeApiException>(() => writer.ReplaceSecretAsync(next, CancellationToken.None));
        Assert.Equal(KubeErrorKind.ClusterUnreachable, reset.Kind);
        AssertAllWiped(pool);

        // No answer until the writer's timeout.
        current = await writer.GetSecretAsync(ns, "shop-tls", CancellationToken.None);
        next.Metadata.ResourceVersion = current!.Metadata.ResourceVersion;
        server.Faults.Add(new Fault { Verb = "update", PathPrefix = path, Kind = FaultKind.AppliedThen(LostReply.NoAnswer) });
        pool.Forget();
        var silent = await Assert.ThrowsAsync<KubeApiException>(() => writer.ReplaceSecretAsync(next, CancellationToken.None));
        Assert.Equal(KubeErrorKind.ClusterUnreachable, silent.Kind);
        Assert.Contains("in time", silent.Message, StringComparison.Ordinal);
        AssertAllWiped(pool);
    }
}
