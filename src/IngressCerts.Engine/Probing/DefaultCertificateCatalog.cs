using System.Security.Cryptography.X509Certificates;

namespace IngressCerts.Engine.Probing;

/// <summary>One recognisable placeholder certificate that an ingress controller serves when it has no better one.</summary>
/// <param name="Controller">Who serves it, for the message shown to the user.</param>
/// <param name="CommonName">The subject CN it carries (compared case-insensitively).</param>
/// <param name="Organization">The subject O it carries, when the CN alone is too common to be telling; null to skip.</param>
public sealed record DefaultCertificateRule(string Controller, string CommonName, string? Organization = null)
{
    public bool Matches(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return string.Equals(certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false), CommonName, StringComparison.OrdinalIgnoreCase)
            && (Organization is null || string.Equals(DistinguishedNames.Get(certificate.SubjectName, DistinguishedNames.OrganizationOid), Organization, StringComparison.OrdinalIgnoreCase));
    }
}

/// <summary>
/// Recognises the certificates controllers serve when an Ingress's own secret is missing, invalid or not matched
/// by SNI, so "wrong certificate" can be reported as "the controller fell back to its default".
/// </summary>
/// <remarks>
/// The list is deliberately small and exact (subjects as those projects generate them):
/// <list type="bullet">
/// <item>ingress-nginx: <c>CN=Kubernetes Ingress Controller Fake Certificate, O=Acme Co</c>.</item>
/// <item>Traefik: <c>CN=TRAEFIK DEFAULT CERT</c>.</item>
/// <item>NGINX Inc. Ingress Controller (older default-server secret): <c>CN=NGINXIngressController</c>.</item>
/// <item>Kong: <c>CN=localhost, O=Kong</c> (its generated default, with OU=IT Department).</item>
/// </list>
/// Beyond the list, one heuristic: a <em>self-signed</em> leaf whose CN mentions a fake/default/ingress-controller
/// certificate. Self-signed is required there so a real CA-issued certificate is never called a default.
/// </remarks>
public static class DefaultCertificateCatalog
{
    public static IReadOnlyList<DefaultCertificateRule> KnownDefaults { get; } =
    [
        new("ingress-nginx", "Kubernetes Ingress Controller Fake Certificate", "Acme Co"),
        new("Traefik", "TRAEFIK DEFAULT CERT"),
        new("NGINX Ingress Controller", "NGINXIngressController"),
        new("Kong", "localhost", "Kong"),
    ];

    /// <summary>Words that, in the CN of a self-signed leaf, mark a controller's placeholder.</summary>
    private static readonly string[] HeuristicWords = ["fake certificate", "default cert", "ingress controller", "ingress-controller"];

    /// <summary>Names the controller whose default <paramref name="certificate"/> looks like, or returns null.</summary>
    public static string? Identify(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        foreach (var rule in KnownDefaults)
        {
            if (rule.Matches(certificate))
            {
                return rule.Controller;
            }
        }

        var commonName = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        return IsSelfSigned(certificate) && HeuristicWords.Any(w => commonName.Contains(w, StringComparison.OrdinalIgnoreCase))
            ? "unknown controller (self-signed placeholder)"
            : null;
    }

    /// <summary>Issuer equals subject: cheap, and enough here since a signature check would not change the verdict.</summary>
    internal static bool IsSelfSigned(X509Certificate2 certificate) =>
        certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData);
}

/// <summary>Reads single attributes out of a distinguished name without string-splitting (which breaks on escaped commas).</summary>
internal static class DistinguishedNames
{
    /// <summary>OID of the organizationName attribute (O).</summary>
    public const string OrganizationOid = "2.5.4.10";

    /// <summary>The first value of the attribute with OID <paramref name="oid"/>, or null.</summary>
    public static string? Get(X500DistinguishedName name, string oid)
    {
        foreach (var rdn in name.EnumerateRelativeDistinguishedNames())
        {
            if (!rdn.HasMultipleElements && rdn.GetSingleElementType().Value == oid)
            {
                return rdn.GetSingleElementValue();
            }
        }

        return null;
    }
}
