using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Security.Cryptography.X509Certificates;

namespace IngressCerts.Engine.Certificates;

/// <summary>
/// Decides whether a certificate covers a host name, following RFC 6125 as browsers apply it:
/// only subject alternative names count (a certificate without them covers nothing, whatever
/// its CN); names compare case-insensitively, in A-label (punycode) form, ignoring a trailing
/// dot; a wildcard is only a whole left-most label and stands for exactly one label.
/// </summary>
public static class HostMatcher
{
    // GetAscii reads no mutable state once constructed, so one instance serves all threads.
    private static readonly IdnMapping Idn = new();

    /// <summary>True when <paramref name="certificate"/>'s SANs cover <paramref name="host"/>.</summary>
    public static bool IsCovered(string host, X509Certificate2 certificate)
    {
        var info = new CertificateInfo(certificate);
        return IsCovered(host, info.DnsNames, info.IPAddresses);
    }

    /// <summary>
    /// What a certificate does cover, for a message about a host it does not: "it names a, b" (its SAN DNS names and
    /// IP addresses), or that it has none.
    /// </summary>
    internal static string DescribeCoverage(CertificateInfo certificate)
    {
        var text = new DefaultInterpolatedStringHandler(0, 0, CultureInfo.InvariantCulture);
        AppendCoverage(ref text, certificate);
        return text.ToStringAndClear();
    }

    /// <summary>
    /// <see cref="DescribeCoverage(CertificateInfo)"/> written into a message being built: a scan of distinct leaves writes
    /// one such message per host, and the parts (joined names, the description) need not be strings of their own.
    /// </summary>
    internal static void AppendCoverage(ref DefaultInterpolatedStringHandler text, CertificateInfo certificate)
    {
        if (!certificate.HasSubjectAltNames || (certificate.DnsNames.Count == 0 && certificate.IPAddresses.Count == 0))
        {
            text.AppendLiteral("it has no subject alternative names, and clients ignore its CN");
            return;
        }

        text.AppendLiteral("it names ");
        var first = true;
        foreach (var name in certificate.DnsNames)
        {
            AppendSeparated(ref text, name, ref first);
        }

        foreach (var address in certificate.IPAddresses)
        {
            AppendSeparated(ref text, address.ToString(), ref first);
        }
    }

    private static void AppendSeparated(ref DefaultInterpolatedStringHandler text, string value, ref bool first)
    {
        if (!first)
        {
            text.AppendLiteral(", ");
        }

        text.AppendFormatted(value);
        first = false;
    }

    /// <inheritdoc cref="DescribeCoverage(CertificateInfo)"/>
    public static string DescribeCoverage(X509Certificate2 certificate) => DescribeCoverage(new CertificateInfo(certificate));

    /// <summary>
    /// True when a DNS name (for a host name) or an IP address (for an IP host) covers <paramref name="host"/>.
    /// A wildcard host such as <c>*.example.com</c> is covered only by that same wildcard name.
    /// </summary>
    public static bool IsCovered(string host, IEnumerable<string> dnsNames, IEnumerable<IPAddress> ipAddresses) =>
        IsCovered(host, dnsNames, ipAddresses, namesAreNormalized: false);

    /// <summary>
    /// As <see cref="IsCovered(string, IEnumerable{string}, IEnumerable{IPAddress})"/>; <paramref name="namesAreNormalized"/>
    /// says the DNS names went through <see cref="Normalize"/> already (a certificate's names, normalised once per scan).
    /// </summary>
    internal static bool IsCovered(string host, IEnumerable<string> dnsNames, IEnumerable<IPAddress> ipAddresses, bool namesAreNormalized)
    {
        if (TryParseIPAddress(host, out var address))
        {
            // RFC 6125 §6.2.1: an IP host matches iPAddress SANs only, never DNS names.
            return ipAddresses.Any(a => a.Equals(address) || (a.IsIPv4MappedToIPv6 && a.MapToIPv4().Equals(address)));
        }

        var normalizedHost = Normalize(host);
        if (normalizedHost.Length == 0)
        {
            return false;
        }

        foreach (var name in dnsNames)
        {
            if (NameCovers(namesAreNormalized ? name : Normalize(name), normalizedHost))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when one SAN DNS name (possibly a wildcard) covers <paramref name="host"/>.</summary>
    public static bool DnsNameCovers(string dnsName, string host) => NameCovers(Normalize(dnsName), Normalize(host));

    /// <summary>
    /// Lower-case A-label form without a trailing dot; a leading <c>*.</c> is kept as is.
    /// A name IDNA rejects is only lower-cased, so it can still match itself.
    /// </summary>
    public static string Normalize(string name)
    {
        var trimmed = name.Trim();
        if (trimmed.EndsWith('.'))
        {
            trimmed = trimmed[..^1];
        }

        if (trimmed.StartsWith("*.", StringComparison.Ordinal))
        {
            return "*." + ToALabels(trimmed[2..]);
        }

        return ToALabels(trimmed);
    }

    private static string ToALabels(string name)
    {
        if (name.Length == 0)
        {
            return name;
        }

        foreach (var c in name)
        {
            if (c > 0x7F)
            {
                try
                {
                    return Idn.GetAscii(name).ToLowerInvariant();
                }
                catch (ArgumentException)
                {
                    return name.ToLowerInvariant();
                }
            }
        }

        return name.ToLowerInvariant();
    }

    /// <param name="name">A normalised SAN DNS name.</param>
    /// <param name="host">A normalised host.</param>
    private static bool NameCovers(string name, string host)
    {
        if (name.Length == 0)
        {
            return false;
        }

        if (string.Equals(name, host, StringComparison.Ordinal))
        {
            // Covers equal names, and a wildcard host by the same wildcard name.
            return !host.Contains('*', StringComparison.Ordinal) || IsWellFormedWildcard(name);
        }

        if (host.Contains('*', StringComparison.Ordinal) || !IsWellFormedWildcard(name))
        {
            // A wildcard host is covered only by the same wildcard; partial wildcards
            // (f*.example.com) and wildcards past the first label never match.
            return false;
        }

        var firstDot = host.IndexOf('.', StringComparison.Ordinal);
        return firstDot > 0 && host.AsSpan(firstDot + 1).SequenceEqual(name.AsSpan(2));
    }

    /// <summary>
    /// <c>*.</c> followed by at least two labels and no other <c>*</c>: <c>*.com</c> would span a
    /// whole top-level domain, which no client accepts.
    /// </summary>
    private static bool IsWellFormedWildcard(string name) =>
        name.StartsWith("*.", StringComparison.Ordinal)
        && name.IndexOf('*', 1) < 0
        && name.IndexOf('.', 2) > 2
        && !name.EndsWith('.');

    private static bool TryParseIPAddress(string host, out IPAddress address)
    {
        var text = host.Trim();
        if (text.StartsWith('[') && text.EndsWith(']'))
        {
            text = text[1..^1];
        }

        // IPAddress.TryParse also takes "10" or "1.2" (legacy IPv4 forms) which are valid DNS
        // labels, so only dotted quads and anything with a colon count as addresses.
        if (IPAddress.TryParse(text, out var parsed)
            && (parsed.AddressFamily == AddressFamily.InterNetworkV6
                ? text.Contains(':', StringComparison.Ordinal)
                : text.Count(c => c == '.') == 3))
        {
            address = parsed;
            return true;
        }

        address = IPAddress.None;
        return false;
    }
}
