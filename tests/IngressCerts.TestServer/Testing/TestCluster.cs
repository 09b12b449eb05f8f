using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace IngressCerts.TestServer.Testing;

/// <summary>
/// The cluster an integration test talks to. By default an in-process <see cref="KubeApiServer"/>;
/// when INGRESSCERTS_TEST_KUBECONFIG is set (and optionally INGRESSCERTS_TEST_CONTEXT) the same
/// test runs against that real cluster instead. Tests that need server-only features mark
/// themselves <see cref="ServerOnlyFactAttribute"/> and use <see cref="RequireServer"/>.
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    public const string KubeconfigVariable = "INGRESSCERTS_TEST_KUBECONFIG";
    public const string ContextVariable = "INGRESSCERTS_TEST_CONTEXT";

    /// <summary>Answers of <see cref="RealClusterServes"/>, per group version: discovery does not change during a run.</summary>
    private static readonly ConcurrentDictionary<string, Lazy<bool>> ServedGroupVersions = new(StringComparer.Ordinal);

    private readonly ConcurrentBag<string> _namespaces = [];
    private readonly string? _temporaryDirectory;

    private TestCluster(string kubeconfigPath, string? context, KubeApiServer? server, string? temporaryDirectory)
    {
        KubeconfigPath = kubeconfigPath;
        Context = context;
        Server = server;
        _temporaryDirectory = temporaryDirectory;
        Http = KubeHttp.FromKubeconfig(kubeconfigPath, context);
    }

    /// <summary>Whether the environment points tests at a real cluster.</summary>
    public static bool RealClusterConfigured => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(KubeconfigVariable));

    /// <summary>
    /// Whether the real cluster serves an API group version ("gateway.networking.k8s.io/v1"), from its discovery: only a
    /// 404 says no (reference 06). Any other failure says yes, so the test runs and reports the real problem.
    /// Blocks: it is asked while xunit reads test attributes, where nothing can be awaited.
    /// </summary>
    public static bool RealClusterServes(string groupVersion) =>
        ServedGroupVersions.GetOrAdd(groupVersion, gv => new Lazy<bool>(() =>
        {
            var kubeconfig = Environment.GetEnvironmentVariable(KubeconfigVariable);
            if (string.IsNullOrEmpty(kubeconfig)) throw new InvalidOperationException($"{KubeconfigVariable} is not set");
            var context = Environment.GetEnvironmentVariable(ContextVariable);
            return Serves(Path.GetFullPath(kubeconfig), string.IsNullOrEmpty(context) ? null : context, gv);
        })).Value;

    /// <summary>The discovery question of <see cref="RealClusterServes"/>, for any kubeconfig, uncached.</summary>
    public static bool Serves(string kubeconfigPath, string? context, string groupVersion)
    {
        try
        {
            using var http = KubeHttp.FromKubeconfig(kubeconfigPath, context, timeout: TimeSpan.FromSeconds(30));
            var path = groupVersion.Contains('/') ? $"/apis/{groupVersion}" : $"/api/{groupVersion}";
            return Task.Run(() => http.GetAsync(path)).GetAwaiter().GetResult().StatusCode != 404;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
        {
            return true;
        }
    }

    /// <summary>A kubeconfig with admin rights on the cluster.</summary>
    public string KubeconfigPath { get; }

    /// <summary>The kubeconfig context to use; null means its current context.</summary>
    public string? Context { get; }

    public bool IsRealCluster => Server is null;

    /// <summary>The in-process server; null on a real cluster.</summary>
    public KubeApiServer? Server { get; }

    /// <summary>Raw API client with the kubeconfig's (admin) credentials.</summary>
    public KubeHttp Http { get; }

    public static async Task<TestCluster> StartAsync(KubeApiServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        var real = Environment.GetEnvironmentVariable(KubeconfigVariable);
        if (!string.IsNullOrEmpty(real))
        {
            var context = Environment.GetEnvironmentVariable(ContextVariable);
            return new TestCluster(Path.GetFullPath(real), string.IsNullOrEmpty(context) ? null : context, null, null);
        }
        var server = await KubeApiServer.StartAsync(options, cancellationToken);
        var directory = Path.Combine(Path.GetTempPath(), "ingresscerts-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var kubeconfig = Path.Combine(directory, "kubeconfig");
        server.WriteKubeconfig(kubeconfig);
        return new TestCluster(kubeconfig, null, server, directory);
    }

    /// <summary>The in-process server, for tests marked <see cref="ServerOnlyFactAttribute"/>.</summary>
    public KubeApiServer RequireServer() =>
        Server ?? throw new InvalidOperationException("this test needs the in-process test server; mark it [ServerOnlyFact] so it skips on a real cluster");

    /// <summary>Creates a namespace named prefix + random suffix; it is deleted when the cluster is disposed.</summary>
    public async Task<string> CreateNamespaceAsync(string prefix = "ictest-", CancellationToken cancellationToken = default)
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        var name = prefix + RandomNumberGenerator.GetString(alphabet, 8);
        var response = await Http.PostAsync("/api/v1/namespaces", new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Namespace",
            ["metadata"] = new JsonObject { ["name"] = name },
        }, cancellationToken);
        if (response.StatusCode != 201) throw new InvalidOperationException($"creating namespace {name} failed: {response}");
        _namespaces.Add(name);
        return name;
    }

    public async ValueTask DisposeAsync()
    {
        if (IsRealCluster)
        {
            // Best effort: a real cluster finalises namespaces in the background.
            foreach (var name in _namespaces)
            {
                try
                {
                    await Http.DeleteAsync($"/api/v1/namespaces/{name}");
                }
                catch (HttpRequestException)
                {
                }
            }
        }
        Http.Dispose();
        if (Server is not null) await Server.DisposeAsync();
        if (_temporaryDirectory is not null)
        {
            try
            {
                Directory.Delete(_temporaryDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
