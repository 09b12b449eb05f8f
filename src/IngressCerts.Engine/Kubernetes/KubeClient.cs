using System.Net;
using k8s;

namespace IngressCerts.Engine.Kubernetes;

/// <summary>
/// The library's client, plus one way in for a request whose body the caller owns: it goes through the library's
/// own send (credentials, token refresh, tls-server-name, this connection's handlers) and fails as its calls fail,
/// but the body is never turned into a string, so a Secret's key can be wiped once the request is done.
/// </summary>
internal sealed class KubeClient : k8s.Kubernetes
{
    private readonly Version _httpVersion;

    public KubeClient(KubernetesClientConfiguration config, params DelegatingHandler[] handlers)
        : base(config, handlers)
    {
        _httpVersion = config.DisableHttp2 ? HttpVersion.Version11 : HttpVersion.Version20;
    }

    /// <summary>
    /// Sends <paramref name="content"/> to <paramref name="relativeUri"/>; a non-2xx answer throws the library's
    /// HttpOperationException (carrying the Status, not the body). The answer's headers are read, its body is not.
    /// </summary>
    public Task<HttpResponseMessage> SendOwnedAsync(HttpMethod method, string relativeUri, HttpContent content, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(method, new Uri(BaseUri, relativeUri)) { Version = _httpVersion, Content = content };

        // The first argument is what the library copies into its exception for a failed request: nothing here.
        return SendRequestRaw(string.Empty, request, cancellationToken);
    }

    /// <summary>
    /// GETs <paramref name="relativeUri"/> through the library's own send; a non-2xx answer throws as its calls do.
    /// For lists read straight from their JSON (see <see cref="SecretListReader"/>); the caller disposes the answer.
    /// </summary>
    public Task<HttpResponseMessage> GetAsync(string relativeUri, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(BaseUri, relativeUri)) { Version = _httpVersion };
        return SendRequestRaw(string.Empty, request, cancellationToken);
    }
}
