using System.Security.Cryptography;
using System.Text.Json;
using IngressCerts.Engine.Certificates;
using IngressCerts.Engine.Kubernetes;

namespace IngressCerts.Engine.Inventory.Kinds;

/// <summary>
/// OpenShift Routes (route.openshift.io/v1): host spec.host; the certificate is inline in spec.tls (certificate, key,
/// caCertificate), or in the Secret that spec.tls.externalCertificate names in the Route's namespace. A Route without
/// spec.tls is no TLS reference; an edge or reencrypt Route without a certificate is served the router's default one.
/// An inline certificate is parsed at once by the given parser, which wipes the key's bytes: the key is read from the
/// object as bytes (never a string) and held only for that parse, not for the rest of the scan.
/// </summary>
public static class OpenShiftRoutes
{
    public const string Kind = "Route";

    public static IEnumerable<TlsReference> From(JsonElement route, string source, Func<SecretLookup, ParsedSecret> parse)
    {
        var (ns, name, tls) = OtherKinds.Identify(route);
        if (tls is null)
        {
            yield break;
        }

        string? host = RawObject.String(route, "spec", "host");
        var hosts = string.IsNullOrWhiteSpace(host) ? Array.Empty<string>() : new[] { host };
        string termination = RawObject.String(route, "spec", "tls", "termination") ?? "edge";
        if (termination.Equals("passthrough", StringComparison.OrdinalIgnoreCase))
        {
            yield return new TlsReference(source, Kind, ns, name, null, null, null, hosts, Notes:
            [
                new(FindingIds.Passthrough, CertificateStatus.Valid,
                    $"Route {ns}/{name} passes TLS through to its backend: the router holds no certificate for it; the backend's certificate is not checked"),
            ]);
            yield break;
        }

        string? external = RawObject.String(route, "spec", "tls", "externalCertificate", "name");
        if (!string.IsNullOrEmpty(external))
        {
            yield return new TlsReference(source, Kind, ns, name, null, ns, external, hosts);
            yield break;
        }

        var data = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        Copy(route, "certificate", TlsSecretParser.CertificateDataKey, data);
        Copy(route, "key", TlsSecretParser.PrivateKeyDataKey, data);
        Copy(route, "caCertificate", TlsSecretParser.CaDataKey, data);
        if (data.Count == 0)
        {
            yield return new TlsReference(source, Kind, ns, name, null, null, null, hosts);
            yield break;
        }

        ParsedSecret inline;
        try
        {
            inline = parse(SecretLookup.Found(ns, name, null, data, null) with { InlineFields = SecretFields.RouteInline });
        }
        finally
        {
            foreach (var bytes in data.Values)
            {
                CryptographicOperations.ZeroMemory(bytes);
            }
        }

        yield return new TlsReference(source, Kind, ns, name, null, null, null, hosts,
            Inline: inline,
            Notes: [new(FindingIds.InlineCertificate, CertificateStatus.Valid, $"the certificate is inline in spec.tls of Route {ns}/{name}, not in a Secret")]);
    }

    private static void Copy(JsonElement route, string field, string key, Dictionary<string, byte[]> data)
    {
        byte[]? value = RawObject.Utf8Bytes(route, "spec", "tls", field);
        if (value is null || value.All(b => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
        {
            if (value is not null)
            {
                CryptographicOperations.ZeroMemory(value);
            }

            return;
        }

        data[key] = value;
    }
}
