using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IngressCerts.Engine.Requests;

/// <summary>The subject of a request: an X.500 name as text (CN=shop.contoso.example, O=Contoso, C=NL).</summary>
public static class SubjectName
{
    /// <summary>The name parsed, or null with <paramref name="error"/> when it is not an X.500 name with at least one part.</summary>
    public static X500DistinguishedName? Parse(string subject, out string? error)
    {
        ArgumentNullException.ThrowIfNull(subject);
        error = null;
        if (string.IsNullOrWhiteSpace(subject))
        {
            error = "-Subject is empty; give an X.500 name such as 'CN=shop.contoso.example, O=Contoso'";
            return null;
        }

        X500DistinguishedName name;
        try
        {
            // The text is in the usual order (CN first); the encoding puts it in X.500 order (C first), as openssl shows it.
            name = new X500DistinguishedName(subject);
        }
        catch (CryptographicException)
        {
            error = $"-Subject '{subject}' is not an X.500 name; give one such as 'CN=shop.contoso.example, O=Contoso'";
            return null;
        }

        // Every part must be "attribute=value" with a value: the parser lets some malformed text through as empty names.
        var parts = name.EnumerateRelativeDistinguishedNames().ToList();
        if (parts.Count == 0 || parts.Any(p => !p.HasMultipleElements && string.IsNullOrEmpty(p.GetSingleElementValue())))
        {
            error = $"-Subject '{subject}' is not an X.500 name with a value in every part; give one such as 'CN=shop.contoso.example, O=Contoso'";
            return null;
        }

        return name;
    }

    /// <summary>
    /// The default subject: CN= the first host. A CN holds at most 64 characters: then the first host that fits, else
    /// an empty subject (the SANs name the hosts, which is what clients check).
    /// </summary>
    public static X500DistinguishedName Default(RequestHosts hosts)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        var builder = new X500DistinguishedNameBuilder();
        if (hosts.All.FirstOrDefault(h => h.Length <= 64) is { } first)
        {
            builder.AddCommonName(first);
        }

        return builder.Build();
    }
}
