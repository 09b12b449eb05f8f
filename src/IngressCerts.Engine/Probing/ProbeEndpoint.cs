using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace IngressCerts.Engine.Probing;

/// <summary>
/// Where a probe connects: a DNS host name or an IP literal, plus a TCP port.
/// This is the address dialled, which need not be the name sent as SNI
/// (probing an ingress controller's load-balancer IP with each Ingress host as SNI is the usual case).
/// </summary>
public sealed record ProbeEndpoint
{
    /// <summary>The port used when the text names none: HTTPS.</summary>
    public const int DefaultPort = 443;

    /// <param name="host">A DNS name or an IP literal (IPv6 without brackets).</param>
    /// <param name="port">1–65535.</param>
    public ProbeEndpoint(string host, int port = DefaultPort)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        if (port is < 1 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(port), port, "A TCP port is between 1 and 65535.");
        }

        Address = ParseIpLiteral(host);
        if (Address is null && !IsPlausibleHostName(host))
        {
            throw new ArgumentException($"'{host}' is neither an IP address nor a DNS host name.", nameof(host));
        }

        Host = host;
        Port = port;
    }

    /// <summary>The host name or IP literal, as given (IPv6 without brackets).</summary>
    public string Host { get; }

    public int Port { get; }

    /// <summary>The IP address when <see cref="Host"/> is an IP literal, so no DNS lookup is needed; otherwise null.</summary>
    public IPAddress? Address { get; }

    /// <summary>True when <see cref="Host"/> is an IP literal rather than a name to resolve.</summary>
    public bool IsIpAddress => Address is not null;

    /// <summary><c>host:port</c>, with IPv6 literals in brackets (<c>[::1]:443</c>) so the text parses back.</summary>
    public override string ToString() =>
        Address is { AddressFamily: AddressFamily.InterNetworkV6 }
            ? $"[{Host}]:{Port.ToString(CultureInfo.InvariantCulture)}"
            : $"{Host}:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>
    /// Parses <c>host:port</c>, <c>[v6]:port</c>, <c>[v6]</c>, a bare IPv6 literal, or a bare host/IPv4 (port 443).
    /// </summary>
    /// <exception cref="FormatException">The text is not an endpoint; the message says why.</exception>
    public static ProbeEndpoint Parse(string text) =>
        TryParse(text, out var endpoint, out var error) ? endpoint : throw new FormatException(error);

    /// <summary>
    /// Like the constructor with the default port, without throwing: for addresses read from a cluster (a load
    /// balancer's status), which may hold anything, so that one bad address fails only its own probe.
    /// </summary>
    /// <param name="error">Why the host was rejected, in words; null on success.</param>
    public static bool TryCreate(
        string? host,
        [NotNullWhen(true)] out ProbeEndpoint? endpoint,
        [NotNullWhen(false)] out string? error)
    {
        endpoint = null;
        if (string.IsNullOrWhiteSpace(host))
        {
            error = "The address is empty.";
            return false;
        }

        if (ParseIpLiteral(host) is null && !IsPlausibleHostName(host))
        {
            error = $"'{host}' is neither an IP address nor a DNS host name.";
            return false;
        }

        endpoint = new ProbeEndpoint(host);
        error = null;
        return true;
    }

    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out ProbeEndpoint? endpoint) =>
        TryParse(text, out endpoint, out _);

    /// <param name="error">Why the text was rejected, in words; null on success.</param>
    public static bool TryParse(
        [NotNullWhen(true)] string? text,
        [NotNullWhen(true)] out ProbeEndpoint? endpoint,
        [NotNullWhen(false)] out string? error)
    {
        endpoint = null;
        var trimmed = text?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            error = "The endpoint is empty.";
            return false;
        }

        if (trimmed.Contains("://", StringComparison.Ordinal) || trimmed.Contains('/'))
        {
            error = $"'{trimmed}' looks like a URL or a path; give host, host:port or [IPv6]:port.";
            return false;
        }

        string host;
        string? portText = null;
        if (trimmed[0] == '[')
        {
            // Bracketed IPv6, the only way to give an IPv6 literal a port.
            var close = trimmed.IndexOf(']');
            if (close < 0)
            {
                error = $"'{trimmed}' opens '[' but never closes it.";
                return false;
            }

            host = trimmed[1..close];
            var rest = trimmed[(close + 1)..];
            if (rest.Length > 0)
            {
                if (rest[0] != ':')
                {
                    error = $"'{trimmed}' has '{rest}' after ']'; expected ':port'.";
                    return false;
                }

                portText = rest[1..];
            }

            if (ParseIpLiteral(host) is not { AddressFamily: AddressFamily.InterNetworkV6 })
            {
                error = $"'{host}' in brackets is not an IPv6 address.";
                return false;
            }
        }
        else
        {
            var colons = trimmed.Count(c => c == ':');
            if (colons > 1)
            {
                // More than one colon without brackets can only be a bare IPv6 literal; it takes the default port.
                host = trimmed;
            }
            else if (colons == 1)
            {
                var colon = trimmed.IndexOf(':');
                host = trimmed[..colon];
                portText = trimmed[(colon + 1)..];
            }
            else
            {
                host = trimmed;
            }
        }

        var port = DefaultPort;
        if (portText is not null
            && (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
        {
            error = $"'{portText}' is not a TCP port (1–65535).";
            return false;
        }

        if (host.Length == 0)
        {
            error = $"'{trimmed}' names no host.";
            return false;
        }

        if (ParseIpLiteral(host) is null && !IsPlausibleHostName(host))
        {
            error = $"'{host}' is neither an IP address nor a DNS host name.";
            return false;
        }

        endpoint = new ProbeEndpoint(host, port);
        error = null;
        return true;
    }

    /// <summary>
    /// Accepts only unambiguous literals: <see cref="IPAddress.TryParse(string, out IPAddress)"/> alone would read
    /// "10" or "0x7f.1" as IPv4, which are far more likely to be typos of host names than intended addresses.
    /// </summary>
    private static IPAddress? ParseIpLiteral(string host)
    {
        if (!IPAddress.TryParse(host, out var address))
        {
            return null;
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            return host.Contains(':') ? address : null;
        }

        var parts = host.Split('.');
        return parts.Length == 4 && parts.All(p => p.Length is > 0 and <= 3 && p.All(char.IsAsciiDigit)) ? address : null;
    }

    /// <summary>
    /// A loose syntactic check (letters, digits, '-', '_', '.'; labels ≤ 63; total ≤ 253), enough to reject
    /// URLs, paths and stray punctuation before DNS sees them. Internationalised names go through IDNA first.
    /// </summary>
    private static bool IsPlausibleHostName(string host)
    {
        string ascii;
        try
        {
            ascii = new IdnMapping().GetAscii(host.TrimEnd('.'));
        }
        catch (ArgumentException)
        {
            return false;
        }

        if (ascii.Length is 0 or > 253)
        {
            return false;
        }

        foreach (var label in ascii.Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-')
            {
                return false;
            }

            if (!label.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                return false;
            }
        }

        return true;
    }
}
