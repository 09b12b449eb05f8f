using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using IngressCerts.TestServer.Api;

namespace IngressCerts.TestServer.Storage;

/// <summary>
/// The apiserver's list continuation: unpadded URL-safe base64 of {"v":"meta.k8s.io/v1","rv":N,"start":"key\u0000"},
/// where start is the last returned key (relative to the listed prefix) plus NUL.
/// </summary>
internal sealed record ContinueToken(long ResourceVersion, string Start)
{
    private const string Version = "meta.k8s.io/v1";

    public string Encode()
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString("v", Version);
            writer.WriteNumber("rv", ResourceVersion);
            writer.WriteString("start", Start);
            writer.WriteEndObject();
        }
        return Convert.ToBase64String(stream.ToArray()).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    public static ContinueToken Decode(string token)
    {
        byte[] bytes;
        try
        {
            var padded = token.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - padded.Length % 4) % 4);
            bytes = Convert.FromBase64String(padded);
        }
        catch (FormatException)
        {
            throw Status.BadRequest("continue key is not valid: illegal base64 data at input byte 0");
        }
        JsonObject? json;
        try
        {
            json = JsonNode.Parse(Encoding.UTF8.GetString(bytes)) as JsonObject;
        }
        catch (JsonException ex)
        {
            throw Status.BadRequest($"continue key is not valid: {ex.Message}");
        }
        if (json?["v"]?.GetValue<string>() != Version)
        {
            throw Status.BadRequest("continue key is not valid: server does not recognize this encoded version");
        }
        var start = json["start"]?.GetValue<string>() ?? "";
        if (start.Length == 0) throw Status.BadRequest("continue key is not valid: encoded start key empty");
        return new ContinueToken(json["rv"]?.GetValue<long>() ?? 0, start);
    }
}
