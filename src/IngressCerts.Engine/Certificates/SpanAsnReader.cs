using System.Formats.Asn1;

namespace IngressCerts.Engine.Certificates;

/// <summary>
/// <see cref="AsnReader"/>'s reading, on a span and without an object per level: every read is the same
/// <see cref="AsnDecoder"/> call that <see cref="AsnReader"/> makes, so what is accepted and refused is the same. A scan
/// reads thousands of distinct certificates and keys, and an <see cref="AsnReader"/> per nested structure was about 30
/// objects per Secret. Positions are offsets into the span the reader was made on, so that a caller holding the
/// underlying array can keep slices of it (<see cref="ReadEncodedValue"/>).
/// </summary>
internal ref struct SpanAsnReader
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly AsnEncodingRules _rules;
    private readonly int _end;
    private int _position;

    public SpanAsnReader(ReadOnlySpan<byte> data, AsnEncodingRules rules)
        : this(data, rules, 0, data.Length)
    {
    }

    /// <summary>A reader of the values within <paramref name="range"/> of <paramref name="data"/>, whose offsets stay those of <paramref name="data"/>.</summary>
    public SpanAsnReader(ReadOnlySpan<byte> data, AsnEncodingRules rules, Range range)
        : this(data, rules, range.GetOffsetAndLength(data.Length).Offset, range.GetOffsetAndLength(data.Length).Length)
    {
    }

    private SpanAsnReader(ReadOnlySpan<byte> data, AsnEncodingRules rules, int start, int length)
    {
        _data = data;
        _rules = rules;
        _position = start;
        _end = start + length;
    }

    public readonly bool HasData => _position < _end;

    private readonly ReadOnlySpan<byte> Remaining => _data[_position.._end];

    /// <exception cref="AsnContentException">Something is left.</exception>
    public readonly void ThrowIfNotEmpty()
    {
        if (HasData)
        {
            throw new AsnContentException();
        }
    }

    public readonly Asn1Tag PeekTag() => Asn1Tag.Decode(Remaining, out _);

    /// <summary>Reads a SEQUENCE (or a constructed value of <paramref name="tag"/>): a reader of its contents.</summary>
    public SpanAsnReader ReadSequence(Asn1Tag? tag = null)
    {
        AsnDecoder.ReadSequence(Remaining, _rules, out var contentOffset, out var contentLength, out var consumed, tag);
        var contents = new SpanAsnReader(_data, _rules, _position + contentOffset, contentLength);
        _position += consumed;
        return contents;
    }

    /// <summary>Reads a SET OF: a reader of its contents.</summary>
    public SpanAsnReader ReadSetOf(bool skipSortOrderValidation = false)
    {
        AsnDecoder.ReadSetOf(Remaining, _rules, out var contentOffset, out var contentLength, out var consumed, skipSortOrderValidation);
        var contents = new SpanAsnReader(_data, _rules, _position + contentOffset, contentLength);
        _position += consumed;
        return contents;
    }

    /// <summary>Skips the next value, tag and length included; returns where it lies in the reader's span.</summary>
    public Range ReadEncodedValue()
    {
        AsnDecoder.ReadEncodedValue(Remaining, _rules, out _, out _, out var consumed);
        var range = new Range(_position, _position + consumed);
        _position += consumed;
        return range;
    }

    public ReadOnlySpan<byte> ReadIntegerBytes(Asn1Tag? tag = null)
    {
        var value = AsnDecoder.ReadIntegerBytes(Remaining, _rules, out var consumed, tag);
        _position += consumed;
        return value;
    }

    public bool TryReadInt32(out int value)
    {
        if (AsnDecoder.TryReadInt32(Remaining, _rules, out value, out var consumed))
        {
            _position += consumed;
            return true;
        }

        return false;
    }

    public bool ReadBoolean() => Advance(AsnDecoder.ReadBoolean(Remaining, _rules, out var consumed), consumed);

    public string ReadObjectIdentifier() => Advance(AsnDecoder.ReadObjectIdentifier(Remaining, _rules, out var consumed), consumed);

    /// <summary>A UTCTime or, when the next value is none, a GeneralizedTime (as X.509's Time is either).</summary>
    public DateTimeOffset ReadTime() =>
        PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime)
            ? Advance(AsnDecoder.ReadUtcTime(Remaining, _rules, out var utc), utc)
            : Advance(AsnDecoder.ReadGeneralizedTime(Remaining, _rules, out var generalized), generalized);

    public string ReadCharacterString(UniversalTagNumber encodingType, Asn1Tag? tag = null) => Advance(AsnDecoder.ReadCharacterString(Remaining, _rules, encodingType, out var consumed, tag), consumed);

    /// <summary>A character string decoded into <paramref name="destination"/>; false (nothing read) when it does not fit.</summary>
    public bool TryReadCharacterString(scoped Span<char> destination, UniversalTagNumber encodingType, out int charsWritten)
    {
        if (AsnDecoder.TryReadCharacterString(Remaining, destination, _rules, encodingType, out var consumed, out charsWritten))
        {
            _position += consumed;
            return true;
        }

        return false;
    }

    public byte[] ReadOctetString(Asn1Tag? tag = null) => Advance(AsnDecoder.ReadOctetString(Remaining, _rules, out var consumed, tag), consumed);

    public byte[] ReadBitString(out int unusedBitCount) => Advance(AsnDecoder.ReadBitString(Remaining, _rules, out unusedBitCount, out var consumed), consumed);

    /// <summary>A primitive OCTET STRING's contents, without a copy; false (nothing read) when it is constructed.</summary>
    public bool TryReadPrimitiveOctetString(out ReadOnlySpan<byte> contents, Asn1Tag? tag = null)
    {
        if (AsnDecoder.TryReadPrimitiveOctetString(Remaining, _rules, out contents, out var consumed, tag))
        {
            _position += consumed;
            return true;
        }

        return false;
    }

    /// <summary>
    /// A primitive BIT STRING: where its contents lie in the reader's span (they end its encoding); false (nothing read)
    /// when it is constructed.
    /// </summary>
    public bool TryReadPrimitiveBitString(out int unusedBitCount, out Range contents)
    {
        if (AsnDecoder.TryReadPrimitiveBitString(Remaining, _rules, out unusedBitCount, out var value, out var consumed))
        {
            _position += consumed;
            contents = new Range(_position - value.Length, _position);
            return true;
        }

        contents = default;
        return false;
    }

    private T Advance<T>(T value, int consumed)
    {
        _position += consumed;
        return value;
    }
}
