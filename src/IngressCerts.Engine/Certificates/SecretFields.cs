namespace IngressCerts.Engine.Certificates;

/// <summary>
/// Where a certificate, its key and its CA bundle were read from, as messages name them: a Secret's tls.crt, tls.key
/// and ca.crt, Istio's generic cert, key and cacert, or the fields of an object that carries them itself.
/// </summary>
/// <param name="Holder">What holds the fields, as a message's subject ("the secret has no tls.key").</param>
public sealed record SecretFields(string Certificate, string Key, string Ca, string Holder = "the secret")
{
    /// <summary>A kubernetes.io/tls Secret's keys: what every controller reads.</summary>
    public static readonly SecretFields Tls = new(TlsSecretParser.CertificateDataKey, TlsSecretParser.PrivateKeyDataKey, TlsSecretParser.CaDataKey);

    /// <summary>The keys of the generic Secrets Istio reads first (pilot/pkg/credentials/kube: GenericScrtCert, GenericScrtKey, GenericScrtCaCert).</summary>
    public static readonly SecretFields Generic = new(TlsSecretParser.GenericCertificateDataKey, TlsSecretParser.GenericPrivateKeyDataKey, TlsSecretParser.GenericCaDataKey);

    /// <summary>An OpenShift Route's inline certificate (spec.tls.certificate, key and caCertificate).</summary>
    public static readonly SecretFields RouteInline = new("spec.tls.certificate", "spec.tls.key", "spec.tls.caCertificate", "the Route");

    /// <summary>True for tls.crt, tls.key and ca.crt, whose messages every snapshot and dump compares.</summary>
    internal bool IsTls => ReferenceEquals(this, Tls) || Equals(Tls);
}

/// <summary>Which keys of a Secret a controller reads its certificate, key and CA bundle from.</summary>
public enum SecretReading
{
    /// <summary>
    /// No controller is known (a Secret tested or listed on its own, a publish or sync target): tls.crt and tls.key, or
    /// the generic cert and key when neither tls.* key is there. A certificate and its key come from one pair.
    /// </summary>
    Unspecified = 0,

    /// <summary>tls.crt, tls.key and ca.crt only, as ingress-nginx, the Gateway API's kubernetes.io/tls Secrets, Traefik and Contour read them.</summary>
    Tls,

    /// <summary>
    /// Istio's order (pilot/pkg/credentials/kube/secrets.go, ExtractCertInfo and ExtractRoot): cert and key when both
    /// have a value, else tls.crt and tls.key when both have one, else nothing is served; the CA bundle from cacert when
    /// it has a value, else ca.crt, whichever pair the certificate came from.
    /// </summary>
    Istio,
}
