using System.Globalization;
using System.Text.RegularExpressions;

namespace IngressCerts.Engine.Publishing;

/// <summary>
/// The form the API server accepts for spec.tls[].hosts and spec.rules[].host: a lowercase RFC 1123 DNS name,
/// optionally with "*." in front. Checked before any write so a bad -Host never leaves a Secret written and its
/// Ingress update rejected.
/// </summary>
public static partial class IngressHostName
{
    private static readonly IdnMapping Idn = new();

    /// <summary>The host as the API server wants it (lowercase, A-label, no trailing dot), or an error in words.</summary>
    public static bool TryNormalize(string host, out string normalized, out string? error)
    {
        normalized = host.Trim().TrimEnd('.');
        error = null;
        try
        {
            string prefix = normalized.StartsWith("*.", StringComparison.Ordinal) ? "*." : string.Empty;
            string rest = normalized[prefix.Length..];
            normalized = prefix + (rest.Any(c => c > 127) ? Idn.GetAscii(rest) : rest).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            error = $"'{host}' is not a valid host name";
            return false;
        }

        if (System.Net.IPAddress.TryParse(normalized, out _))
        {
            error = $"'{host}' is an IP address; an Ingress host must be a DNS name";
            return false;
        }

        if (normalized.Length > 253 || !Pattern().IsMatch(normalized))
        {
            error = $"'{host}' is not a valid Ingress host: a lowercase DNS name of letters, digits, '-' and '.', optionally starting with '*.'";
            return false;
        }

        return true;
    }

    [GeneratedRegex(@"^(\*\.)?[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$")]
    private static partial Regex Pattern();
}
