using System.Runtime.CompilerServices;
using System.Text.Json;
using k8s;
using k8s.Models;

namespace IngressCerts.Engine.Kubernetes;

/// <summary>The reads a certificate scan needs, paginated and filtered on the server.</summary>
public sealed class ClusterReader
{
    internal const string TlsSecretType = "kubernetes.io/tls";
    internal const string GatewayGroup = "gateway.networking.k8s.io";

    private readonly ClusterConnection _connection;
    private readonly Action<string>? _diagnostics;
    private readonly Action<string>? _warnings;

    // Group versions found not served: a scan of many namespaces asks for each once, not once per namespace.
    private readonly HashSet<(string Group, string Version, string Plural)> _unserved = new();

    // Kinds the user may not list: warned about once per reader (a scan of many namespaces is refused once per scope).
    private readonly HashSet<(string Group, string Plural)> _forbidden = new();

    /// <param name="diagnostics">Told, in words, what the reads skip and why (e.g. written to Verbose).</param>
    /// <param name="warnings">
    /// Told when a kind is skipped because the user may not list it, so the answer lacks what the user may expect
    /// (e.g. written as a warning); <paramref name="diagnostics"/> when null.
    /// </param>
    public ClusterReader(ClusterConnection connection, Action<string>? diagnostics = null, Action<string>? warnings = null)
    {
        _connection = connection;
        _diagnostics = diagnostics;
        _warnings = warnings ?? diagnostics;
    }

    public ClusterConnection Connection => _connection;

    public async Task<IReadOnlyList<string>> ListNamespaceNamesAsync(CancellationToken cancellationToken)
    {
        var names = new List<string>();
        await foreach (var page in Paginator.PagesAsync<V1Namespace>(
            async (token, ct) =>
            {
                var list = await KubeCall.RunAsync(_connection, "list", "namespaces", null, null,
                    c => _connection.Client.CoreV1.ListNamespaceAsync(continueParameter: token, limit: Paginator.PageSize, cancellationToken: c), ct).ConfigureAwait(false);
                return (list.Items, list.Metadata?.ContinueProperty);
            },
            n => (null, n.Metadata.Name), _diagnostics, cancellationToken).ConfigureAwait(false))
        {
            names.AddRange(page.Select(n => n.Metadata.Name));
        }

        return names;
    }

    /// <summary>
    /// Whether a namespace exists: one GET. Null when the caller may not read it (403), which says nothing about
    /// whether it exists.
    /// </summary>
    public async Task<bool?> NamespaceExistsAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            if (_connection.Client is KubeClient client)
            {
                // Only whether it exists: the answer's body is not read, so no model is built for it.
                await KubeCall.RunAsync(_connection, "get", "namespaces", null, name, async c =>
                {
                    using var answer = await client.GetAsync("api/v1/namespaces/" + Uri.EscapeDataString(name), c).ConfigureAwait(false);
                    return true;
                }, cancellationToken).ConfigureAwait(false);
                return true;
            }

            await KubeCall.RunAsync(_connection, "get", "namespaces", null, name,
                c => _connection.Client.CoreV1.ReadNamespaceAsync(name, cancellationToken: c), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (KubeApiException ex) when (ex.Kind == KubeErrorKind.NotFound)
        {
            return false;
        }
        catch (KubeApiException ex) when (ex.Kind == KubeErrorKind.Forbidden)
        {
            return null;
        }
    }

    /// <summary>TLS Secrets, page by page; <paramref name="namespace"/> null means all namespaces.</summary>
    public IAsyncEnumerable<IReadOnlyList<V1Secret>> ListTlsSecretPagesAsync(string? @namespace, CancellationToken cancellationToken) =>
        Paginator.PagesAsync<V1Secret>(
            async (token, ct) =>
            {
                if (_connection.Client is KubeClient client)
                {
                    // Read straight from the JSON: most of the fetch's CPU went into building the library's models.
                    string path = ListPath("api/v1", "secrets", @namespace, token, "fieldSelector=" + Uri.EscapeDataString("type=" + TlsSecretType));
                    return await KubeCall.RunAsync(_connection, "list", "secrets", @namespace, null, c => SecretListReader.GetAsync(client, path, c), ct).ConfigureAwait(false);
                }

                var list = await KubeCall.RunAsync(_connection, "list", "secrets", @namespace, null, c => @namespace is null
                    ? _connection.Client.CoreV1.ListSecretForAllNamespacesAsync(continueParameter: token, fieldSelector: "type=" + TlsSecretType, limit: Paginator.PageSize, cancellationToken: c)
                    : _connection.Client.CoreV1.ListNamespacedSecretAsync(@namespace, continueParameter: token, fieldSelector: "type=" + TlsSecretType, limit: Paginator.PageSize, cancellationToken: c), ct).ConfigureAwait(false);
                return (list.Items, list.Metadata?.ContinueProperty);
            },
            s => (s.Metadata.NamespaceProperty, s.Metadata.Name), _diagnostics, cancellationToken);

    /// <summary>Ingresses, page by page; <paramref name="namespace"/> null means all namespaces.</summary>
    public IAsyncEnumerable<IReadOnlyList<V1Ingress>> ListIngressPagesAsync(string? @namespace, CancellationToken cancellationToken) =>
        Paginator.PagesAsync<V1Ingress>(
            async (token, ct) =>
            {
                var list = await KubeCall.RunAsync(_connection, "list", "ingresses", @namespace, null, c => @namespace is null
                    ? _connection.Client.NetworkingV1.ListIngressForAllNamespacesAsync(continueParameter: token, limit: Paginator.PageSize, cancellationToken: c)
                    : _connection.Client.NetworkingV1.ListNamespacedIngressAsync(@namespace, continueParameter: token, limit: Paginator.PageSize, cancellationToken: c), ct).ConfigureAwait(false);
                return (list.Items, list.Metadata?.ContinueProperty);
            },
            i => (i.Metadata.NamespaceProperty, i.Metadata.Name), _diagnostics, cancellationToken);

    /// <summary>
    /// Ingresses, page by page, with only what TLS references are made of (namespace, name, spec.tls, rule hosts,
    /// whether a default backend is set): for reading references, never for writing an Ingress back.
    /// </summary>
    internal IAsyncEnumerable<IReadOnlyList<V1Ingress>> ListIngressReferencePagesAsync(string? @namespace, CancellationToken cancellationToken) =>
        _connection.Client is not KubeClient client
            ? ListIngressPagesAsync(@namespace, cancellationToken)
            : Paginator.PagesAsync<V1Ingress>(
                (token, ct) => KubeCall.RunAsync(_connection, "list", "ingresses", @namespace, null,
                    c => IngressListReader.GetAsync(client, ListPath("apis/networking.k8s.io/v1", "ingresses", @namespace, token, null), c), ct),
                i => (i.Metadata.NamespaceProperty, i.Metadata.Name), _diagnostics, cancellationToken);

    /// <summary>The relative URI of one page of a list of <paramref name="plural"/>, as the library's calls build it.</summary>
    private static string ListPath(string groupVersionPath, string plural, string? @namespace, string? token, string? selector) =>
        groupVersionPath + (@namespace is null ? "/" : $"/namespaces/{Uri.EscapeDataString(@namespace)}/") + plural
        + "?" + (selector is null ? string.Empty : selector + "&") + "limit=" + Paginator.PageSize
        + (token is null ? string.Empty : "&continue=" + Uri.EscapeDataString(token));

    /// <summary>
    /// Objects of a Gateway API kind as raw JSON; an empty list when the cluster does not serve the group
    /// (the CRDs are not installed), which is common and not an error.
    /// </summary>
    public IAsyncEnumerable<IReadOnlyList<JsonElement>> ListGatewayApiPagesAsync(
        string version, string plural, string? @namespace, CancellationToken cancellationToken) =>
        ListCustomObjectPagesAsync(GatewayGroup, version, plural, @namespace, cancellationToken);

    /// <summary>
    /// The first of <paramref name="versions"/> (newest first) that the cluster serves for the group, from one
    /// discovery request (GET /apis) per reader; null, with one diagnostic, when it serves none, so that an absent API
    /// costs no list request. Where discovery itself fails (refused, an old aggregator) the first version is returned
    /// and the list request decides, as before.
    /// </summary>
    public async Task<string?> ServedVersionAsync(string group, IReadOnlyList<string> versions, string plural, CancellationToken cancellationToken)
    {
        var served = await (_discovery ??= DiscoverAsync(cancellationToken)).ConfigureAwait(false);
        if (served is null)
        {
            return versions[0];
        }

        string? version = served.TryGetValue(group, out var offered) ? versions.FirstOrDefault(offered.Contains) : null;
        if (version is null && _unserved.Add((group, versions[0], plural)))
        {
            _diagnostics?.Invoke($"Cluster '{_connection.ContextName}' does not serve {group}/{string.Join(", ", versions)} {plural}; skipping them.");
        }

        return version;
    }

    /// <summary>Discovery requests made by this reader (0 or 1): what finding the served APIs cost.</summary>
    public int DiscoveryRequests { get; private set; }

    private Task<Dictionary<string, HashSet<string>>?>? _discovery;

    private async Task<Dictionary<string, HashSet<string>>?> DiscoverAsync(CancellationToken cancellationToken)
    {
        DiscoveryRequests++;
        try
        {
            if (_connection.Client is KubeClient client)
            {
                return await KubeCall.RunAsync(_connection, "get", "API groups (discovery)", null, null,
                    c => DiscoveryJson.GetAsync(client, c), cancellationToken).ConfigureAwait(false);
            }

            var groups = await KubeCall.RunAsync(_connection, "get", "API groups (discovery)", null, null,
                c => _connection.Client.Apis.GetAPIVersionsAsync(c), cancellationToken).ConfigureAwait(false);
            return (groups.Groups ?? []).ToDictionary(
                g => g.Name, g => (g.Versions ?? []).Select(v => v.Version).ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);
        }
        catch (KubeApiException ex)
        {
            _diagnostics?.Invoke($"{ex.Message} Each other controller's kind is listed to find whether it is served.");
            return null;
        }
    }

    /// <summary>
    /// Objects of a custom resource kind as raw JSON. A group version the cluster does not serve (its CRDs are not
    /// installed: common, not an error) gives an empty list and one diagnostic, and is not asked again by this reader;
    /// a forbidden list gives an empty list and one diagnostic naming what is skipped.
    /// </summary>
    /// <param name="refused">Also told the API server's answer when the list is forbidden (a caller that reads one object by name says why it has none).</param>
    public async IAsyncEnumerable<IReadOnlyList<JsonElement>> ListCustomObjectPagesAsync(
        string group, string version, string plural, string? @namespace, [EnumeratorCancellation] CancellationToken cancellationToken, string? fieldSelector = null,
        Action<string>? refused = null)
    {
        if (_unserved.Contains((group, version, plural)))
        {
            yield break;
        }

        var pages = Paginator.PagesAsync<JsonElement>(
            async (token, ct) =>
            {
                if (_connection.Client is KubeClient client)
                {
                    // Read with the JSON reader, not the library's serializer: its first use in a process cost about
                    // 0.1 s of CPU, paid by every runbook (a fresh process each time).
                    string path = ListPath($"apis/{group}/{version}", plural, @namespace, token,
                        fieldSelector is null ? null : "fieldSelector=" + Uri.EscapeDataString(fieldSelector));
                    return await KubeCall.RunAsync(_connection, "list", plural, @namespace, null,
                        c => ListJson.GetAsync(client, path, static (ref Utf8JsonReader reader) => JsonElement.ParseValue(ref reader), c), ct).ConfigureAwait(false);
                }

                object result = await KubeCall.RunAsync(_connection, "list", plural, @namespace, null, c => @namespace is null
                    ? _connection.Client.CustomObjects.ListClusterCustomObjectAsync(group, version, plural, continueParameter: token, fieldSelector: fieldSelector, limit: Paginator.PageSize, cancellationToken: c)
                    : _connection.Client.CustomObjects.ListNamespacedCustomObjectAsync(group, version, @namespace, plural, continueParameter: token, fieldSelector: fieldSelector, limit: Paginator.PageSize, cancellationToken: c), ct).ConfigureAwait(false);
                return ReadRawList(result);
            },
            e => (RawObject.Namespace(e), RawObject.Name(e)), _diagnostics, cancellationToken);

        await using var enumerator = pages.GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            try
            {
                if (!await enumerator.MoveNextAsync().ConfigureAwait(false))
                {
                    yield break;
                }
            }
            catch (KubeApiException ex) when (ex.Kind == KubeErrorKind.NotFound)
            {
                _unserved.Add((group, version, plural));
                _diagnostics?.Invoke($"Cluster '{_connection.ContextName}' does not serve {group}/{version} {plural}; skipping them.");
                yield break;
            }
            catch (KubeApiException ex) when (ex.Kind == KubeErrorKind.Forbidden)
            {
                // The built-in view and edit roles do not cover custom resources: Ingresses are still worth reporting.
                var consequence = plural == "referencegrants" ? " Cross-namespace Gateway references there count as not permitted." : string.Empty;
                bool first;
                lock (_forbidden)
                {
                    first = _forbidden.Add((group, plural));
                }

                (first ? _warnings : _diagnostics)?.Invoke($"{ex.Message} Skipping {plural}.{consequence}");
                refused?.Invoke(ex.Message);
                yield break;
            }

            yield return enumerator.Current;
        }
    }

    /// <summary>One Secret by name; null when it does not exist.</summary>
    public async Task<V1Secret?> GetSecretAsync(string @namespace, string name, CancellationToken cancellationToken)
    {
        try
        {
            return await KubeCall.RunAsync(_connection, "get", "secrets", @namespace, name,
                c => _connection.Client.CoreV1.ReadNamespacedSecretAsync(name, @namespace, cancellationToken: c), cancellationToken).ConfigureAwait(false);
        }
        catch (KubeApiException ex) when (ex.Kind == KubeErrorKind.NotFound)
        {
            return null;
        }
    }

    private static (IList<JsonElement>? Items, string? Continue) ReadRawList(object result)
    {
        var element = result is JsonElement e ? e : JsonSerializer.SerializeToElement(result);
        IList<JsonElement>? items = null;
        if (element.TryGetProperty("items", out var arr) && arr.ValueKind == JsonValueKind.Array)
        {
            items = arr.EnumerateArray().Select(x => x.Clone()).ToList();
        }

        string? token = element.TryGetProperty("metadata", out var md) && md.ValueKind == JsonValueKind.Object
            && md.TryGetProperty("continue", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
        return (items, token);
    }
}
