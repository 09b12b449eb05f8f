using System.Security.Cryptography;
using IngressCerts.Engine.Certificates;

namespace IngressCerts.Engine.Inventory;

/// <summary>A Secret as the inventory keeps it once read: certificates and findings, never the key.</summary>
/// <param name="Tls">The Secret as tls.crt, tls.key and ca.crt say (<see cref="SecretReading.Tls"/>), or an inline certificate.</param>
/// <param name="CertManager">What the Secret's cert-manager annotations say (the Certificate's name, its issuer); null when it has none.</param>
/// <param name="Istio">The Secret as Istio reads it (<see cref="SecretReading.Istio"/>) when that differs from <paramref name="Tls"/>; null when it does not.</param>
/// <param name="Unspecified">The Secret as read for no controller in particular (<see cref="SecretReading.Unspecified"/>) when that differs from <paramref name="Tls"/>; null when it does not.</param>
public sealed record ParsedSecret(SecretLookupOutcome Outcome, string Namespace, string Name, string? Type, ParsedTlsSecret? Tls, string ManagedBy, string? Message,
    Kinds.CertManagerInfo? CertManager = null, ParsedTlsSecret? Istio = null, ParsedTlsSecret? Unspecified = null)
{
    /// <summary>The Secret as the controller that reads it by <paramref name="reading"/> sees it; null when it was not found or not readable.</summary>
    public ParsedTlsSecret? For(SecretReading reading) => reading switch
    {
        SecretReading.Istio => Istio ?? Tls,
        SecretReading.Unspecified => Unspecified ?? Tls,
        _ => Tls,
    };

    /// <summary>
    /// Parses a Secret's data once for each reading that can differ from tls.*: Istio's and the unspecified one only
    /// when a generic key is there or the tls.* pair lacks a value (rare), so that most Secrets are parsed once.
    /// </summary>
    internal static (ParsedTlsSecret Tls, ParsedTlsSecret? Istio, ParsedTlsSecret? Unspecified) ParseReadings(
        IDictionary<string, byte[]>? data, Func<SecretReading, ParsedTlsSecret> parse)
    {
        var tls = parse(SecretReading.Tls);
        bool generic = data is not null && (data.ContainsKey(TlsSecretParser.GenericCertificateDataKey) || data.ContainsKey(TlsSecretParser.GenericPrivateKeyDataKey)
            || data.ContainsKey(TlsSecretParser.GenericCaDataKey));
        bool tlsPair = data is not null && data.TryGetValue(TlsSecretParser.CertificateDataKey, out var crt) && crt is { Length: > 0 }
            && data.TryGetValue(TlsSecretParser.PrivateKeyDataKey, out var key) && key is { Length: > 0 };
        return (tls, generic || !tlsPair ? parse(SecretReading.Istio) : null, generic ? parse(SecretReading.Unspecified) : null);
    }
}

/// <summary>Turns a reference and its (parsed) Secret into the <see cref="IngressCertificate"/> users see.</summary>
public sealed class ReferenceEvaluator
{
    private const string CertManager = "cert-manager";
    private readonly CertificateEvaluator _evaluator;

    // One per scan: the same intermediates (and often leaves) recur across Secrets; shared, they are read once and
    // their chain answers are found without hashing (see CertificateCache and ChainVerifier).
    private readonly CertificateCache _certificates = new();

    /// <summary>The cert-manager Certificates of the scan, set once they are read and before any reference is evaluated; null when none were.</summary>
    public Kinds.CertManagerCertificates? Certificates { get; set; }

    private readonly DateTimeOffset _asOf;

    public ReferenceEvaluator(InventoryOptions options)
    {
        _asOf = options.AsOf;
        _evaluator = new CertificateEvaluator(options.AsOf, options.ExpiringWithinDays, options.TrustedRoots?.Cast<System.Security.Cryptography.X509Certificates.X509Certificate2>());
    }

    /// <summary>
    /// Parses a Secret once for all its references. The key is read only to check that it matches, and the Secret's
    /// copy of the key bytes is wiped afterwards so that a scan never holds keys longer than one page.
    /// </summary>
    public ParsedSecret Parse(SecretLookup lookup)
    {
        ParsedTlsSecret? tls = null, istio = null, unspecified = null;
        string managedBy = string.Empty;
        Kinds.CertManagerInfo? certManager = null;
        if (lookup.Outcome == SecretLookupOutcome.Found)
        {
            if (lookup.InlineFields is { } names)
            {
                tls = TlsSecretParser.Parse(lookup.Data, SecretReading.Tls, _certificates, names);
            }
            else
            {
                (tls, istio, unspecified) = ParsedSecret.ParseReadings(lookup.Data, reading => TlsSecretParser.Parse(lookup.Data, reading, _certificates));
            }

            foreach (string name in new[] { TlsSecretParser.PrivateKeyDataKey, TlsSecretParser.GenericPrivateKeyDataKey })
            {
                if (lookup.Data is not null && lookup.Data.TryGetValue(name, out var key) && key is not null)
                {
                    CryptographicOperations.ZeroMemory(key);
                }
            }

            certManager = Kinds.CertManagerCertificates.FromAnnotations(lookup.Namespace, lookup.Annotations);
            if (certManager is not null)
            {
                managedBy = CertManager;
            }
        }

        return new ParsedSecret(lookup.Outcome, lookup.Namespace, lookup.Name, lookup.Type, tls, managedBy, lookup.Message, certManager, istio, unspecified);
    }

    private static string Qualified(ParsedSecret secret) => $"{secret.Namespace}/{secret.Name}";

    /// <summary>The result for one reference; <paramref name="secret"/> is null when the reference names no Secret.</summary>
    public IngressCertificate Evaluate(TlsReference reference, ParsedSecret? secret)
    {
        CertificateEvaluation evaluation;
        secret ??= reference.Inline;
        if (secret is null)
        {
            // A reference the controller rejects outright (Contour's TLSConfigNotValid) is not served any certificate:
            // its issue, added below, is all there is.
            evaluation = reference.HeldElsewhere is not null
                ? CertificateEvaluation.From(reference.Notes!, null)
                : reference.ReferenceIssue is { Id: FindingIds.TlsConfigNotValid }
                    ? CertificateEvaluation.From([], null)
                    : CertificateEvaluation.DefaultCertificate(reference.Hosts);
        }
        else
        {
            evaluation = secret.Outcome switch
            {
                SecretLookupOutcome.NotFound => CertificateEvaluation.SecretNotFound(Qualified(secret)),
                SecretLookupOutcome.Forbidden => CertificateEvaluation.Forbidden(Qualified(secret)),
                _ => _evaluator.Evaluate(secret.For(reference.Reading)!, reference.Hosts),
            };

            var notTls = secret.Outcome == SecretLookupOutcome.Found && secret.Type is not null && secret.Type != "kubernetes.io/tls";
            if (secret.Message is not null || notTls)
            {
                var extra = new List<CertificateFinding>();
                if (secret.Message is not null)
                {
                    extra.Add(new CertificateFinding(FindingIds.InvalidSecretData, CertificateStatus.InvalidSecret, secret.Message));
                }

                if (notTls)
                {
                    extra.Add(new CertificateFinding(FindingIds.NotTlsType, CertificateStatus.Valid, $"secret '{Qualified(secret)}' has type '{secret.Type}', not kubernetes.io/tls"));
                }

                evaluation = CertificateEvaluation.From(evaluation.Findings.Concat(extra), evaluation.Facts);
            }
        }

        if (reference.Notes is { Count: > 0 } notes && reference.HeldElsewhere is null)
        {
            evaluation = CertificateEvaluation.From(evaluation.Findings.Concat(notes), evaluation.Facts);
        }

        if (reference.ClientCaSecretName is not null)
        {
            evaluation = CertificateEvaluation.From(evaluation.Findings.Append(ClientCaNote(reference, secret)), evaluation.Facts);
        }

        evaluation = evaluation.Through(reference.ReferenceIssue);
        var facts = evaluation.Facts;

        // The Certificate that manages the Secret, when one was read; else what the Secret's annotations say.
        var certManager = reference.SecretName is null ? null
            : Certificates?.Find(reference.SecretNamespace!, reference.SecretName, null) ?? secret?.CertManager;
        return new IngressCertificate
        {
            Context = reference.Source,
            Namespace = reference.Namespace,
            Kind = reference.Kind,
            ApiGroup = reference.ApiGroup,
            Name = reference.Name,
            Listener = reference.Listener,
            SecretNamespace = reference.SecretNamespace,
            SecretName = reference.SecretName,
            Hosts = reference.Hosts.ToArray(),
            Status = evaluation.Status.Name(),
            Findings = FindingCollection.From(evaluation.Findings),
            Issues = new StringList(evaluation.Issues is string[] issues ? issues : evaluation.Issues.ToArray(), "; "), // a fresh array each call
            Subject = facts?.Subject,
            DnsNames = facts?.DnsNames.ToArray() ?? Array.Empty<string>(),
            IPAddresses = facts?.IPAddresses.ToArray() ?? Array.Empty<string>(),
            Issuer = facts?.Issuer,
            SerialNumber = facts?.SerialNumber,
            NotBefore = facts?.NotBefore.UtcDateTime,
            NotAfter = facts?.NotAfter.UtcDateTime,
            DaysRemaining = facts?.DaysRemaining,
            Thumbprint = facts?.Thumbprint,
            Sha256Fingerprint = facts?.Sha256Fingerprint,
            KeyAlgorithm = facts is null ? null : KeyAlgorithmName(facts.KeyAlgorithm),
            KeySize = facts?.KeySize,
            SignatureAlgorithm = facts?.SignatureAlgorithm,
            ChainLength = facts?.ChainLength ?? 0,
            ManagedBy = certManager is not null ? CertManager : secret?.ManagedBy ?? string.Empty,
            CertManagerCertificate = certManager?.Certificate,
            CertManagerIssuer = certManager?.Issuer,
            CertManagerIssuerGroup = certManager?.IssuerGroup,
            CertManagerReady = certManager?.Ready,
            CertManagerReadyReason = certManager?.ReadyReason,
            CertManagerReadyMessage = certManager?.ReadyMessage,
            CertManagerRenewalTime = certManager?.RenewalTime,
            Facts = facts,
        };
    }

    /// <summary>
    /// Where a server that validates client certificates finds its CA bundle, with the CA's subject and expiry: the
    /// certificate's own Secret (ca.crt, or cacert in a generic one), else the reference's CA Secret.
    /// </summary>
    private CertificateFinding ClientCaNote(TlsReference reference, ParsedSecret? secret)
    {
        string server = $"{reference.Kind} {reference.Namespace}/{reference.Name}" + (reference.Listener is null ? string.Empty : $" ('{reference.Listener}')");
        var (bundle, from) = secret?.For(reference.Reading)?.CaCertificateInfos is { Count: > 0 } own
            ? (own, $"Secret {Qualified(secret)}")
            : reference.ClientCa?.For(reference.Reading)?.CaCertificateInfos is { Count: > 0 } separate
                ? (separate, $"Secret {Qualified(reference.ClientCa)}")
                : (null, null);
        if (bundle is null)
        {
            string why = reference.ClientCa?.Outcome == SecretLookupOutcome.Forbidden ? " (it could not be read)" : string.Empty;
            return new(FindingIds.ClientValidation, CertificateStatus.Valid,
                $"{server} validates client certificates (MUTUAL), but no CA bundle was found: neither a ca.crt or cacert key in Secret {reference.SecretKey} "
                + $"nor Secret {reference.SecretNamespace}/{reference.ClientCaSecretName}{why}; the gateway then cannot accept clients on it");
        }

        var first = bundle[0];
        string state = first.NotAfter < _asOf ? "expired" : "expires";
        string more = bundle.Count > 1 ? $" (and {bundle.Count - 1} more CA certificate(s))" : string.Empty;
        return new(FindingIds.ClientValidation, CertificateStatus.Valid,
            $"{server} validates client certificates (MUTUAL) against the CA bundle in {from}: '{first.Subject}', {state} {first.NotAfter.UtcDateTime:yyyy-MM-dd}{more}");
    }

    // Enum.ToString boxes the value, for every result of a scan.
    private static string KeyAlgorithmName(KeyAlgorithm algorithm) => algorithm switch
    {
        KeyAlgorithm.RSA => nameof(KeyAlgorithm.RSA),
        KeyAlgorithm.ECDSA => nameof(KeyAlgorithm.ECDSA),
        KeyAlgorithm.Ed25519 => nameof(KeyAlgorithm.Ed25519),
        _ => algorithm.ToString(),
    };
}
