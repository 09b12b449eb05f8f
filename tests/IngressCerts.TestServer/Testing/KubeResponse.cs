using System.Text.Json.Nodes;
using IngressCerts.TestServer.Json;

namespace IngressCerts.TestServer.Testing;

/// <summary>An API answer: status code, content type, raw body and the body parsed as JSON (null if it is not JSON).</summary>
public sealed record KubeResponse(int StatusCode, string? ContentType, string Body, JsonNode? Json)
{
    /// <summary>The body as a JSON object; throws with the body text when it is not one.</summary>
    public JsonObject Object => Json as JsonObject ?? throw new InvalidOperationException($"HTTP {StatusCode} body is not a JSON object: {Body}");

    /// <summary>metav1.Status message, if the body is a Status.</summary>
    public string? Message => (Json as JsonObject).GetString("message");

    /// <summary>metav1.Status reason, if the body is a Status.</summary>
    public string? Reason => (Json as JsonObject).GetString("reason");

    public string? ResourceVersion => (Object["metadata"] as JsonObject).GetString("resourceVersion");

    public override string ToString() => $"HTTP {StatusCode} {ContentType}: {(Body.Length > 2000 ? Body[..2000] + "..." : Body)}";
}
