using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace IngressCerts.Engine.Publishing;

/// <summary>The labels and annotations IngressCerts writes, in one place.</summary>
public static class SecretAnnotations
{
    public const string Thumbprint = "ingresscerts.io/thumbprint";
    public const string NotAfter = "ingresscerts.io/not-after";
    public const string PublishedAt = "ingresscerts.io/published-at";
    public const string ArchivedAt = "ingresscerts.io/archived-at";

    /// <summary>When a write whose reply was lost was settled by moving the Secret's resourceVersion on (see SecretHistory).</summary>
    public const string SettledAt = "ingresscerts.io/settled-at";
    public const string HistoryOf = "ingresscerts.io/history-of";
    public const string CertManagerCertificate = "cert-manager.io/certificate-name";

    /// <summary>On a Secret: what its last publish did, for Undo-IngressCertificate (<see cref="PublishRecord"/>).</summary>
    public const string LastPublish = "ingresscerts.io/last-publish";

    /// <summary>On an Ingress: what publishes added to its spec.tls, per Secret (<see cref="WiringRecord"/>).</summary>
    public const string Wiring = "ingresscerts.io/wiring";

    /// <summary>History Secrets get their own type so inventories listing kubernetes.io/tls never see them.</summary>
    public const string HistoryType = "ingresscerts.io/history";

    public const string TlsType = "kubernetes.io/tls";

    public static string Timestamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    /// <summary>
    /// The history label's value for an owner Secret: its name when that is a valid label value (63 characters at
    /// most), else a hash of it; the full name is kept in an annotation of the same key.
    /// </summary>
    public static string HistoryLabelValue(string secretName) =>
        secretName.Length <= 63
            ? secretName
            : "h-" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(secretName)))[..40].ToLowerInvariant();
}
