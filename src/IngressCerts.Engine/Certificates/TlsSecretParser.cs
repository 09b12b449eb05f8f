namespace IngressCerts.Engine.Certificates;

/// <summary>
/// Reads the data of a <c>kubernetes.io/tls</c> secret (values already base64-decoded by the
/// Kubernetes client) into a <see cref="ParsedTlsSecret"/>. Never throws for bad content:
/// whatever is wrong becomes a finding, naming the field the data came from.
/// </summary>
public static class TlsSecretParser
{
    public const string CertificateDataKey = "tls.crt";
    public const string PrivateKeyDataKey = "tls.key";
    public const string CaDataKey = "ca.crt";

    /// <summary>The keys of the generic Secrets Istio reads (cert, key, cacert): see <see cref="SecretReading.Istio"/>.</summary>
    public const string GenericCertificateDataKey = "cert";
    public const string GenericPrivateKeyDataKey = "key";
    public const string GenericCaDataKey = "cacert";

    /// <summary>Parses a secret's data map (as <c>V1Secret.Data</c> holds it) as no controller in particular reads it (<see cref="SecretReading.Unspecified"/>).</summary>
    public static ParsedTlsSecret Parse(IDictionary<string, byte[]>? data, CertificateCache? cache = null) =>
        Parse(data, SecretReading.Unspecified, cache);

    /// <summary>Parses a secret's data map as the controller of <paramref name="reading"/> reads it.</summary>
    /// <param name="names">The fields the values came from when the map is not a Secret's (an inline certificate copied to tls.* keys); null: the keys read.</param>
    public static ParsedTlsSecret Parse(IDictionary<string, byte[]>? data, SecretReading reading, CertificateCache? cache = null, SecretFields? names = null)
    {
        var selected = Select(data, reading);
        return Parse(selected.Certificate, selected.Key, selected.Ca, cache, names ?? selected.Fields, selected.NoPair);
    }

    /// <summary>
    /// Whether the certificate and key are read from the generic cert and key when no controller is known: only when
    /// neither tls.crt nor tls.key is there. A certificate and its key come from one pair, never one of each (no
    /// controller pairs tls.crt with key).
    /// </summary>
    public static bool ReadsGenericPair(IDictionary<string, byte[]>? data) =>
        data is not null && !data.ContainsKey(CertificateDataKey) && !data.ContainsKey(PrivateKeyDataKey)
        && (data.ContainsKey(GenericCertificateDataKey) || data.ContainsKey(GenericPrivateKeyDataKey));

    /// <summary>The fields <paramref name="reading"/> takes the certificate, key and CA bundle of <paramref name="data"/> from.</summary>
    public static SecretFields FieldsOf(IDictionary<string, byte[]>? data, SecretReading reading) => Select(data, reading).Fields;

    /// <param name="NoPair">For Istio, which serves nothing unless one pair has both values: why there is none; else null.</param>
    private readonly record struct Selection(byte[]? Certificate, byte[]? Key, byte[]? Ca, SecretFields Fields, string? NoPair = null);

    private static Selection Select(IDictionary<string, byte[]>? data, SecretReading reading)
    {
        switch (reading)
        {
            case SecretReading.Tls:
                return From(data, SecretFields.Tls, Value(data, CaDataKey), CaDataKey);
            case SecretReading.Istio:
                // ExtractRoot: cacert when it has a value, else ca.crt, whichever pair the certificate comes from.
                var (ca, caKey) = HasValue(data, GenericCaDataKey) ? (data![GenericCaDataKey], GenericCaDataKey)
                    : HasValue(data, CaDataKey) ? (data![CaDataKey], CaDataKey) : (null, CaDataKey);

                // ExtractCertInfo: a pair is read only when both its values are non-empty, the generic one first.
                if (HasValue(data, GenericCertificateDataKey) && HasValue(data, GenericPrivateKeyDataKey))
                {
                    return From(data, SecretFields.Generic, ca, caKey);
                }

                if (HasValue(data, CertificateDataKey) && HasValue(data, PrivateKeyDataKey))
                {
                    return From(data, SecretFields.Tls, ca, caKey);
                }

                // Istio serves nothing; the findings name the pair the Secret comes closest to.
                var closest = Has(data, GenericCertificateDataKey) && Has(data, GenericPrivateKeyDataKey) ? SecretFields.Generic
                    : Has(data, CertificateDataKey) || Has(data, PrivateKeyDataKey) ? SecretFields.Tls
                    : Has(data, GenericCertificateDataKey) || Has(data, GenericPrivateKeyDataKey) ? SecretFields.Generic
                    : SecretFields.Tls;
                return From(data, closest, ca, caKey) with { NoPair = "Istio reads cert and key, or tls.crt and tls.key, both with a value" };
            default:
                // The CA bundle was always ca.crt, else cacert, whichever pair was read.
                var (anyCa, anyCaKey) = Has(data, CaDataKey) ? (data![CaDataKey], CaDataKey)
                    : Has(data, GenericCaDataKey) ? (data![GenericCaDataKey], GenericCaDataKey) : (null, CaDataKey);
                return From(data, ReadsGenericPair(data) ? SecretFields.Generic : SecretFields.Tls, anyCa, anyCaKey);
        }
    }

    private static Selection From(IDictionary<string, byte[]>? data, SecretFields pair, byte[]? ca, string caKey) =>
        new(Value(data, pair.Certificate), Value(data, pair.Key), ca, pair.Ca == caKey ? pair : pair with { Ca = caKey });

    private static bool Has(IDictionary<string, byte[]>? data, string key) => data is not null && data.ContainsKey(key);

    private static bool HasValue(IDictionary<string, byte[]>? data, string key) => data is not null && data.TryGetValue(key, out var value) && value is { Length: > 0 };

    private static byte[]? Value(IDictionary<string, byte[]>? data, string key) =>
        data is not null && data.TryGetValue(key, out var value) ? value : null;

    /// <summary>
    /// Parses a secret's data map and, when its key has the leaf's public key, proves that it is the leaf's working
    /// private key with a signature (see <see cref="KeyPossession"/>). Slower than <see cref="Parse(IDictionary{string, byte[]}, SecretReading, CertificateCache, SecretFields)"/>:
    /// for testing one secret, not for scanning thousands.
    /// </summary>
    internal static ParsedTlsSecret ParseProvingKey(IDictionary<string, byte[]>? data, SecretReading reading = SecretReading.Unspecified, SecretFields? names = null)
    {
        var selected = Select(data, reading);
        var parsed = Parse(selected.Certificate, selected.Key, selected.Ca, null, names ?? selected.Fields, selected.NoPair);
        if (selected.Key is not { } key || parsed.KeyMatchesLeaf != true || parsed.Ordered is not { } ordered)
        {
            return parsed;
        }

        var problem = KeyPossession.Check(key, ordered.Leaf.Certificate, parsed.Fields.Key);
        return problem is null
            ? parsed
            : new ParsedTlsSecret(parsed.CertificateInfos, ordered, parsed.Key, parsed.CaCertificateInfos, parsed.Problems, problem, parsed.Fields);
    }

    /// <summary>Parses the three values of a TLS secret; null means the entry is absent.</summary>
    /// <remarks>The caller's buffers are not changed; the caller should wipe <paramref name="tlsKey"/> when done.</remarks>
    public static ParsedTlsSecret Parse(byte[]? tlsCrt, byte[]? tlsKey, byte[]? caCrt = null) => Parse(tlsCrt, tlsKey, caCrt, cache: null);

    /// <summary>Like <see cref="Parse(byte[], byte[], byte[])"/>, sharing decoded certificates through <paramref name="cache"/>.</summary>
    public static ParsedTlsSecret Parse(byte[]? tlsCrt, byte[]? tlsKey, byte[]? caCrt, CertificateCache? cache) =>
        Parse(tlsCrt, tlsKey, caCrt, cache, SecretFields.Tls, null);

    /// <param name="fields">The fields the values came from, as findings name them.</param>
    /// <param name="noPair">Why the controller reads no pair at all (Istio's rule), added to the finding of what is missing.</param>
    private static ParsedTlsSecret Parse(byte[]? tlsCrt, byte[]? tlsKey, byte[]? caCrt, CertificateCache? cache, SecretFields fields, string? noPair)
    {
        var problems = new List<CertificateFinding>();
        string why = noPair is null ? string.Empty : $" ({noPair})";

        IReadOnlyList<CertificateInfo> certificates = [];
        if (tlsCrt is null)
        {
            problems.Add(new(FindingIds.MissingCertificate, CertificateStatus.InvalidSecret, $"{fields.Holder} has no {fields.Certificate}{why}"));
        }
        else
        {
            var content = Read(tlsCrt, fields.Certificate, CertificateStatus.InvalidSecret, cache, fields.Key);
            certificates = content.Certificates;
            problems.AddRange(content.Problems);
        }

        PublicKeyIdentity? key = null;
        if (tlsKey is null)
        {
            problems.Add(new(FindingIds.MissingKey, CertificateStatus.InvalidSecret, $"{fields.Holder} has no {fields.Key}{why}"));
        }
        else
        {
            using var read = PrivateKeyReader.Read(tlsKey, fields.Key, keepPkcs8: false);
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
            var content = Read(caCrt, fields.Ca, CertificateStatus.Valid, cache, fields.Key);
            caCertificates = content.Certificates;
            problems.AddRange(content.Problems.Select(p =>
                p.Id == FindingIds.KeyInCertificateFile ? p : p with { Id = FindingIds.UnreadableCaCertificate }));
        }

        var ordered = certificates.Count == 0 ? null : ChainOrdering.Order(certificates, key);
        return new ParsedTlsSecret(certificates, ordered, key, caCertificates, problems, fields: fields);
    }

    private static CertificateFileContent Read(byte[] data, string source, CertificateStatus problemStatus, CertificateCache? cache, string keyName) =>
        cache is null ? CertificateFileReader.Read(data, source, problemStatus, keyName: keyName) : cache.GetOrReadFile(data, source, problemStatus, keyName);
}
