using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace IngressCerts.Engine.Inventory;

internal enum ManifestEventKind
{
    DocumentStart,
    DocumentEnd,
    MappingStart,
    MappingEnd,
    SequenceStart,
    SequenceEnd,
    Scalar,
    Alias,
}

/// <summary>
/// A manifest file as a stream of parse events (YAML's model; JSON maps onto it), read incrementally from the file so
/// that no whole-file text or tree is ever held. Neither source recurses, so nesting depth is the reader's to bound.
/// </summary>
internal interface IManifestEvents : IDisposable
{
    /// <summary>Advances to the next event; false at the end of the file.</summary>
    bool MoveNext();

    ManifestEventKind Kind { get; }

    /// <summary>A scalar's text (or a mapping key), or an alias's anchor name.</summary>
    string? Text { get; }

    /// <summary>The anchor a YAML node defines (<c>&amp;name</c>), if any.</summary>
    string? Anchor { get; }

    /// <summary>1-based line of the event; 0 when unknown.</summary>
    int Line { get; }

    /// <summary>The current scalar as a typed JSON value (null for a null scalar).</summary>
    JsonNode? ScalarValue();
}

/// <summary>YAML through YamlDotNet's event parser (never its representation model, which follows alias cycles).</summary>
internal sealed partial class YamlManifestEvents : IManifestEvents
{
    private readonly TextReader _reader;
    private readonly Parser _parser;
    private ScalarStyle _style;

    public YamlManifestEvents(Stream stream)
    {
        _reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 64 * 1024);
        _parser = new Parser(_reader);
    }

    public ManifestEventKind Kind { get; private set; }

    public string? Text { get; private set; }

    public string? Anchor { get; private set; }

    public int Line { get; private set; }

    public bool MoveNext()
    {
        while (_parser.MoveNext())
        {
            var current = _parser.Current!;
            Line = (int)Math.Min(int.MaxValue, current.Start.Line);
            Anchor = current is NodeEvent { Anchor.IsEmpty: false } node ? node.Anchor.Value : null;
            Text = null;
            switch (current)
            {
                case DocumentStart:
                    Kind = ManifestEventKind.DocumentStart;
                    return true;
                case DocumentEnd:
                    Kind = ManifestEventKind.DocumentEnd;
                    return true;
                case MappingStart:
                    Kind = ManifestEventKind.MappingStart;
                    return true;
                case MappingEnd:
                    Kind = ManifestEventKind.MappingEnd;
                    return true;
                case SequenceStart:
                    Kind = ManifestEventKind.SequenceStart;
                    return true;
                case SequenceEnd:
                    Kind = ManifestEventKind.SequenceEnd;
                    return true;
                case Scalar scalar:
                    Kind = ManifestEventKind.Scalar;
                    Text = scalar.Value;
                    _style = scalar.Style;
                    return true;
                case AnchorAlias alias:
                    Kind = ManifestEventKind.Alias;
                    Text = alias.Value.Value;
                    return true;
            }
        }

        return false;
    }

    // YAML 1.2 core schema for plain scalars; quoted and block scalars are always strings.
    public JsonNode? ScalarValue()
    {
        string value = Text ?? string.Empty;
        if (_style != ScalarStyle.Plain)
        {
            return JsonValue.Create(value);
        }

        switch (value)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "true" or "True" or "TRUE":
                return JsonValue.Create(true);
            case "false" or "False" or "FALSE":
                return JsonValue.Create(false);
        }

        if (IntegerPattern().IsMatch(value) && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long integer))
        {
            return JsonValue.Create(integer);
        }

        if (FloatPattern().IsMatch(value) && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double real))
        {
            return JsonValue.Create(real);
        }

        return JsonValue.Create(value);
    }

    public void Dispose() => _reader.Dispose();

    [GeneratedRegex("^[-+]?[0-9]+$")]
    private static partial Regex IntegerPattern();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatPattern();
}

/// <summary>
/// JSON through <see cref="Utf8JsonReader"/> over a refilled buffer: one document, property names as scalar keys.
/// The buffer grows only as far as the longest single token.
/// </summary>
internal sealed class JsonManifestEvents : IManifestEvents
{
    private readonly Stream _stream;
    private readonly JsonReaderOptions _options;
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
    private int _offset;
    private int _count;
    private bool _final;
    private JsonReaderState _state;
    private int _line = 1;
    private int _phase; // 0: before the document, 1: in it, 2: after it
    private JsonTokenType _token;

    /// <param name="maxDepth">The reader's own limit, a guard behind the caller's (which reports it with a line).</param>
    public JsonManifestEvents(Stream stream, int maxDepth)
    {
        _stream = stream;
        _options = new JsonReaderOptions { MaxDepth = maxDepth };
        _state = new JsonReaderState(_options);
    }

    public ManifestEventKind Kind { get; private set; }

    public string? Text { get; private set; }

    public string? Anchor => null;

    public int Line { get; private set; }

    public bool MoveNext()
    {
        switch (_phase)
        {
            case 0:
                _phase = 1;
                Kind = ManifestEventKind.DocumentStart;
                Line = 1;
                return true;
            case 2:
                return false;
        }

        while (true)
        {
            var reader = new Utf8JsonReader(_buffer.AsSpan(_offset, _count), _final, _state);
            if (reader.Read())
            {
                var window = _buffer.AsSpan(_offset, _count);
                _line += window[..(int)reader.TokenStartIndex].Count((byte)'\n');
                Line = _line;
                Capture(ref reader);
                Consume(ref reader, countLines: false);
                return true;
            }

            Consume(ref reader, countLines: true);
            if (_final)
            {
                _phase = 2;
                Kind = ManifestEventKind.DocumentEnd;
                Line = _line;
                return true;
            }

            Refill();
        }
    }

    public JsonNode? ScalarValue() => _token switch
    {
        JsonTokenType.String or JsonTokenType.PropertyName => JsonValue.Create(Text),
        JsonTokenType.True => JsonValue.Create(true),
        JsonTokenType.False => JsonValue.Create(false),
        JsonTokenType.Number when long.TryParse(Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long integer) => JsonValue.Create(integer),
        JsonTokenType.Number when decimal.TryParse(Text, NumberStyles.Float, CultureInfo.InvariantCulture, out decimal exact) && !Text!.Contains('e', StringComparison.OrdinalIgnoreCase) => JsonValue.Create(exact),
        JsonTokenType.Number => JsonValue.Create(double.Parse(Text!, NumberStyles.Float, CultureInfo.InvariantCulture)),
        _ => null,
    };

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = Array.Empty<byte>();
    }

    private void Capture(ref Utf8JsonReader reader)
    {
        _token = reader.TokenType;
        Text = null;
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                Kind = ManifestEventKind.MappingStart;
                break;
            case JsonTokenType.EndObject:
                Kind = ManifestEventKind.MappingEnd;
                break;
            case JsonTokenType.StartArray:
                Kind = ManifestEventKind.SequenceStart;
                break;
            case JsonTokenType.EndArray:
                Kind = ManifestEventKind.SequenceEnd;
                break;
            case JsonTokenType.PropertyName or JsonTokenType.String:
                Kind = ManifestEventKind.Scalar;
                Text = reader.GetString();
                break;
            case JsonTokenType.Number:
                Kind = ManifestEventKind.Scalar;
                Text = Encoding.UTF8.GetString(reader.ValueSpan);
                break;
            default: // true, false, null (comments are refused by the reader's options)
                Kind = ManifestEventKind.Scalar;
                break;
        }
    }

    private void Consume(ref Utf8JsonReader reader, bool countLines)
    {
        int consumed = (int)reader.BytesConsumed;
        if (countLines)
        {
            _line += _buffer.AsSpan(_offset, consumed).Count((byte)'\n');
        }

        _offset += consumed;
        _count -= consumed;
        _state = reader.CurrentState;
    }

    private void Refill()
    {
        if (_offset > 0)
        {
            Buffer.BlockCopy(_buffer, _offset, _buffer, 0, _count);
            _offset = 0;
        }

        if (_count == _buffer.Length)
        {
            // One token longer than the buffer (a large base64 value): grow to hold it.
            byte[] larger = ArrayPool<byte>.Shared.Rent(_buffer.Length * 2);
            Buffer.BlockCopy(_buffer, 0, larger, 0, _count);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }

        int read = _stream.Read(_buffer, _count, _buffer.Length - _count);
        if (read == 0)
        {
            _final = true;
        }

        _count += read;
    }
}
