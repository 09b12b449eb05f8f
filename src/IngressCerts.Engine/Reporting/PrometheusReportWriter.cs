using System.Globalization;
using System.Numerics;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace IngressCerts.Engine.Reporting;

/// <summary>
/// Prometheus text exposition format (0.0.4), for node_exporter's textfile collector or a Pushgateway. The x509_cert_*
/// series carry the names and labels of enix/x509-certificate-exporter (secret_namespace, secret_name, secret_key,
/// serial_number in decimal, subject_CN, issuer_CN, ...) so its dashboards and alert rules work unchanged; one series
/// per certificate in a Secret, however many references share it. A certificate kept in the object itself (an OpenShift
/// Route's spec.tls) has no Secret to name: its x509_cert_* series are labelled with the object instead, as the reference
/// series are (namespace, kind, name, listener and hosts when it has them) and the field it is in, so that it expires in
/// view like any other and two such objects never share a series. ingresscerts_reference_status adds one series per
/// reference with its status and findings; ingresscerts_certmanager_ready one per reference whose Secret a cert-manager
/// Certificate manages (1 when its Ready condition is True, the condition's status in a label, as cert-manager's own
/// certmanager_certificate_ready_status names it), and ingresscerts_certmanager_renewal_timestamp_seconds one per
/// Certificate with a renewal time.
/// </summary>
public static class PrometheusReportWriter
{
    private const string SecretKey = "tls.crt";

    // x509-certificate-exporter's label suffixes for the parts of a distinguished name it exports.
    private static readonly (string Oid, string Suffix)[] NameParts =
    {
        ("2.5.4.6", "C"), ("2.5.4.7", "L"), ("2.5.4.10", "O"), ("2.5.4.11", "OU"), ("2.5.4.3", "CN"),
    };

    public static void Write(ReportDocument document, TextWriter output)
    {
        var certificates = Certificates(document);
        Gauge(output, "x509_cert_not_after", "Indicates the certificate's not after timestamp",
            certificates.Select(c => (c.Labels, c.Row.NotAfter!.Value.ToUnixTimeSeconds())));
        Gauge(output, "x509_cert_not_before", "Indicates the certificate's not before timestamp",
            certificates.Select(c => (c.Labels, c.Row.NotBefore?.ToUnixTimeSeconds() ?? 0)));
        Gauge(output, "x509_cert_expired", "Indicates if the certificate is expired",
            certificates.Select(c => (c.Labels, c.Row.NotAfter!.Value < document.AsOf ? 1L : 0L)));
        Gauge(output, "ingresscerts_reference_status", "One series per TLS reference with its status and finding ids; the value is always 1",
            document.Rows.Select(r => (ReferenceLabels(r), 1L)));
        Gauge(output, "ingresscerts_reference_days_remaining", "Whole days until the certificate of a TLS reference expires, at the report time",
            document.Rows.Where(r => r.DaysLeft(document.AsOf) is not null).Select(r => (ReferenceLabels(r, withStatus: false), (long)r.DaysLeft(document.AsOf)!.Value)));

        var managed = document.Sorted().Where(r => r.CertManager is not null).ToList();
        Gauge(output, "ingresscerts_certmanager_ready", "1 when the cert-manager Certificate that manages the Secret of a TLS reference is Ready, else 0; the condition label has the Ready status (empty when it could not be read)",
            managed.Select(r => (CertManagerLabels(r, ReferenceLabels(r, withStatus: false)), r.CertManager!.Ready == "True" ? 1L : 0L)));
        Gauge(output, "ingresscerts_certmanager_renewal_timestamp_seconds", "When cert-manager will renew the Certificate (its status.renewalTime), as a Unix time",
            managed.Where(r => r.CertManager!.RenewalTime is not null).Select(r => (
                new List<KeyValuePair<string, string>> { new("cluster", r.Cluster), new("namespace", r.EffectiveSecretNamespace), new("certificate", r.CertManager!.Certificate) },
                r.CertManager!.RenewalTime!.Value.ToUnixTimeSeconds())));

        Family(output, "ingresscerts_report_timestamp_seconds", "When the report was made (its -AsOf), as a Unix time");
        output.Write("ingresscerts_report_timestamp_seconds ");
        output.Write(document.AsOf.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        output.Write('\n');
    }

    /// <summary>Each certificate with its exporter labels, in a stable order (<see cref="Gauge"/> drops the repeats of a shared Secret).</summary>
    private static List<(List<KeyValuePair<string, string>> Labels, ReportRow Row)> Certificates(ReportDocument document)
    {
        var list = new List<(List<KeyValuePair<string, string>>, ReportRow)>();
        foreach (var row in document.Sorted())
        {
            if (row.NotAfter is null)
            {
                continue;
            }

            var labels = string.IsNullOrEmpty(row.SecretName) ? InlineLabels(row) : new List<KeyValuePair<string, string>>
            {
                new("cluster", row.Cluster),
                new("secret_namespace", row.EffectiveSecretNamespace),
                new("secret_name", row.SecretName),
                new("secret_key", SecretKey),
            };
            if (DecimalSerial(row.SerialNumber) is { } serial)
            {
                labels.Add(new("serial_number", serial));
            }

            AddName(labels, "issuer", row.Issuer);
            AddName(labels, "subject", row.Subject);
            list.Add((labels, row));
        }

        return list;
    }

    /// <summary>
    /// The labels of a certificate with no Secret (a Route's inline one): the object it is in, as the reference series
    /// name it, and its field; a label with nothing to say (no listener, no hosts) is left out rather than empty.
    /// </summary>
    private static List<KeyValuePair<string, string>> InlineLabels(ReportRow row)
    {
        var labels = new List<KeyValuePair<string, string>>
        {
            new("cluster", row.Cluster),
            new("namespace", row.Namespace),
            new("kind", row.Kind),
            new("name", row.Name),
        };
        if (!string.IsNullOrEmpty(row.Listener))
        {
            labels.Add(new("listener", row.Listener));
        }

        if (row.Hosts.Count > 0)
        {
            labels.Add(new("hosts", string.Join(",", row.Hosts)));
        }

        if (row.Kind == Inventory.Kinds.OpenShiftRoutes.Kind)
        {
            labels.Add(new("field", IngressCerts.Engine.Certificates.SecretFields.RouteInline.Certificate));
        }

        return labels;
    }

    private static List<KeyValuePair<string, string>> ReferenceLabels(ReportRow row, bool withStatus = true)
    {
        var labels = new List<KeyValuePair<string, string>>
        {
            new("cluster", row.Cluster),
            new("namespace", row.Namespace),
            new("kind", row.Kind),
            new("name", row.Name),
            new("listener", row.Listener ?? string.Empty),
            new("hosts", string.Join(",", row.Hosts)),
            new("secret_namespace", string.IsNullOrEmpty(row.SecretName) ? string.Empty : row.EffectiveSecretNamespace),
            new("secret_name", row.SecretName ?? string.Empty),
        };
        if (withStatus)
        {
            labels.Add(new("status", row.Status));
            labels.Add(new("findings", string.Join(",", row.Findings.Select(f => f.Id).Where(id => id.Length > 0).Distinct())));
            if (row.Served is { } served)
            {
                labels.Add(new("served", served ? "true" : "false"));
            }
        }

        return labels;
    }

    private static List<KeyValuePair<string, string>> CertManagerLabels(ReportRow row, List<KeyValuePair<string, string>> labels)
    {
        var certManager = row.CertManager!;
        labels.Add(new("certificate", certManager.Certificate));
        labels.Add(new("issuer", certManager.Issuer ?? string.Empty));
        labels.Add(new("issuer_group", certManager.IssuerGroup ?? string.Empty));
        labels.Add(new("condition", certManager.Ready ?? string.Empty));
        labels.Add(new("reason", certManager.ReadyReason ?? string.Empty));
        return labels;
    }

    /// <summary>The serial number as the exporter prints it: Go's big.Int in decimal of the (two's complement) encoding.</summary>
    internal static string? DecimalSerial(string? hex)
    {
        if (string.IsNullOrEmpty(hex))
        {
            return null;
        }

        try
        {
            return new BigInteger(Convert.FromHexString(hex), isUnsigned: false, isBigEndian: true).ToString(CultureInfo.InvariantCulture);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static void AddName(List<KeyValuePair<string, string>> labels, string prefix, string? distinguishedName)
    {
        if (string.IsNullOrEmpty(distinguishedName))
        {
            return;
        }

        Dictionary<string, string> parts;
        try
        {
            parts = new X500DistinguishedName(distinguishedName).EnumerateRelativeDistinguishedNames()
                .Where(r => !r.HasMultipleElements && r.GetSingleElementValue() is not null)
                .GroupBy(r => r.GetSingleElementType().Value ?? string.Empty)
                .ToDictionary(g => g.Key, g => g.First().GetSingleElementValue()!);
        }
        catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            return;
        }

        foreach (var (oid, suffix) in NameParts)
        {
            if (parts.TryGetValue(oid, out string? value))
            {
                labels.Add(new($"{prefix}_{suffix}", value));
            }
        }
    }

    private static void Family(TextWriter output, string name, string help)
    {
        output.Write($"# HELP {name} {help}\n# TYPE {name} gauge\n");
    }

    /// <summary>One metric family; a series whose labels repeat one already written (the same reference piped twice) is left out.</summary>
    private static void Gauge(TextWriter output, string name, string help, IEnumerable<(List<KeyValuePair<string, string>> Labels, long Value)> samples)
    {
        Family(output, name, help);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var line = new StringBuilder(256);
        foreach (var (labels, value) in samples)
        {
            line.Clear().Append(name).Append('{');
            for (int i = 0; i < labels.Count; i++)
            {
                if (i > 0)
                {
                    line.Append(',');
                }

                line.Append(labels[i].Key).Append("=\"");
                EscapeLabelValue(line, labels[i].Value);
                line.Append('"');
            }

            line.Append('}');
            if (seen.Add(line.ToString()))
            {
                line.Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
                output.Write(line);
            }
        }
    }

    /// <summary>A label value as the exposition format wants it: backslash, double quote and line feed escaped.</summary>
    internal static void EscapeLabelValue(StringBuilder line, string value)
    {
        foreach (char c in value)
        {
            switch (c)
            {
                case '\\':
                    line.Append("\\\\");
                    break;
                case '"':
                    line.Append("\\\"");
                    break;
                case '\n':
                    line.Append("\\n");
                    break;
                default:
                    line.Append(c);
                    break;
            }
        }
    }
}
