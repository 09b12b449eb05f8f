using System.Text.Json.Nodes;

namespace IngressCerts.TestServer.Api;

/// <summary>
/// A request that ends in a metav1.Status answer. Thrown from deep inside an operation
/// and turned into the response by the request pipeline.
/// </summary>
internal sealed class KubeApiException(int code, JsonObject status) : Exception(status["message"]?.GetValue<string>() ?? $"HTTP {code}")
{
    public int Code { get; } = code;

    public JsonObject Status { get; } = status;

    /// <summary>Headers the answer needs besides the body (Retry-After on 429).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();
}
