using System.Net;
using IngressCerts.Engine.Publishing;

namespace IngressCerts.Engine.Requests;

/// <summary>
/// The hosts of a request, as its SANs carry them: DNS names lowercase and in A-label form (an IDN as xn--),
/// optionally "*." in front; IP addresses as IP SANs. Duplicates go; the order given stays (the first names the
/// default subject).
/// </summary>
public sealed record RequestHosts(IReadOnlyList<string> DnsNames, IReadOnlyList<IPAddress> IpAddresses, IReadOnlyList<string> All)
{
    /// <summary>The hosts normalized, or null with <paramref name="error"/> naming the first bad one (or saying there is none).</summary>
    public static RequestHosts? Parse(IEnumerable<string?> hosts, out string? error)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        error = null;
        var dns = new List<string>();
        var ips = new List<IPAddress>();
        var all = new List<string>();
        foreach (string? raw in hosts)
        {
            if (string.IsNullOrWhiteSpace(raw))
            {
                continue;
            }

            string trimmed = raw.Trim();
            if (IPAddress.TryParse(trimmed.Trim('[', ']'), out var ip) && !trimmed.Contains('*', StringComparison.Ordinal))
            {
                string text = ip.ToString();
                if (!all.Contains(text, StringComparer.Ordinal))
                {
                    ips.Add(ip);
                    all.Add(text);
                }

                continue;
            }

            if (!IngressHostName.TryNormalize(trimmed, out string normalized, out string? problem))
            {
                error = problem;
                return null;
            }

            if (!all.Contains(normalized, StringComparer.Ordinal))
            {
                dns.Add(normalized);
                all.Add(normalized);
            }
        }

        if (all.Count == 0)
        {
            error = "no host is known: give -Host (DNS names or IP addresses), or pipe a Get-IngressCertificate row that has hosts";
            return null;
        }

        return new RequestHosts(dns, ips, all);
    }
}
