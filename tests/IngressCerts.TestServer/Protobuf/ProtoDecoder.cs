using System.Text;
using System.Text.Json.Nodes;
using IngressCerts.TestServer.Api;

namespace IngressCerts.TestServer.Protobuf;

/// <summary>
/// Decodes "application/vnd.kubernetes.protobuf" bodies (magic "k8s\0" + runtime.Unknown) into the
/// JSON the rest of the server works with. Go writes zero values for plain fields; JSON omits them
/// (omitempty), so empty strings, zero numbers and false are dropped.
/// </summary>
internal static class ProtoDecoder
{
    /// <summary>A field whose message is merged into its parent (Go's inline JSON embedding).</summary>
    public const string InlineField = "";

    private static readonly byte[] Magic = [0x6b, 0x38, 0x73, 0x00];

    /// <summary>Decodes a body of the given kind: a stored one, or a SelfSubjectAccessReview.</summary>
    public static JsonObject Decode(byte[] body, string kind)
    {
        if (body.Length < Magic.Length || !body.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            throw Status.BadRequest("provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]");
        }
        var schema = kind switch
        {
            "SelfSubjectAccessReview" => KubeProtoSchemas.SelfSubjectAccessReview,
            "Secret" => KubeProtoSchemas.Secret,
            "Namespace" => KubeProtoSchemas.Namespace,
            "Ingress" => KubeProtoSchemas.Ingress,
            _ => throw Status.UnsupportedMediaType(["application/json", "application/yaml"]),
        };
        var reader = new ProtoReader(body.AsMemory(Magic.Length));
        string? apiVersion = null, sentKind = null;
        ReadOnlyMemory<byte> raw = default;
        while (reader.Next(out var field, out var wire))
        {
            switch (field)
            {
                case 1:
                    var typeMeta = new ProtoReader(reader.ReadBytes());
                    while (typeMeta.Next(out var typeField, out _))
                    {
                        if (typeField == 1) apiVersion = typeMeta.ReadString();
                        else if (typeField == 2) sentKind = typeMeta.ReadString();
                        else typeMeta.Skip(2);
                    }
                    break;
                case 2:
                    raw = reader.ReadBytes();
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }
        var obj = ReadMessage(new ProtoReader(raw), schema);
        var result = new JsonObject();
        if (!string.IsNullOrEmpty(apiVersion)) result["apiVersion"] = apiVersion;
        if (!string.IsNullOrEmpty(sentKind)) result["kind"] = sentKind;
        foreach (var (key, value) in obj.ToList())
        {
            obj.Remove(key);
            result[key] = value;
        }
        return result;
    }

    private static JsonObject ReadMessage(ProtoReader reader, ProtoMessage schema)
    {
        var obj = new JsonObject();
        while (reader.Next(out var number, out var wire))
        {
            if (!schema.Fields.TryGetValue(number, out var field) || field.Kind == ProtoKind.Ignored)
            {
                reader.Skip(wire);
                continue;
            }
            switch (field.Kind)
            {
                case ProtoKind.String:
                    var text = reader.ReadString();
                    if (text.Length > 0) obj[field.Name] = text;
                    break;
                case ProtoKind.Bytes:
                    obj[field.Name] = Convert.ToBase64String(reader.ReadBytes().Span);
                    break;
                case ProtoKind.Int:
                    var number64 = (long)reader.ReadVarint();
                    if (number64 != 0) obj[field.Name] = number64;
                    break;
                case ProtoKind.Bool:
                    if (reader.ReadVarint() != 0) obj[field.Name] = true;
                    break;
                case ProtoKind.Message:
                    var child = ReadMessage(new ProtoReader(reader.ReadBytes()), field.Message!);
                    if (field.Name == InlineField)
                    {
                        foreach (var (key, value) in child.ToList()) { child.Remove(key); obj[key] = value; }
                    }
                    else
                    {
                        obj[field.Name] = child;
                    }
                    break;
                case ProtoKind.StringMap or ProtoKind.BytesMap:
                    var map = obj[field.Name] as JsonObject ?? new JsonObject();
                    obj[field.Name] = map;
                    var entry = new ProtoReader(reader.ReadBytes());
                    string key2 = "", value2 = "";
                    while (entry.Next(out var entryField, out var entryWire))
                    {
                        if (entryField == 1) key2 = entry.ReadString();
                        else if (entryField == 2)
                        {
                            value2 = field.Kind == ProtoKind.BytesMap
                                ? Convert.ToBase64String(entry.ReadBytes().Span)
                                : entry.ReadString();
                        }
                        else entry.Skip(entryWire);
                    }
                    map[key2] = value2;
                    break;
                case ProtoKind.RepeatedString:
                    var strings = obj[field.Name] as JsonArray ?? new JsonArray();
                    obj[field.Name] = strings;
                    strings.Add(reader.ReadString());
                    break;
                case ProtoKind.RepeatedMessage:
                    var items = obj[field.Name] as JsonArray ?? new JsonArray();
                    obj[field.Name] = items;
                    items.Add(ReadMessage(new ProtoReader(reader.ReadBytes()), field.Message!));
                    break;
            }
        }
        return obj;
    }

    /// <summary>Protobuf wire format reader over a byte buffer.</summary>
    private sealed class ProtoReader(ReadOnlyMemory<byte> buffer)
    {
        private int _position;

        public bool Next(out int field, out int wire)
        {
            if (_position >= buffer.Length)
            {
                field = 0;
                wire = 0;
                return false;
            }
            var tag = ReadVarint();
            field = (int)(tag >> 3);
            wire = (int)(tag & 7);
            return true;
        }

        public ulong ReadVarint()
        {
            ulong result = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                if (_position >= buffer.Length) throw Status.BadRequest("unexpected end of protobuf data");
                var b = buffer.Span[_position++];
                result |= (ulong)(b & 0x7f) << shift;
                if ((b & 0x80) == 0) return result;
            }
            throw Status.BadRequest("protobuf varint too long");
        }

        public ReadOnlyMemory<byte> ReadBytes()
        {
            var length = (int)ReadVarint();
            if (length < 0 || _position + length > buffer.Length) throw Status.BadRequest("unexpected end of protobuf data");
            var slice = buffer.Slice(_position, length);
            _position += length;
            return slice;
        }

        public string ReadString() => Encoding.UTF8.GetString(ReadBytes().Span);

        public void Skip(int wire)
        {
            switch (wire)
            {
                case 0: ReadVarint(); break;
                case 1: _position += 8; break;
                case 2: ReadBytes(); break;
                case 5: _position += 4; break;
                default: throw Status.BadRequest($"unsupported protobuf wire type {wire}");
            }
        }
    }
}
