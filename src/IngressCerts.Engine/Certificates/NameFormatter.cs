using System.Buffers;
using System.Collections.Concurrent;
using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;

namespace IngressCerts.Engine.Certificates;

/// <summary>
/// An encoded X.500 name as the text <see cref="X500DistinguishedName.Name"/> gives (the RDNs last first, ", " between
/// them, " + " within one, "CN=" and the like from the platform's OID names, values quoted where the platform quotes
/// them), written from the encoding into one string. Through <see cref="X500DistinguishedName"/> each distinct leaf's
/// Subject cost about 800 bytes of objects on top of the string; a scan of 10,000 distinct leaves makes 10,000.
/// </summary>
/// <remarks>
/// Only character-string values are written here (those the platform reads as text, with the same decoder call); a name
/// with any other value (which the platform writes as hex), one that does not decode, or a very long one is left to
/// the platform: <see cref="TryFormat"/> returns null.
/// </remarks>
internal static class NameFormatter
{
    private const int MaxLength = 512;
    private const int MaxRdns = 32;
    private const int MaxCachedTypes = 64;

    // What the platform quotes a value for (besides an empty value and one that starts or ends with whitespace).
    private static readonly SearchValues<char> NeedsQuotingChars = SearchValues.Create(",+=\"\n<>#;");

    // "CN=", "O=", "OID.1.2.3=": the platform's friendly name of each attribute type, asked once per type.
    private static readonly ConcurrentDictionary<string, string> Prefixes = new(StringComparer.Ordinal);

    /// <summary>The text of <paramref name="encodedName"/>; null when the platform should make it.</summary>
    public static string? TryFormat(ReadOnlySpan<byte> encodedName)
    {
        try
        {
            var outer = new SpanAsnReader(encodedName, AsnEncodingRules.DER);
            var names = outer.ReadSequence();
            outer.ThrowIfNotEmpty();
            Span<Range> rdns = stackalloc Range[MaxRdns];
            var count = 0;
            while (names.HasData)
            {
                if (count == MaxRdns)
                {
                    return null;
                }

                rdns[count++] = names.ReadEncodedValue();
            }

            Span<char> text = stackalloc char[MaxLength];
            var length = 0;
            for (var i = count - 1; i >= 0; i--)
            {
                if (i != count - 1 && !Append(text, ref length, ", "))
                {
                    return null;
                }

                // As the platform reads a multi-valued RDN: in its encoded order, sorted or not.
                var set = new SpanAsnReader(encodedName, AsnEncodingRules.DER, rdns[i]).ReadSetOf(skipSortOrderValidation: true);
                var first = true;
                while (set.HasData)
                {
                    var attribute = set.ReadSequence();
                    var type = attribute.ReadObjectIdentifier();
                    if ((!first && !Append(text, ref length, " + ")) || !Append(text, ref length, Prefix(type)) || !AppendValue(ref attribute, text, ref length))
                    {
                        return null;
                    }

                    attribute.ThrowIfNotEmpty();
                    first = false;
                }
            }

            return new string(text[..length]);
        }
        catch (AsnContentException)
        {
            return null;
        }
    }

    /// <summary>A character-string value, quoted as the platform quotes it; false for any other value or when the text is full.</summary>
    private static bool AppendValue(ref SpanAsnReader attribute, scoped Span<char> text, ref int length)
    {
        var tag = attribute.PeekTag();
        if (tag.TagClass != TagClass.Universal || (UniversalTagNumber)tag.TagValue is not (UniversalTagNumber.BMPString or UniversalTagNumber.IA5String
            or UniversalTagNumber.NumericString or UniversalTagNumber.PrintableString or UniversalTagNumber.UTF8String or UniversalTagNumber.T61String))
        {
            return false;
        }

        Span<char> decoded = stackalloc char[MaxLength];
        if (!attribute.TryReadCharacterString(decoded, (UniversalTagNumber)tag.TagValue, out var written))
        {
            return false;
        }

        // The platform trims trailing NULs (an embedded terminator would make names compare unequal).
        ReadOnlySpan<char> value = decoded[..written].TrimEnd('\0');
        if (!NeedsQuoting(value))
        {
            return Append(text, ref length, value);
        }

        if (!Append(text, ref length, "\""))
        {
            return false;
        }

        // A quote within a quoted value is doubled.
        foreach (var c in value)
        {
            if ((c == '"' && !Append(text, ref length, "\"\"")) || (c != '"' && !Append(text, ref length, new ReadOnlySpan<char>(in c))))
            {
                return false;
            }
        }

        return Append(text, ref length, "\"");
    }

    private static bool NeedsQuoting(ReadOnlySpan<char> value) =>
        value.IsEmpty || IsQuotableWhitespace(value[0]) || IsQuotableWhitespace(value[^1]) || value.ContainsAny(NeedsQuotingChars);

    // Space, tab, LF, vertical tab, form feed, CR: what the platform (like Windows) quotes a value for at either end.
    private static bool IsQuotableWhitespace(char c) => c == ' ' || (c >= '\t' && c <= '\r');

    private static string Prefix(string type)
    {
        if (Prefixes.TryGetValue(type, out var prefix))
        {
            return prefix;
        }

        var friendlyName = new System.Security.Cryptography.Oid(type).FriendlyName;
        prefix = (string.IsNullOrEmpty(friendlyName) || friendlyName == type ? "OID." + type : friendlyName) + "=";

        // Names in certificates use a handful of types; an odd fleet's others are asked for each time.
        if (Prefixes.Count < MaxCachedTypes)
        {
            Prefixes.TryAdd(type, prefix);
        }

        return prefix;
    }

    private static bool Append(Span<char> text, ref int length, ReadOnlySpan<char> part)
    {
        if (!part.TryCopyTo(text[length..]))
        {
            return false;
        }

        length += part.Length;
        return true;
    }
}
