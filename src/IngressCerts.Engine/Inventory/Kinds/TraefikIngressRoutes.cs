using System.Text.Json;
using System.Text.RegularExpressions;
using IngressCerts.Engine.Certificates;
using IngressCerts.Engine.Kubernetes;

namespace IngressCerts.Engine.Inventory.Kinds;

/// <summary>
/// Traefik IngressRoutes (traefik.io/v1alpha1 and the older traefik.containo.us/v1alpha1): the Secret is
/// spec.tls.secretName in the IngressRoute's namespace; the hosts are the arguments of the Host(...) and HostSNI(...)
/// matchers of spec.routes[].match. spec.tls.certResolver without a secretName is Traefik's own ACME certificate.
/// </summary>
public static partial class TraefikIngressRoutes
{
    public const string Kind = "IngressRoute";

    public static IEnumerable<TlsReference> From(JsonElement route, string source)
    {
        var (ns, name, tls) = OtherKinds.Identify(route);
        if (tls is null)
        {
            yield break;
        }

        var hosts = new List<string>();
        var notes = new List<CertificateFinding>();
        foreach (var r in RawObject.Array(route, "spec", "routes"))
        {
            var (found, patterns) = Hosts(RawObject.String(r, "match") ?? string.Empty);
            hosts.AddRange(found.Where(h => !hosts.Contains(h, StringComparer.OrdinalIgnoreCase)));
            notes.AddRange(patterns.Select(p => new CertificateFinding(FindingIds.HostPattern, CertificateStatus.Valid,
                $"IngressRoute {ns}/{name} matches hosts by the pattern {p}: they are not checked against the certificate")));
        }

        string? secret = RawObject.String(route, "spec", "tls", "secretName");
        string? resolver = RawObject.String(route, "spec", "tls", "certResolver");
        if (string.IsNullOrEmpty(secret) && !string.IsNullOrEmpty(resolver))
        {
            notes.Insert(0, new(FindingIds.ControllerManagedCertificate, CertificateStatus.Valid,
                $"IngressRoute {ns}/{name} has Traefik's certResolver '{resolver}' obtain its certificate (ACME): it is kept by Traefik, not in a Secret, and not checked"));
        }

        yield return new TlsReference(source, Kind, ns, name, null, string.IsNullOrEmpty(secret) ? null : ns, string.IsNullOrEmpty(secret) ? null : secret, hosts,
            Notes: notes.Count == 0 ? null : notes);
    }

    /// <summary>
    /// The hosts of a Traefik rule: the arguments of Host(...), HostHeader(...) and HostSNI(...) (quoted with backticks
    /// or double quotes; several per matcher in Traefik v2), whatever the &amp;&amp; / || around them; HostSNI(`*`) is
    /// no host, nor is a negated matcher's argument (!Host(...)). HostRegexp(...) and HostSNIRegexp(...) arguments come
    /// back as patterns.
    /// </summary>
    public static (IReadOnlyList<string> Hosts, IReadOnlyList<string> Patterns) Hosts(string rule)
    {
        var hosts = new List<string>();
        var patterns = new List<string>();
        foreach (Match matcher in Matcher().Matches(rule))
        {
            if (matcher.Groups["not"].Success)
            {
                continue; // !Host(...): every host but these
            }

            var values = Argument().Matches(matcher.Groups["args"].Value).Select(a => a.Groups["a"].Success ? a.Groups["a"].Value : a.Groups["b"].Value);
            foreach (string value in values.Where(v => v.Length > 0 && v != "*"))
            {
                (matcher.Groups["name"].Value.EndsWith("Regexp", StringComparison.Ordinal) ? patterns : hosts).Add(value);
            }
        }

        return (hosts, patterns);
    }

    [GeneratedRegex(@"(?<not>!\s*)?(?<![A-Za-z])(?<name>HostRegexp|HostSNIRegexp|HostSNI|HostHeader|Host)\s*\((?<args>(?:\s*(?:`[^`]*`|""[^""]*"")\s*,?)*)\)")]
    private static partial Regex Matcher();

    [GeneratedRegex("`(?<a>[^`]*)`|\"(?<b>[^\"]*)\"")]
    private static partial Regex Argument();
}
