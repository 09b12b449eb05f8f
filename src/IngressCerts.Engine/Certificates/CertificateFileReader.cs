using System.Buffers;
using System.Formats.Asn1;

namespace IngressCerts.Engine.Certificates;

/// <summary>The certificates read from one file, and what was wrong with it.</summary>
internal sealed record CertificateFileContent(IReadOnlyList<CertificateInfo> Certificates, IReadOnlyList<CertificateFinding> Problems);

/// <summary>
/// Reads every certificate from PEM text (any order, CRLF, text around the blocks) or from a
/// single DER certificate. Certificates come back without private keys.
/// </summary>
internal static class CertificateFileReader
{
    /// <param name="data">The file's bytes.</param>
    /// <param name="source">What to call the file in messages, e.g. "tls.crt".</param>
    /// <param name="problemStatus">The status problems impose (InvalidSecret for tls.crt, a note for ca.crt).</param>
    /// <param name="cache">Certificates already decoded in this scan, shared by content; null decodes every one.</param>
    /// <param name="keyName">Where the key belongs instead, as messages name it ("tls.key").</param>
    public static CertificateFileContent Read(ReadOnlySpan<byte> data, string source, CertificateStatus problemStatus, CertificateCache? cache = null,
        string keyName = TlsSecretParser.PrivateKeyDataKey)
    {
        var certificates = new List<CertificateInfo>(3);
        var problems = new List<CertificateFinding>();
        if (PrivateKeyReader.IsBlank(data))
        {
            problems.Add(new(FindingIds.MissingCertificate, problemStatus, $"{source} is empty"));
            return new(certificates, problems);
        }

        if (!PemScanner.ContainsPem(data))
        {
            ReadDer(data, source, problemStatus, certificates, problems, cache);
            return new(certificates, problems);
        }

        var scan = PemScanner.Scan(data);
        var index = 0;
        for (var i = 0; i < scan.Blocks.Count; i++)
        {
            var block = scan.Blocks[i];
            if (block.Label.EndsWith("PRIVATE KEY", StringComparison.Ordinal))
            {
                // Not decoded: a key has no business here, and its bytes must not travel further.
                problems.Add(new(
                    FindingIds.KeyInCertificateFile,
                    CertificateStatus.Valid,
                    $"{source} also holds a private key ({block.Label}); it belongs in {keyName} only"));
                continue;
            }

            if (block.Label != "CERTIFICATE")
            {
                continue;
            }

            index++;
            var certificate = Read(data, block, cache);
            if (certificate is null)
            {
                problems.Add(new(
                    FindingIds.UndecodableCertificate,
                    problemStatus,
                    $"{source}: CERTIFICATE block #{index} is not a valid X.509 certificate"));
                continue;
            }

            certificates.Add(certificate);
        }

        if (scan.HasBrokenBlock)
        {
            problems.Add(new(FindingIds.UndecodableCertificate, problemStatus, $"{source} holds a broken PEM block (BEGIN without a matching END)"));
        }
        else if (index == 0)
        {
            var labels = scan.Blocks.Select(b => b.Label).Distinct().ToList();
            problems.Add(new(
                FindingIds.NotACertificate,
                problemStatus,
                labels.Count == 0 ? $"{source} holds no certificate" : $"{source} holds no certificate (found: {string.Join(", ", labels)})"));
        }

        return new(certificates, problems);
    }

    private static void ReadDer(
        ReadOnlySpan<byte> data,
        string source,
        CertificateStatus problemStatus,
        List<CertificateInfo> certificates,
        List<CertificateFinding> problems,
        CertificateCache? cache)
    {
        // Only a lone certificate counts as DER here: the X509Certificate2 constructor would also
        // take a PFX or PKCS#7, neither of which an ingress controller reads from a secret.
        var bytes = data.ToArray();
        var certificate = LooksLikeCertificate(bytes) ? (cache is null ? CertificateInfo.TryRead(bytes) : cache.GetOrRead(bytes)) : null;
        if (certificate is not null)
        {
            certificates.Add(certificate);
            return;
        }

        var hint = LooksBase64EncodedTwice(data) ? " (it looks base64-encoded twice)" : string.Empty;
        problems.Add(new(FindingIds.UndecodableCertificate, problemStatus, $"{source} is neither PEM nor a DER certificate{hint}"));
    }

    /// <summary>
    /// Certificate ::= SEQUENCE { tbsCertificate SEQUENCE, ... }, where a PFX starts with an
    /// INTEGER and PKCS#7 with an OID. Read with AsnReader: the platform's content-type probe
    /// throws on some malformed input.
    /// </summary>
    private static bool LooksLikeCertificate(byte[] bytes)
    {
        try
        {
            var certificate = new AsnReader(bytes, AsnEncodingRules.BER).ReadSequence();
            return certificate.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence);
        }
        catch (AsnContentException)
        {
            return false;
        }
    }

    /// <summary>One CERTIFICATE block; decoded into a pooled buffer, since a cache hit needs no copy of it.</summary>
    private static CertificateInfo? Read(ReadOnlySpan<byte> data, PemBlock block, CertificateCache? cache)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(PemScanner.MaxDecodedLength(block));
        try
        {
            if (!PemScanner.TryDecode(data, block, buffer, out var written))
            {
                return null;
            }

            var der = buffer.AsSpan(0, written);
            return cache is null ? CertificateInfo.TryReadCopy(der) : cache.GetOrRead(der);
        }
        finally
        {
            // Cleared: only CERTIFICATE blocks come here, but a key pasted under that label must not linger in the pool.
            ArrayPool<byte>.Shared.Return(buffer, clearArray: true);
        }
    }

    /// <summary>"LS0tLS1CRUdJTi" is base64 for "-----BEGIN": a secret value encoded one time too many.</summary>
    private static bool LooksBase64EncodedTwice(ReadOnlySpan<byte> data) =>
        data.TrimStart("\r\n\t "u8).StartsWith("LS0tLS1CRUdJTi"u8);
}
