using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace IngressCerts.TestServer.Testing;

/// <summary>
/// A raw Kubernetes API client for tests, authenticated from a kubeconfig (token or client
/// certificate, CA data), with no dependency on KubernetesClient: tests see exact status codes,
/// content types and bodies.
/// </summary>
public sealed class KubeHttp : IDisposable
{
    public const string DefaultUserAgent = "ingresscerts-tests/1.0";

    private readonly HttpClient _client;
    private readonly string? _token;

    private KubeHttp(HttpClient client, string? token, Uri baseAddress)
    {
        _client = client;
        _token = token;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    /// <summary>Sent on every request; the server derives the managedFields manager from it.</summary>
    public string UserAgent { get; set; } = DefaultUserAgent;

    public static KubeHttp FromKubeconfig(string path, string? context = null, string? tokenOverride = null, TimeSpan? timeout = null) =>
        Create(Kubeconfig.Load(path, context), tokenOverride, timeout);

    /// <summary>
    /// A client for the kubeconfig's cluster that authenticates with <paramref name="tokenOverride"/> instead of the
    /// kubeconfig's credentials when given ("" sends no credentials at all).
    /// </summary>
    public static KubeHttp Create(Kubeconfig config, string? tokenOverride = null, TimeSpan? timeout = null)
    {
        var ssl = new SslClientAuthenticationOptions();
        if (config.InsecureSkipTlsVerify)
        {
            ssl.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        }
        else if (config.CertificateAuthorities.Count > 0)
        {
            var policy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
            };
            policy.CustomTrustStore.AddRange(config.CertificateAuthorities);
            ssl.CertificateChainPolicy = policy;
        }
        var useCertificate = tokenOverride is null && config.ClientCertificatePem is not null && config.ClientKeyPem is not null;
        if (useCertificate)
        {
            ssl.ClientCertificates = [X509Certificate2.CreateFromPem(config.ClientCertificatePem, config.ClientKeyPem)];
        }
        var handler = new SocketsHttpHandler
        {
            SslOptions = ssl,
            PooledConnectionLifetime = TimeSpan.FromMinutes(1),
        };
        var client = new HttpClient(handler) { BaseAddress = config.Server, Timeout = timeout ?? TimeSpan.FromSeconds(30) };
        var token = tokenOverride ?? (useCertificate ? null : config.Token);
        return new KubeHttp(client, string.IsNullOrEmpty(token) ? null : token, config.Server);
    }

    public Task<KubeResponse> GetAsync(string path, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, path, (string?)null, null, cancellationToken);

    public Task<KubeResponse> PostAsync(string path, JsonNode body, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, path, body, "application/json", cancellationToken);

    public Task<KubeResponse> PutAsync(string path, JsonNode body, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Put, path, body, "application/json", cancellationToken);

    /// <summary>PATCH with a patch media type, e.g. application/merge-patch+json.</summary>
    public Task<KubeResponse> PatchAsync(string path, JsonNode body, string contentType, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Patch, path, body, contentType, cancellationToken);

    public Task<KubeResponse> DeleteAsync(string path, JsonNode? options = null, CancellationToken cancellationToken = default) =>
        options is null
            ? SendAsync(HttpMethod.Delete, path, (string?)null, null, cancellationToken)
            : SendAsync(HttpMethod.Delete, path, options, "application/json", cancellationToken);

    public Task<KubeResponse> SendAsync(HttpMethod method, string path, JsonNode? body, string? contentType, CancellationToken cancellationToken = default) =>
        SendAsync(method, path, body?.ToJsonString(), contentType ?? "application/json", cancellationToken);

    /// <summary>Sends a raw body (YAML for apply patches, for instance) and reads the whole answer.</summary>
    public async Task<KubeResponse> SendAsync(HttpMethod method, string path, string? body, string? contentType, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(method, path.TrimStart('/'));
        request.Headers.UserAgent.ParseAdd(UserAgent);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (_token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType ?? "application/json");
        }
        using var response = await _client.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        JsonNode? json = null;
        try
        {
            if (text.Length > 0) json = JsonNode.Parse(text);
        }
        catch (JsonException)
        {
        }
        return new KubeResponse((int)response.StatusCode, response.Content.Headers.ContentType?.ToString(), text, json);
    }

    public void Dispose() => _client.Dispose();
}
