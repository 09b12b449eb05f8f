namespace IngressCerts.Engine.Certificates;

/// <summary>
/// Reads the data of a <c>kubernetes.io/tls</c> secret (values already base64-decoded by the
/// Kubernetes client) into a <see cref="ParsedTlsSecret"/>. Never throws for bad content:
/// whatever is wrong becomes a finding.
/// </summary>
public static class TlsSecretParser
{
    public const string CertificateDataKey = "tls.crt";
    public const string PrivateKeyDataKey = "tls.key";
    public const string CaDataKey = "ca.crt";

    /// <summary>Parses a secret's data map (as <c>V1Secret.Data</c> holds it).</summary>
    public static ParsedTlsSecret Parse(IDictionary<string, byte[]>? data, CertificateCache? cache = null) =>
        Parse(CertificateOf(data), KeyOf(data), Value(data, CaDataKey, GenericCaDataKey), cache);

    /// <summary>
    /// Whether the certificate and key are read from the generic cert and key: only when neither tls.crt nor tls.key is
    /// there. A certificate and its key come from one pair, never one of each (no controller pairs tls.crt with key).
    /// </summary>
    public static bool ReadsGenericPair(IDictionary<string, byte[]>? data) =>
        data is not null && !data.ContainsKey(CertificateDataKey) && !data.ContainsKey(PrivateKeyDataKey)
        && (data.ContainsKey(GenericCertificateDataKey) || data.ContainsKey(GenericPrivateKeyDataKey));

    private static byte[]? CertificateOf(IDictionary<string, byte[]>? data) =>
        Value(data, ReadsGenericPair(data) ? GenericCertificateDataKey : CertificateDataKey);

    private static byte[]? KeyOf(IDictionary<string, byte[]>? data) =>
        Value(data, ReadsGenericPair(data) ? GenericPrivateKeyDataKey : PrivateKeyDataKey);

    /// <summary>The keys of the generic Secrets Istio also accepts (cert, key, cacert), read when the tls.* ones are absent (see <see cref="ReadsGenericPair"/>).</summary>
    public const string GenericCertificateDataKey = "cert";
    public const string GenericPrivateKeyDataKey = "key";
    public const string GenericCaDataKey = "cacert";

    private static byte[]? Value(IDictionary<string, byte[]>? data, string key, string? generic = null) =>
        data is null ? null : data.TryGetValue(key, out var value) ? value : generic is not null && data.TryGetValue(generic, out var other) ? other : null;

    /// <summary>
    /// Parses a secret's data map and, when tls.key has the leaf's public key, proves that it is the leaf's working
    /// private key with a signature (see <see cref="KeyPossession"/>). Slower than <see cref="Parse(IDictionary{string, byte[]}, CertificateCache)"/>:
    /// for testing one secret, not for scanning thousands.
    /// </summary>
    internal static ParsedTlsSecret ParseProvingKey(IDictionary<string, byte[]>? data)
    {
        byte[]? tlsKey = KeyOf(data);
        var parsed = Parse(data);
        if (tlsKey is null || parsed.KeyMatchesLeaf != true || parsed.Ordered is not { } ordered)
        {
            return parsed;
        }

        var problem = KeyPossession.Check(tlsKey, ordered.Leaf.Certificate);
        return problem is null
            ? parsed
            : new ParsedTlsSecret(parsed.CertificateInfos, ordered, parsed.Key, parsed.CaCertificateInfos, parsed.Problems, problem);
    }

    /// <summary>Parses the three values of a TLS secret; null means the entry is absent.</summary>
    /// <remarks>The caller's buffers are not changed; the caller should wipe <paramref name="tlsKey"/> when done.</remarks>
    public static ParsedTlsSecret Parse(byte[]? tlsCrt, byte[]? tlsKey, byte[]? caCrt = null) => Parse(tlsCrt, tlsKey, caCrt, cache: null);

    /// <summary>Like <see cref="Parse(byte[], byte[], byte[])"/>, sharing decoded certificates through <paramref name="cache"/>.</summary>
    public static ParsedTlsSecret Parse(byte[]? tlsCrt, byte[]? tlsKey, byte[]? caCrt, CertificateCache? cache)
    {
        var problems = new List<CertificateFinding>();

        IReadOnlyList<CertificateInfo> certificates = [];
        if (tlsCrt is null)
        {
            problems.Add(new(FindingIds.MissingCertificate, CertificateStatus.InvalidSecret, "the secret has no tls.crt"));
        }
        else
        {
            var content = Read(tlsCrt, CertificateDataKey, CertificateStatus.InvalidSecret, cache);
            certificates = content.Certificates;
            problems.AddRange(content.Problems);
        }

        PublicKeyIdentity? key = null;
        if (tlsKey is null)
        {
            problems.Add(new(FindingIds.MissingKey, CertificateStatus.InvalidSecret, "the secret has no tls.key"));
        }
        else
        {
            using var read = PrivateKeyReader.Read(tlsKey, PrivateKeyDataKey, keepPkcs8: false);
            key = read.PublicKey;
            if (read.Problem is not null)
            {
                problems.Add(read.Problem);
            }
        }

        IReadOnlyList<CertificateInfo> caCertificates = [];
        if (caCrt is not null && !PrivateKeyReader.IsBlank(caCrt))
        {
            // ca.crt only matters to controllers for client-certificate authentication; a broken one
            // does not stop the server certificate from being served, so it is a note.
            var content = Read(caCrt, CaDataKey, CertificateStatus.Valid, cache);
            caCertificates = content.Certificates;
            problems.AddRange(content.Problems.Select(p =>
                p.Id == FindingIds.KeyInCertificateFile ? p : p with { Id = FindingIds.UnreadableCaCertificate }));
        }

        var ordered = certificates.Count == 0 ? null : ChainOrdering.Order(certificates, key);
        return new ParsedTlsSecret(certificates, ordered, key, caCertificates, problems);
    }

    private static CertificateFileContent Read(byte[] data, string source, CertificateStatus problemStatus, CertificateCache? cache) =>
        cache is null ? CertificateFileReader.Read(data, source, problemStatus) : cache.GetOrReadFile(data, source, problemStatus);
}
