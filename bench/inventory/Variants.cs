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
    private readonly Kubernetes _client;

    public Variants(string kubeconfigPath)
    {
        // A private factory: ConnectionFactory.Shared would also work, this just keeps the bench's state its own.
        _connection = new ConnectionFactory().Connect(new ConnectionOptions(KubeConfigPaths: [kubeconfigPath]));
        _client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfigPath));
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

        // The inventory asks for Gateways too (none here: one request that answers an empty list).
        await _client.CustomObjects.ListClusterCustomObjectAsync("gateway.networking.k8s.io", "v1", "gateways", limit: PageSize, cancellationToken: cancellationToken).ConfigureAwait(false);

        do
        {
            var page = await _client.CoreV1.ListSecretForAllNamespacesAsync(continueParameter: token, fieldSelector: TlsSelector, limit: PageSize, cancellationToken: cancellationToken).ConfigureAwait(false);
            count += page.Items.Count;
            token = page.Metadata?.ContinueProperty;
        }
        while (!string.IsNullOrEmpty(token));

        return count;
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
