using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace IngressCerts.Engine.Certificates;

/// <summary>Where one PEM block lies in the scanned bytes.</summary>
/// <param name="Label">The label between <c>-----BEGIN </c> and <c>-----</c>, e.g. <c>CERTIFICATE</c>.</param>
/// <param name="ContentStart">Offset of the first byte after the BEGIN line's dashes.</param>
/// <param name="ContentEnd">Offset of the END line's first dash.</param>
/// <param name="HasEncryptedHeader">An RFC 1421 <c>Proc-Type: 4,ENCRYPTED</c> header precedes the body.</param>
internal readonly record struct PemBlock(string Label, int ContentStart, int ContentEnd, bool HasEncryptedHeader);

/// <summary>The PEM blocks found in some bytes, and whether a block was left broken.</summary>
/// <param name="Blocks">Well-formed blocks in the order they appear.</param>
/// <param name="HasBrokenBlock">A BEGIN line without its END line, or with an END line of another label.</param>
internal sealed record PemScan(IReadOnlyList<PemBlock> Blocks, bool HasBrokenBlock)
{
    public bool IsEmpty => Blocks.Count == 0 && !HasBrokenBlock;
}

/// <summary>
/// Finds and decodes PEM blocks in raw bytes. Works on bytes rather than a string so that a
/// private key's text is never copied into an immutable string that cannot be wiped; text
/// around and between blocks (openssl's <c>subject=</c> lines, "Bag Attributes") is skipped,
/// and CRLF line endings are fine.
/// </summary>
internal static class PemScanner
{
    private static ReadOnlySpan<byte> BeginMarker => "-----BEGIN "u8;
    private static ReadOnlySpan<byte> EndMarker => "-----END "u8;
    private static ReadOnlySpan<byte> Dashes => "-----"u8;
    private static ReadOnlySpan<byte> ProcType => "Proc-Type:"u8;
    private static ReadOnlySpan<byte> Encrypted => "ENCRYPTED"u8;

    /// <summary>True when the bytes contain a PEM BEGIN line at all.</summary>
    public static bool ContainsPem(ReadOnlySpan<byte> data) => data.IndexOf(BeginMarker) >= 0;

    public static PemScan Scan(ReadOnlySpan<byte> data)
    {
        var blocks = new List<PemBlock>(4);
        var broken = false;
        var position = 0;
        while (position < data.Length)
        {
            var begin = data[position..].IndexOf(BeginMarker);
            if (begin < 0)
            {
                break;
            }

            var labelStart = position + begin + BeginMarker.Length;
            var labelLength = data[labelStart..].IndexOf(Dashes);
            if (labelLength < 0 || !IsLabel(data.Slice(labelStart, labelLength)))
            {
                // "-----BEGIN " followed by something that is no label: not a block, keep looking.
                position = labelStart;
                continue;
            }

            var label = data.Slice(labelStart, labelLength);
            var contentStart = labelStart + labelLength + Dashes.Length;
            var endOffset = data[contentStart..].IndexOf(EndMarker);
            if (endOffset < 0)
            {
                broken = true;
                break;
            }

            var contentEnd = contentStart + endOffset;
            var endLabelStart = contentEnd + EndMarker.Length;
            var rest = data[endLabelStart..];
            if (!rest.StartsWith(label) || !rest[label.Length..].StartsWith(Dashes))
            {
                broken = true;
                position = endLabelStart;
                continue;
            }

            var content = data[contentStart..contentEnd];
            blocks.Add(new PemBlock(LabelText(label), contentStart, contentEnd, HasEncryptedHeader(content)));
            position = endLabelStart + label.Length + Dashes.Length;
        }

        return new PemScan(blocks, broken);
    }

    /// <summary>The most bytes <see cref="TryDecode"/> may write for <paramref name="block"/>.</summary>
    public static int MaxDecodedLength(PemBlock block) => Base64.GetMaxDecodedFromUtf8Length(block.ContentEnd - block.ContentStart);

    /// <summary>
    /// Decodes a block's body into <paramref name="destination"/> (at least <see cref="MaxDecodedLength"/> bytes) without
    /// allocating in the usual case; false when the body is not base64.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> data, PemBlock block, Span<byte> destination, out int written)
    {
        var content = data[block.ContentStart..block.ContentEnd];
        if (IsPlainBase64Body(content))
        {
            return TryDecodePlain(content, destination, out written);
        }

        var decoded = DecodeWithHeaders(content);
        if (decoded is null)
        {
            written = 0;
            return false;
        }

        decoded.CopyTo(destination);
        written = decoded.Length;
        CryptographicOperations.ZeroMemory(decoded); // it may have held a key
        return true;
    }

    // Base64.DecodeFromUtf8 skips ' ', '\t', '\r' and '\n' itself (since .NET 8); header lines and the rarer
    // whitespace take the line-by-line way.
    private static bool IsPlainBase64Body(ReadOnlySpan<byte> content) => content.IndexOfAny((byte)':', (byte)'\v', (byte)'\f') < 0;

    private static bool TryDecodePlain(ReadOnlySpan<byte> content, Span<byte> destination, out int written)
    {
        var status = Base64.DecodeFromUtf8(content, destination, out var consumed, out written);
        return status == System.Buffers.OperationStatus.Done && consumed == content.Length && written > 0;
    }

    private static byte[]? DecodeWithHeaders(ReadOnlySpan<byte> content)
    {
        var base64 = new byte[content.Length];
        try
        {
            var length = 0;
            var remaining = content;
            while (!remaining.IsEmpty)
            {
                var lineEnd = remaining.IndexOf((byte)'\n');
                var line = lineEnd < 0 ? remaining : remaining[..lineEnd];
                remaining = lineEnd < 0 ? default : remaining[(lineEnd + 1)..];
                if (line.IndexOf((byte)':') >= 0)
                {
                    continue;
                }

                foreach (var b in line)
                {
                    if (b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\v' or (byte)'\f')
                    {
                        continue;
                    }

                    if (!IsBase64Byte(b))
                    {
                        return null;
                    }

                    base64[length++] = b;
                }
            }

            if (length == 0 || length % 4 != 0)
            {
                return null;
            }

            var padding = base64[length - 1] == '=' ? (base64[length - 2] == '=' ? 2 : 1) : 0;
            var decoded = new byte[(length / 4 * 3) - padding];
            var status = Base64.DecodeFromUtf8(base64.AsSpan(0, length), decoded, out _, out var written);
            if (status != System.Buffers.OperationStatus.Done || written != decoded.Length)
            {
                CryptographicOperations.ZeroMemory(decoded);
                return null;
            }

            return decoded;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(base64);
        }
    }

    /// <summary>The label as text; the usual ones without allocating (every Secret of a scan has three blocks).</summary>
    private static string LabelText(ReadOnlySpan<byte> label) =>
        label.SequenceEqual("CERTIFICATE"u8) ? "CERTIFICATE"
        : label.SequenceEqual("PRIVATE KEY"u8) ? "PRIVATE KEY"
        : label.SequenceEqual("EC PRIVATE KEY"u8) ? "EC PRIVATE KEY"
        : label.SequenceEqual("RSA PRIVATE KEY"u8) ? "RSA PRIVATE KEY"
        : Encoding.ASCII.GetString(label);

    private static bool IsLabel(ReadOnlySpan<byte> label)
    {
        // RFC 7468 labels are printable ASCII on the BEGIN line; a line break means this is no label.
        foreach (var b in label)
        {
            if (b < 0x20 || b > 0x7E)
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsBase64Byte(byte b) =>
        b is >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z' or >= (byte)'0' and <= (byte)'9'
            or (byte)'+' or (byte)'/' or (byte)'=';

    private static bool HasEncryptedHeader(ReadOnlySpan<byte> content)
    {
        var procType = content.IndexOf(ProcType);
        if (procType < 0)
        {
            return false;
        }

        var line = content[procType..];
        var lineEnd = line.IndexOf((byte)'\n');
        if (lineEnd >= 0)
        {
            line = line[..lineEnd];
        }

        return line.IndexOf(Encrypted) >= 0;
    }
}
