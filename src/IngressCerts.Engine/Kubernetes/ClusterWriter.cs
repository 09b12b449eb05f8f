using System.Buffers;
using k8s;
using k8s.Models;

namespace IngressCerts.Engine.Kubernetes;

/// <summary>
/// The reads and writes a publish needs. Every update carries the resourceVersion it read, so a concurrent change
/// surfaces as a Conflict instead of being overwritten.
/// </summary>
public sealed class ClusterWriter
{
    private readonly ClusterConnection _connection;

    public ClusterWriter(ClusterConnection connection) => _connection = connection;

    public ClusterConnection Connection => _connection;

    /// <summary>
    /// How long one write may wait for its answer before it counts as unanswered (null: the client's own timeout).
    /// An unanswered write may still have been applied; the publisher reads the object again to find out.
    /// </summary>
    public TimeSpan? RequestTimeout { get; init; }

    /// <summary>One Secret by name; null when it does not exist.</summary>
    public Task<V1Secret?> GetSecretAsync(string ns, string name, CancellationToken cancellationToken) =>
        new ClusterReader(_connection).GetSecretAsync(ns, name, cancellationToken);

    public async Task<V1Ingress?> GetIngressAsync(string ns, string name, CancellationToken cancellationToken)
    {
        try
        {
            return await KubeCall.RunAsync(_connection, "get", "ingresses", ns, name,
                c => _connection.Client.NetworkingV1.ReadNamespacedIngressAsync(name, ns, cancellationToken: c), cancellationToken).ConfigureAwait(false);
        }
        catch (KubeApiException ex) when (ex.Kind == KubeErrorKind.NotFound)
        {
            return null;
        }
    }

    /// <summary>Whether the namespace exists; null when the user may not read it (then nothing is known).</summary>
    public Task<bool?> NamespaceExistsAsync(string ns, CancellationToken cancellationToken) =>
        new ClusterReader(_connection).NamespaceExistsAsync(ns, cancellationToken);

    public Task<V1Secret> CreateSecretAsync(V1Secret secret, CancellationToken cancellationToken) =>
        Run("create", "secrets", secret.Metadata.NamespaceProperty, secret.Metadata.Name,
            c => SendSecretAsync(HttpMethod.Post, $"api/v1/namespaces/{Uri.EscapeDataString(secret.Metadata.NamespaceProperty)}/secrets", secret, c),
            cancellationToken);

    /// <summary>
    /// Replaces a Secret; <paramref name="secret"/> must carry the resourceVersion that was read. The answer has no
    /// data, as with <see cref="CreateSecretAsync"/>.
    /// </summary>
    public Task<V1Secret> ReplaceSecretAsync(V1Secret secret, CancellationToken cancellationToken)
    {
        RequireResourceVersion(secret.Metadata);
        return Run("update", "secrets", secret.Metadata.NamespaceProperty, secret.Metadata.Name,
            c => SendSecretAsync(HttpMethod.Put,
                $"api/v1/namespaces/{Uri.EscapeDataString(secret.Metadata.NamespaceProperty)}/secrets/{Uri.EscapeDataString(secret.Metadata.Name)}", secret, c),
            cancellationToken);
    }

    /// <summary>Where the buffers of Secret bodies and answers come from (tests watch them being wiped).</summary>
    internal ArrayPool<byte> BufferPool { get; init; } = ArrayPool<byte>.Shared;

    // The body and the answer each hold the key in base64; both live only in wiped buffers, whatever the outcome.
    private async Task<V1Secret> SendSecretAsync(HttpMethod method, string path, V1Secret secret, CancellationToken cancellationToken)
    {
        var client = _connection.Client as KubeClient
            ?? throw new InvalidOperationException("Secrets are written only through a connection made by ConnectionFactory.");
        using var body = new WipedBuffer(BufferPool);
        SecretWire.WriteBody(secret, body);
        using var content = SecretWire.Content(body);
        using var response = await client.SendOwnedAsync(method, $"{path}?fieldManager={FieldManager}", content, cancellationToken).ConfigureAwait(false);
        using var answer = new WipedBuffer(BufferPool);
        await using (var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false))
        {
            await answer.ReadFromAsync(stream, cancellationToken).ConfigureAwait(false);
        }

        return SecretWire.ReadWithoutData(answer.WrittenSpan);
    }

    /// <summary>Deletes a Secret only if it is still at <paramref name="resourceVersion"/>.</summary>
    public Task DeleteSecretAsync(string ns, string name, string resourceVersion, CancellationToken cancellationToken) =>
        DeleteSecretAsync(ns, name, new V1Preconditions { ResourceVersion = resourceVersion }, cancellationToken);

    /// <summary>Deletes a Secret only if it is still the object <paramref name="uid"/> (whatever its version): Conflict if it was replaced.</summary>
    public Task DeleteSecretByUidAsync(string ns, string name, string uid, CancellationToken cancellationToken) =>
        DeleteSecretAsync(ns, name, new V1Preconditions { Uid = uid }, cancellationToken);

    private Task DeleteSecretAsync(string ns, string name, V1Preconditions preconditions, CancellationToken cancellationToken) =>
        Run("delete", "secrets", ns, name,
            c => _connection.Client.CoreV1.DeleteNamespacedSecretAsync(name, ns, new V1DeleteOptions { Preconditions = preconditions }, cancellationToken: c),
            cancellationToken);

    public async Task<IReadOnlyList<V1Secret>> ListSecretsAsync(string ns, string labelSelector, CancellationToken cancellationToken)
    {
        var all = new List<V1Secret>();
        await foreach (var page in Paginator.PagesAsync<V1Secret>(
            async (token, ct) =>
            {
                var list = await KubeCall.RunAsync(_connection, "list", "secrets", ns, null,
                    c => _connection.Client.CoreV1.ListNamespacedSecretAsync(ns, continueParameter: token, labelSelector: labelSelector, limit: Paginator.PageSize, cancellationToken: c), ct).ConfigureAwait(false);
                return (list.Items, list.Metadata?.ContinueProperty);
            },
            s => (null, s.Metadata.Name), null, cancellationToken).ConfigureAwait(false))
        {
            all.AddRange(page);
        }

        return all;
    }

    /// <summary>Replaces an Ingress; <paramref name="ingress"/> must carry the resourceVersion that was read.</summary>
    public Task<V1Ingress> ReplaceIngressAsync(V1Ingress ingress, CancellationToken cancellationToken)
    {
        RequireResourceVersion(ingress.Metadata);
        return Run("update", "ingresses", ingress.Metadata.NamespaceProperty, ingress.Metadata.Name,
            c => _connection.Client.NetworkingV1.ReplaceNamespacedIngressAsync(ingress, ingress.Metadata.Name, ingress.Metadata.NamespaceProperty, fieldManager: FieldManager, cancellationToken: c), cancellationToken);
    }

    /// <summary>One Gateway API object (gateways v1, referencegrants v1beta1) by name, as JSON; null when it does not exist.</summary>
    public async Task<System.Text.Json.Nodes.JsonObject?> GetGatewayApiObjectAsync(string version, string plural, string ns, string name, CancellationToken cancellationToken)
    {
        try
        {
            object found = await KubeCall.RunAsync(_connection, "get", plural, ns, name,
                c => _connection.Client.CustomObjects.GetNamespacedCustomObjectAsync(ClusterReader.GatewayGroup, version, ns, plural, name, cancellationToken: c), cancellationToken).ConfigureAwait(false);
            return AsObject(found);
        }
        catch (KubeApiException ex) when (ex.Kind == KubeErrorKind.NotFound)
        {
            return null;
        }
    }

    /// <summary>
    /// Replaces a Gateway API object; <paramref name="body"/> must carry the resourceVersion that was read, so a
    /// change by another writer since (another listener's, say) is a 409 and never overwritten.
    /// </summary>
    public async Task<System.Text.Json.Nodes.JsonObject> ReplaceGatewayApiObjectAsync(string version, string plural, System.Text.Json.Nodes.JsonObject body, CancellationToken cancellationToken)
    {
        string ns = body["metadata"]!["namespace"]!.GetValue<string>();
        string name = body["metadata"]!["name"]!.GetValue<string>();
        if (string.IsNullOrEmpty(body["metadata"]?["resourceVersion"]?.GetValue<string>()))
        {
            throw new InvalidOperationException($"Refusing to update {ns}/{name} without the resourceVersion that was read.");
        }

        return AsObject(await Run("update", plural, ns, name,
            c => _connection.Client.CustomObjects.ReplaceNamespacedCustomObjectAsync(body, ClusterReader.GatewayGroup, version, ns, plural, name, fieldManager: FieldManager, cancellationToken: c),
            cancellationToken).ConfigureAwait(false));
    }

    public async Task<System.Text.Json.Nodes.JsonObject> CreateGatewayApiObjectAsync(string version, string plural, System.Text.Json.Nodes.JsonObject body, CancellationToken cancellationToken)
    {
        string ns = body["metadata"]!["namespace"]!.GetValue<string>();
        return AsObject(await Run("create", plural, ns, body["metadata"]!["name"]!.GetValue<string>(),
            c => _connection.Client.CustomObjects.CreateNamespacedCustomObjectAsync(body, ClusterReader.GatewayGroup, version, ns, plural, fieldManager: FieldManager, cancellationToken: c),
            cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Deletes a Gateway API object only if it is still at <paramref name="resourceVersion"/>.</summary>
    public Task DeleteGatewayApiObjectAsync(string version, string plural, string ns, string name, string resourceVersion, CancellationToken cancellationToken) =>
        Run("delete", plural, ns, name,
            c => _connection.Client.CustomObjects.DeleteNamespacedCustomObjectAsync(ClusterReader.GatewayGroup, version, ns, plural, name,
                new V1DeleteOptions { Preconditions = new V1Preconditions { ResourceVersion = resourceVersion } }, cancellationToken: c),
            cancellationToken);

    /// <summary>Every ReferenceGrant of a namespace, as JSON (an empty list when the group is not served).</summary>
    public async Task<IReadOnlyList<System.Text.Json.Nodes.JsonObject>> ListReferenceGrantsAsync(string ns, CancellationToken cancellationToken)
    {
        // Not through ClusterReader: it reads a forbidden list as empty, and a publish must not decide on that.
        object list;
        try
        {
            list = await KubeCall.RunAsync(_connection, "list", "referencegrants", ns, null,
                c => _connection.Client.CustomObjects.ListNamespacedCustomObjectAsync(ClusterReader.GatewayGroup, "v1beta1", ns, "referencegrants", cancellationToken: c), cancellationToken).ConfigureAwait(false);
        }
        catch (KubeApiException ex) when (ex.Kind == KubeErrorKind.NotFound)
        {
            return [];
        }

        return (AsObject(list)["items"] as System.Text.Json.Nodes.JsonArray ?? new System.Text.Json.Nodes.JsonArray())
            .OfType<System.Text.Json.Nodes.JsonObject>().Select(o => (System.Text.Json.Nodes.JsonObject)o.DeepClone()).ToList();
    }

    private static System.Text.Json.Nodes.JsonObject AsObject(object answer) =>
        System.Text.Json.Nodes.JsonNode.Parse(answer is System.Text.Json.JsonElement e ? e.GetRawText() : KubernetesJson.Serialize(answer))!.AsObject();

    // The timeout cancels only the request; KubeCall tells it from the caller's cancellation and reports it as
    // "did not answer in time" (ClusterUnreachable).
    private async Task<T> Run<T>(string verb, string resource, string? ns, string? name, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (RequestTimeout is { } limit)
        {
            timeout.CancelAfter(limit);
        }

        return await KubeCall.RunAsync(_connection, verb, resource, ns, name, _ => call(timeout.Token), cancellationToken).ConfigureAwait(false);
    }

    private Task Run(string verb, string resource, string? ns, string? name, Func<CancellationToken, Task> call, CancellationToken cancellationToken) =>
        Run<bool>(verb, resource, ns, name, async c => { await call(c).ConfigureAwait(false); return true; }, cancellationToken);

    /// <summary>The field manager every write names, so `kubectl get -o yaml --show-managed-fields` shows who wrote.</summary>
    public const string FieldManager = "ingresscerts";

    private static void RequireResourceVersion(V1ObjectMeta metadata)
    {
        // An update without resourceVersion is an unconditional overwrite on a real API server: never send one.
        if (string.IsNullOrEmpty(metadata.ResourceVersion))
        {
            throw new InvalidOperationException($"Refusing to update {metadata.NamespaceProperty}/{metadata.Name} without the resourceVersion that was read.");
        }
    }
}
