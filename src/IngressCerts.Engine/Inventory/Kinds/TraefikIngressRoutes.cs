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
    /// no host. A matcher under an odd number of negations (!Host(...), !(Host(...) || Host(...)), at any depth of
    /// parentheses) matches every host but its own: its arguments are not the route's hosts. HostRegexp(...) and
    /// HostSNIRegexp(...) arguments come back as patterns. Text that is no matcher is skipped.
    /// </summary>
    public static (IReadOnlyList<string> Hosts, IReadOnlyList<string> Patterns) Hosts(string rule)
    {
        var hosts = new List<string>();
        var patterns = new List<string>();

        // Whether each open parenthesis group is negated as a whole (relative to the rule), innermost last.
        var groups = new Stack<bool>();
        bool negated = false; // the parity of the negations around the current position
        bool pendingNot = false; // a '!' waiting for the term it negates
        int i = 0;
        while (i < rule.Length)
        {
            char c = rule[i];
            if (c == '!')
            {
                pendingNot = !pendingNot;
                i++;
            }
            else if (c == '(')
            {
                groups.Push(negated);
                negated ^= pendingNot;
                pendingNot = false;
                i++;
            }
            else if (c == ')')
            {
                negated = groups.Count > 0 ? groups.Pop() : false;
                pendingNot = false;
                i++;
            }
            else if (c is '`' or '"')
            {
                i = SkipQuoted(rule, i); // an argument of a matcher that is not about hosts (PathPrefix(`/a(b`))
            }
            else if (Matcher().Match(rule, i) is { Success: true } matcher && matcher.Index == i && (i == 0 || !char.IsLetterOrDigit(rule[i - 1])))
            {
                int end = ArgumentsEnd(rule, matcher.Index + matcher.Length);
                if (!(negated ^ pendingNot))
                {
                    var target = matcher.Groups["name"].Value.EndsWith("Regexp", StringComparison.Ordinal) ? patterns : hosts;
                    var values = Argument().Matches(rule[(matcher.Index + matcher.Length)..end])
                        .Select(a => a.Groups["a"].Success ? a.Groups["a"].Value : a.Groups["b"].Value);
                    target.AddRange(values.Where(v => v.Length > 0 && v != "*"));
                }

                pendingNot = false;
                i = Math.Min(end + 1, rule.Length);
            }
            else
            {
                if (char.IsLetter(c))
                {
                    // Another matcher (PathPrefix, Method, ...): its arguments are skipped, and a '!' before it spent.
                    while (i < rule.Length && char.IsLetterOrDigit(rule[i]))
                    {
                        i++;
                    }

                    if (SkipSpace(rule, i) is var open && open < rule.Length && rule[open] == '(')
                    {
                        pendingNot = false;
                        i = Math.Min(ArgumentsEnd(rule, open + 1) + 1, rule.Length);
                    }

                    continue;
                }

                i++;
            }
        }

        return (hosts, patterns);
    }

    private static int SkipSpace(string rule, int i)
    {
        while (i < rule.Length && char.IsWhiteSpace(rule[i]))
        {
            i++;
        }

        return i;
    }

    /// <summary>The index just past a quoted argument that starts at <paramref name="start"/> (its end, if unclosed).</summary>
    private static int SkipQuoted(string rule, int start)
    {
        int close = rule.IndexOf(rule[start], start + 1);
        return close < 0 ? rule.Length : close + 1;
    }

    /// <summary>The index of the ')' that closes a matcher's arguments starting at <paramref name="start"/>, quotes skipped (the end, if unclosed).</summary>
    private static int ArgumentsEnd(string rule, int start)
    {
        int i = start;
        while (i < rule.Length && rule[i] != ')')
        {
            i = rule[i] is '`' or '"' ? SkipQuoted(rule, i) : i + 1;
        }

        return i;
    }

    /// <summary>A host matcher's name and its opening parenthesis.</summary>
    [GeneratedRegex(@"\G(?<name>HostRegexp|HostSNIRegexp|HostSNI|HostHeader|Host)\s*\(")]
    private static partial Regex Matcher();

    [GeneratedRegex("`(?<a>[^`]*)`|\"(?<b>[^\"]*)\"")]
    private static partial Regex Argument();
}
