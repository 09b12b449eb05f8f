using System.Security.Cryptography;
using IngressCerts.Engine.Certificates;

namespace IngressCerts.Engine.Inventory;

/// <summary>A Secret as the inventory keeps it once read: certificates and findings, never the key.</summary>
public sealed record ParsedSecret(SecretLookupOutcome Outcome, string Namespace, string Name, string? Type, ParsedTlsSecret? Tls, string ManagedBy, string? Message);

/// <summary>Turns a reference and its (parsed) Secret into the <see cref="IngressCertificate"/> users see.</summary>
public sealed class ReferenceEvaluator
{
    private const string CertManagerAnnotation = "cert-manager.io/certificate-name";
    private readonly CertificateEvaluator _evaluator;

    // One per scan: the same intermediates (and often leaves) recur across Secrets; shared, they are read once and
    // their chain answers are found without hashing (see CertificateCache and ChainVerifier).
    private readonly CertificateCache _certificates = new();

    public ReferenceEvaluator(InventoryOptions options)
    {
        _evaluator = new CertificateEvaluator(options.AsOf, options.ExpiringWithinDays, options.TrustedRoots?.Cast<System.Security.Cryptography.X509Certificates.X509Certificate2>());
    }

    /// <summary>
    /// Parses a Secret once for all its references. The key is read only to check that it matches, and the Secret's
    /// copy of the key bytes is wiped afterwards so that a scan never holds keys longer than one page.
    /// </summary>
    public ParsedSecret Parse(SecretLookup lookup)
    {
        ParsedTlsSecret? tls = null;
        string managedBy = string.Empty;
        if (lookup.Outcome == SecretLookupOutcome.Found)
        {
            tls = TlsSecretParser.Parse(lookup.Data, _certificates);
            foreach (string name in new[] { TlsSecretParser.PrivateKeyDataKey, TlsSecretParser.GenericPrivateKeyDataKey })
            {
                if (lookup.Data is not null && lookup.Data.TryGetValue(name, out var key) && key is not null)
                {
                    CryptographicOperations.ZeroMemory(key);
                }
            }

            if (lookup.Annotations is not null && lookup.Annotations.ContainsKey(CertManagerAnnotation))
            {
                managedBy = "cert-manager";
            }
        }

        return new ParsedSecret(lookup.Outcome, lookup.Namespace, lookup.Name, lookup.Type, tls, managedBy, lookup.Message);
    }

    private static string Qualified(ParsedSecret secret) => $"{secret.Namespace}/{secret.Name}";

    /// <summary>The result for one reference; <paramref name="secret"/> is null when the reference names no Secret.</summary>
    public IngressCertificate Evaluate(TlsReference reference, ParsedSecret? secret)
    {
        CertificateEvaluation evaluation;
        secret ??= reference.Inline;
        if (secret is null)
        {
            evaluation = reference.Notes is { Count: > 0 } only
                ? CertificateEvaluation.From(only, null)
                : CertificateEvaluation.DefaultCertificate(reference.Hosts);
        }
        else
        {
            evaluation = secret.Outcome switch
            {
                SecretLookupOutcome.NotFound => CertificateEvaluation.SecretNotFound(Qualified(secret)),
                SecretLookupOutcome.Forbidden => CertificateEvaluation.Forbidden(Qualified(secret)),
                _ => _evaluator.Evaluate(secret.Tls!, reference.Hosts),
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

        if (reference.Notes is { Count: > 0 } notes && (reference.SecretName is not null || reference.Inline is not null))
        {
            evaluation = CertificateEvaluation.From(evaluation.Findings.Concat(notes), evaluation.Facts);
        }

        evaluation = evaluation.Through(reference.ReferenceIssue);
        var facts = evaluation.Facts;
        return new IngressCertificate
        {
            Context = reference.Source,
            Namespace = reference.Namespace,
            Kind = reference.Kind,
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
            ManagedBy = secret?.ManagedBy ?? string.Empty,
            Facts = facts,
        };
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
