using System.Globalization;
using System.Text.Json;
using IngressCerts.Engine.Kubernetes;

namespace IngressCerts.Engine.Inventory.Kinds;

/// <summary>
/// What cert-manager says about the Secret of a reference: the Certificate that manages it (its spec.secretName in the
/// same namespace), its issuer, its Ready condition and when cert-manager renews it. Read from the Certificate when it is
/// readable; else from the annotations cert-manager puts on the Secrets it writes (name and issuer only).
/// </summary>
/// <param name="Certificate">The Certificate's name.</param>
/// <param name="IssuerKind">Issuer, ClusterIssuer or an external issuer's kind (cert-manager's default: Issuer).</param>
/// <param name="IssuerGroup">The issuer's API group (cert-manager's default: cert-manager.io).</param>
/// <param name="Ready">The Ready condition's status: True, False or Unknown; null when the Certificate has no Ready
/// condition yet or could not be read.</param>
/// <param name="RenewalTime">status.renewalTime (UTC): when cert-manager will renew it.</param>
/// <param name="FromAnnotations">True when only the Secret's annotations were read, not the Certificate.</param>
public sealed record CertManagerInfo(
    string Namespace,
    string Certificate,
    string? IssuerKind,
    string? IssuerName,
    string? IssuerGroup,
    string? Ready,
    string? ReadyReason,
    string? ReadyMessage,
    DateTime? RenewalTime,
    bool FromAnnotations = false)
{
    /// <summary>"ClusterIssuer/letsencrypt"; null when the issuer is not known.</summary>
    public string? Issuer => IssuerName is null ? null : $"{IssuerKind ?? CertManagerCertificates.DefaultIssuerKind}/{IssuerName}";
}

/// <summary>
/// cert-manager.io/v1 Certificates gathered from a cluster (only where the API is served: an absent API is silent, a
/// forbidden one is one warning, see <see cref="ClusterReader.ListCustomObjectPagesAsync"/>) or from manifests, found by
/// the Secret they manage.
/// </summary>
public sealed class CertManagerCertificates
{
    public static readonly KindApi Api = new("cert-manager.io", "v1", "certificates", "Certificate");

    public const string DefaultIssuerKind = "Issuer";
    public const string DefaultIssuerGroup = "cert-manager.io";

    /// <summary>The annotations cert-manager writes on the Secrets it manages.</summary>
    public const string CertificateNameAnnotation = "cert-manager.io/certificate-name";
    public const string IssuerNameAnnotation = "cert-manager.io/issuer-name";
    public const string IssuerKindAnnotation = "cert-manager.io/issuer-kind";
    public const string IssuerGroupAnnotation = "cert-manager.io/issuer-group";

    private readonly Dictionary<(string Namespace, string SecretName), CertManagerInfo> _bySecret = new();

    /// <summary>True when at least one Certificate was read.</summary>
    public bool Any => _bySecret.Count > 0;

    /// <summary>Adds a Certificate object. Two Certificates naming one Secret (cert-manager reports that as a conflict): the first by name is kept.</summary>
    public void Add(JsonElement certificate)
    {
        string ns = RawObject.String(certificate, "metadata", "namespace") ?? "default";
        string? name = RawObject.String(certificate, "metadata", "name");
        string? secretName = RawObject.String(certificate, "spec", "secretName");
        if (string.IsNullOrEmpty(name) || string.IsNullOrEmpty(secretName))
        {
            return;
        }

        var info = Read(certificate, ns, name);
        var key = (ns, secretName);
        if (!_bySecret.TryGetValue(key, out var existing) || string.CompareOrdinal(name, existing.Certificate) < 0)
        {
            _bySecret[key] = info;
        }
    }

    /// <summary>Lists the Certificates in <paramref name="scope"/> (null: all namespaces).</summary>
    public async Task ListAsync(ClusterReader reader, string? scope, Action? pageRead, CancellationToken cancellationToken)
    {
        // The reader's one discovery request says whether cert-manager is installed: no list is sent where it is not.
        if (await reader.ServedVersionAsync(Api.Group, [Api.Version], Api.Plural, cancellationToken).ConfigureAwait(false) is not { } version)
        {
            return;
        }

        await foreach (var page in reader.ListCustomObjectPagesAsync(Api.Group, version, Api.Plural, scope, cancellationToken).ConfigureAwait(false))
        {
            pageRead?.Invoke();
            foreach (var certificate in page)
            {
                Add(certificate);
            }
        }
    }

    /// <summary>The Certificate that manages Secret <paramref name="ns"/>/<paramref name="secretName"/>, else what its annotations say; null when neither.</summary>
    public CertManagerInfo? Find(string ns, string secretName, IDictionary<string, string>? annotations) =>
        _bySecret.TryGetValue((ns, secretName), out var info) ? info : FromAnnotations(ns, annotations);

    /// <summary>The Certificate's name and issuer from a Secret's cert-manager annotations; null when it has none.</summary>
    public static CertManagerInfo? FromAnnotations(string ns, IDictionary<string, string>? annotations)
    {
        if (annotations is null || !annotations.TryGetValue(CertificateNameAnnotation, out var certificate) || string.IsNullOrWhiteSpace(certificate))
        {
            return null;
        }

        string? Annotation(string key) => annotations.TryGetValue(key, out var value) && !string.IsNullOrWhiteSpace(value) ? value : null;
        string? issuer = Annotation(IssuerNameAnnotation);
        return new CertManagerInfo(ns, certificate, issuer is null ? null : Annotation(IssuerKindAnnotation) ?? DefaultIssuerKind, issuer,
            issuer is null ? null : Annotation(IssuerGroupAnnotation) ?? DefaultIssuerGroup, null, null, null, null, FromAnnotations: true);
    }

    /// <summary>What a Certificate object says: issuerRef, the Ready condition and status.renewalTime.</summary>
    public static CertManagerInfo Read(JsonElement certificate, string ns, string name)
    {
        string? issuerName = RawObject.String(certificate, "spec", "issuerRef", "name");
        string? issuerKind = RawObject.String(certificate, "spec", "issuerRef", "kind");
        string? issuerGroup = RawObject.String(certificate, "spec", "issuerRef", "group");
        var ready = Condition(certificate, "Ready");
        DateTime? renewal = null;
        if (RawObject.String(certificate, "status", "renewalTime") is { } text
            && DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var parsed))
        {
            renewal = DateTime.SpecifyKind(parsed, DateTimeKind.Utc);
        }

        return new CertManagerInfo(ns, name,
            issuerName is null ? null : string.IsNullOrEmpty(issuerKind) ? DefaultIssuerKind : issuerKind,
            issuerName,
            issuerName is null ? null : string.IsNullOrEmpty(issuerGroup) ? DefaultIssuerGroup : issuerGroup,
            Field(ready, "status"),
            Field(ready, "reason"),
            Field(ready, "message"),
            renewal);
    }

    private static string? Field(JsonElement? condition, string field) => condition is { } c ? RawObject.String(c, field) : null;

    /// <summary>The status.conditions[] entry of the given type; null when there is none.</summary>
    public static JsonElement? Condition(JsonElement certificate, string type)
    {
        foreach (var condition in RawObject.Array(certificate, "status", "conditions"))
        {
            if (condition.ValueKind == JsonValueKind.Object && RawObject.String(condition, "type") == type)
            {
                return condition;
            }
        }

        return null;
    }
}
