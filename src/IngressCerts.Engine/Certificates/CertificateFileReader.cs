using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IngressCerts.Engine.Certificates;

/// <summary>The certificates read from one file, and what was wrong with it.</summary>
internal sealed record CertificateFileContent(IReadOnlyList<X509Certificate2> Certificates, IReadOnlyList<CertificateFinding> Problems);

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
    public static CertificateFileContent Read(ReadOnlySpan<byte> data, string source, CertificateStatus problemStatus, CertificateCache? cache = null)
    {
        var certificates = new List<X509Certificate2>(3);
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
        foreach (var block in scan.Blocks)
        {
            if (block.Label.EndsWith("PRIVATE KEY", StringComparison.Ordinal))
            {
                // Not decoded: a key has no business here, and its bytes must not travel further.
                problems.Add(new(
                    FindingIds.KeyInCertificateFile,
                    CertificateStatus.Valid,
                    $"{source} also holds a private key ({block.Label}); it belongs in tls.key only"));
                continue;
            }

            if (block.Label != "CERTIFICATE")
            {
                continue;
            }

            index++;
            var der = PemScanner.Decode(data, block);
            var certificate = der is null ? null : Load(der, cache);
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
        List<X509Certificate2> certificates,
        List<CertificateFinding> problems,
        CertificateCache? cache)
    {
        // Only a lone certificate counts as DER here: the X509Certificate2 constructor would also
        // take a PFX or PKCS#7, neither of which an ingress controller reads from a secret.
        var bytes = data.ToArray();
        var certificate = LooksLikeCertificate(bytes) ? Load(bytes, cache) : null;
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

    private static X509Certificate2? Load(byte[] der, CertificateCache? cache) =>
        cache is null ? TryLoad(der) : cache.GetOrLoad(der, TryLoad);

    private static X509Certificate2? TryLoad(byte[] der)
    {
        try
        {
            return new X509Certificate2(der);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    /// <summary>"LS0tLS1CRUdJTi" is base64 for "-----BEGIN": a secret value encoded one time too many.</summary>
    private static bool LooksBase64EncodedTwice(ReadOnlySpan<byte> data) =>
        data.TrimStart("\r\n\t "u8).StartsWith("LS0tLS1CRUdJTi"u8);
}
