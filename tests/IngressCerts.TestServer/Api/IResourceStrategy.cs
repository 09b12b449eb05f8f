using System.Text.Json.Nodes;

namespace IngressCerts.TestServer.Api;

/// <summary>
/// Per-kind write rules, split the way the real server orders them: defaults applied while decoding
/// (the writer owns those fields), server-set fields, then validation.
/// </summary>
internal interface IResourceStrategy
{
    void Default(JsonObject obj);

    void PrepareForCreate(JsonObject obj);

    void PrepareForUpdate(JsonObject updated, JsonObject existing);

    IReadOnlyList<FieldError> ValidateCreate(JsonObject obj);

    IReadOnlyList<FieldError> ValidateUpdate(JsonObject updated, JsonObject existing);
}
