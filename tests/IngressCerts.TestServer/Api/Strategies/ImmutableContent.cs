using System.Text.Json.Nodes;

namespace IngressCerts.TestServer.Api.Strategies;

/// <summary>The <c>immutable: true</c> rule Secrets and ConfigMaps share: it stays set, and the content stays as it is.</summary>
internal static class ImmutableContent
{
    public static IEnumerable<FieldError> Check(JsonObject updated, JsonObject existing, params string[] contentFields)
    {
        if (existing["immutable"]?.GetValue<bool>() != true) yield break;
        if (updated["immutable"]?.GetValue<bool>() != true)
        {
            yield return FieldError.Forbidden("immutable", "field is immutable when `immutable` is set");
        }
        foreach (var field in contentFields)
        {
            if (!JsonNode.DeepEquals(updated[field], existing[field]))
            {
                yield return FieldError.Forbidden(field, "field is immutable when `immutable` is set");
            }
        }
    }
}
