using IngressCerts.Engine.Inventory;
using IngressCerts.Engine.Kubernetes;
using k8s;
using k8s.Models;

namespace IngressCerts.Bench.Inventory;

/// <summary>
/// What is timed, as client code: the inventory through the engine, and the baselines through KubernetesClient
/// directly. Each returns the number of items it produced so a run that silently did less is caught.
/// None of this touches the test server's types, so a child process can run it against any kubeconfig.
/// </summary>
internal sealed class Variants : IDisposable
{
    public const int PageSize = 500; // the engine's Paginator.PageSize
    private const string TlsSelector = "type=kubernetes.io/tls";

    private readonly ClusterConnection _connection;
    private readonly BenchClient _client;

    /// <param name="context">The kubeconfig's context to use; null: its current context.</param>
    public Variants(string kubeconfigPath, string? context = null)
    {
        // A private factory: ConnectionFactory.Shared would also work, this just keeps the bench's state its own.
        _connection = new ConnectionFactory().Connect(new ConnectionOptions(KubeConfigPaths: [kubeconfigPath], Context: context));
        _client = new BenchClient(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfigPath, currentContext: context));
    }

    /// <summary>The inventory as Get-IngressCertificate -AllNamespaces runs it: ClusterScanner over ClusterReader.</summary>
    /// <param name="statuses">Counts results by status when given (a sanity check of what was scanned).</param>
    /// <param name="progress">The scanner's progress reports (used to time its phases).</param>
    public async Task<int> InventoryAsync(Dictionary<string, int>? statuses, CancellationToken cancellationToken, Action<ScanProgress>? progress = null)
    {
        var scanner = new ClusterScanner(new ClusterReader(_connection), new InventoryOptions(DateTimeOffset.UtcNow), progress: progress);
        int count = 0;
        await foreach (var item in scanner.ScanAsync(null, cancellationToken).ConfigureAwait(false))
        {
            count++;
            if (statuses is not null)
            {
                statuses[item.Status] = statuses.GetValueOrDefault(item.Status) + 1;
            }
        }

        return count;
    }

    /// <summary>
    /// The same lists the inventory makes, in the same way (limit=500 and continue; Ingresses, Gateways, then TLS
    /// Secrets by field selector), deserialised by KubernetesClient into its models, and nothing else.
    /// </summary>
    public async Task<int> RawFetchAsync(CancellationToken cancellationToken)
    {
        int count = 0;
        string? token = null;
        do
        {
            var page = await _client.NetworkingV1.ListIngressForAllNamespacesAsync(continueParameter: token, limit: PageSize, cancellationToken: cancellationToken).ConfigureAwait(false);
            count += page.Items.Count;
            token = page.Metadata?.ContinueProperty;
        }
        while (!string.IsNullOrEmpty(token));

        // The inventory asks for Gateways too (none in the seeded fleet: one request that answers an empty list; a
        // cluster without the Gateway API answers 404, which the inventory takes as "none" as well).
        try
        {
            do
            {
                var gateways = await _client.CustomObjects.ListClusterCustomObjectAsync("gateway.networking.k8s.io", "v1", "gateways", continueParameter: token, limit: PageSize, cancellationToken: cancellationToken).ConfigureAwait(false);
                var list = (System.Text.Json.JsonElement)gateways;
                count += list.TryGetProperty("items", out var items) && items.ValueKind == System.Text.Json.JsonValueKind.Array ? items.GetArrayLength() : 0;
                token = list.TryGetProperty("metadata", out var metadata) && metadata.TryGetProperty("continue", out var next) ? next.GetString() : null;
            }
            while (!string.IsNullOrEmpty(token));
        }
        catch (k8s.Autorest.HttpOperationException ex) when (ex.Response?.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            token = null;
        }

        do
        {
            var page = await _client.CoreV1.ListSecretForAllNamespacesAsync(continueParameter: token, fieldSelector: TlsSelector, limit: PageSize, cancellationToken: cancellationToken).ConfigureAwait(false);
            count += page.Items.Count;
            token = page.Metadata?.ContinueProperty;
        }
        while (!string.IsNullOrEmpty(token));

        return count;
    }

    /// <summary>
    /// The same lists as <see cref="RawFetchAsync"/>, through the same client (connection, credentials, handlers), as
    /// bytes: each page's body is read to its end and only its metadata.continue is looked for. No models, no
    /// analysis: what the wire costs the client. Returns the bytes' count in MB (not items).
    /// </summary>
    public async Task<int> BytesFetchAsync(CancellationToken cancellationToken)
    {
        long bytes = 0;
        foreach (string path in new[] { "apis/networking.k8s.io/v1/ingresses?", "apis/gateway.networking.k8s.io/v1/gateways?", "api/v1/secrets?fieldSelector=type%3Dkubernetes.io%2Ftls&" })
        {
            string? token = null;
            do
            {
                byte[]? page = await _client.GetBytesAsync(path + "limit=" + PageSize + (token is null ? string.Empty : "&continue=" + Uri.EscapeDataString(token)), cancellationToken).ConfigureAwait(false);
                bytes += page?.Length ?? 0;
                token = page is null ? null : Breakdown.ReadContinue(page);
            }
            while (!string.IsNullOrEmpty(token));
        }

        return (int)(bytes / (1024 * 1024));
    }

    /// <summary>
    /// One inventory, its results written to <paramref name="path"/> as JSON, sorted, with what a user reads of each
    /// (status, findings, certificate facts): two builds of the engine must write the same file for the same fleet.
    /// </summary>
    public async Task<int> DumpAsync(string path, CancellationToken cancellationToken)
    {
        var scanner = new ClusterScanner(new ClusterReader(_connection), new InventoryOptions(DateTimeOffset.UtcNow));
        var rows = new List<string>();
        await foreach (var r in scanner.ScanAsync(null, cancellationToken).ConfigureAwait(false))
        {
            rows.Add(System.Text.Json.JsonSerializer.Serialize(new
            {
                r.Namespace, r.Kind, r.Name, r.Listener, r.SecretNamespace, r.SecretName,
                Hosts = string.Join(",", r.Hosts), r.Status,
                Findings = r.GetFindings().Select(f => $"{f.Id}|{f.Status}|{f.Message}").ToArray(),
                Issues = r.Issues.ToString(), r.Subject, DnsNames = string.Join(",", r.DnsNames), r.Issuer, r.SerialNumber,
                r.NotBefore, r.NotAfter, r.Thumbprint, r.Sha256Fingerprint, r.KeyAlgorithm, r.KeySize, r.SignatureAlgorithm,
                r.ChainLength, r.ManagedBy,
            }));
        }

        rows.Sort(StringComparer.Ordinal);
        await File.WriteAllLinesAsync(path, rows, cancellationToken).ConfigureAwait(false);
        return rows.Count;
    }

    /// <summary>What a first attempt would do: list the Ingresses, then GET every referenced Secret, one at a time. No analysis.</summary>
    public async Task<int> NaiveAsync(CancellationToken cancellationToken)
    {
        var ingresses = new List<V1Ingress>();
        string? token = null;
        do
        {
            var page = await _client.NetworkingV1.ListIngressForAllNamespacesAsync(continueParameter: token, limit: PageSize, cancellationToken: cancellationToken).ConfigureAwait(false);
            ingresses.AddRange(page.Items);
            token = page.Metadata?.ContinueProperty;
        }
        while (!string.IsNullOrEmpty(token));

        int count = 0;
        foreach (var ingress in ingresses)
        {
            foreach (var tls in ingress.Spec?.Tls ?? [])
            {
                if (string.IsNullOrEmpty(tls.SecretName))
                {
                    continue;
                }

                var secret = await _client.CoreV1.ReadNamespacedSecretAsync(tls.SecretName, ingress.Metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
                count += secret.Data?.Count > 0 ? 1 : 0;
            }
        }

        return count;
    }

    public void Dispose() => _client.Dispose();
}

/// <summary>KubernetesClient's own send (connection, credentials, handlers) for a GET whose body is kept as bytes.</summary>
internal sealed class BenchClient : Kubernetes
{
    private readonly Version _version;

    public BenchClient(KubernetesClientConfiguration config)
        : base(config)
    {
        _version = config.DisableHttp2 ? System.Net.HttpVersion.Version11 : System.Net.HttpVersion.Version20;
    }

    /// <summary>The body of a GET; null when the server answers 404 (a kind it does not serve).</summary>
    public async Task<byte[]?> GetBytesAsync(string relativeUri, CancellationToken cancellationToken)
    {
        try
        {
            // The version the library's own calls use.
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(BaseUri, relativeUri)) { Version = _version };
            using var response = await SendRequestRaw(string.Empty, request, cancellationToken).ConfigureAwait(false);
            return await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (k8s.Autorest.HttpOperationException ex) when (ex.Response?.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }
}
