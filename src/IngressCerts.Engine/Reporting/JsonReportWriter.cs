using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace IngressCerts.Engine.Reporting;

/// <summary>
/// One JSON document with one record per installed location (a reference, or a tested target), for import into a
/// machine-identity platform. The shape is docs/report.schema.json; records are written one at a time.
/// </summary>
public static class JsonReportWriter
{
    /// <summary>The version of docs/report.schema.json this writer follows.</summary>
    public const int SchemaVersion = 2;

    private static readonly JsonWriterOptions Options = new()
    {
        Indented = true,
        // Still valid JSON and safe in any text; leaves non-ASCII host names readable.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static void Write(ReportDocument document, TextWriter output)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var json = new Utf8JsonWriter(buffer, Options))
        {
            json.WriteStartObject();
            json.WriteNumber("schemaVersion", SchemaVersion);
            json.WriteString("title", document.Title);
            json.WriteString("asOf", document.AsOf);
            json.WriteNumber("count", document.Rows.Count);
            json.WritePropertyName("records");
            json.WriteStartArray();
            json.Flush();
            Drain(buffer, output);
            for (int i = 0; i < document.Rows.Count; i++)
            {
                WriteRecord(json, document.Rows[i], document.AsOf);
                json.Flush();
                Drain(buffer, output);
            }

            json.WriteEndArray();
            json.WriteEndObject();
            json.Flush();
            Drain(buffer, output);
        }

        output.Write('\n');
    }

    private static void WriteRecord(Utf8JsonWriter json, ReportRow row, DateTimeOffset asOf)
    {
        json.WriteStartObject();
        json.WriteString("source", row.Source);
        json.WriteString("cluster", row.Cluster);
        json.WriteString("namespace", row.Namespace);
        json.WriteString("kind", row.Kind);
        json.WriteString("name", row.Name);
        NullableString(json, "listener", row.Listener);
        json.WriteStartArray("hosts");
        foreach (string host in row.Hosts)
        {
            json.WriteStringValue(host);
        }

        json.WriteEndArray();
        NullableString(json, "secretNamespace", string.IsNullOrEmpty(row.SecretName) ? null : row.EffectiveSecretNamespace);
        NullableString(json, "secretName", row.SecretName);
        NullableString(json, "thumbprint", row.Thumbprint);
        NullableString(json, "sha256", row.Sha256Fingerprint);
        NullableString(json, "subject", row.Subject);
        NullableString(json, "issuer", row.Issuer);
        NullableString(json, "serialNumber", row.SerialNumber);
        NullableDate(json, "notBefore", row.NotBefore);
        NullableDate(json, "notAfter", row.NotAfter);
        if (row.DaysLeft(asOf) is { } days)
        {
            json.WriteNumber("daysRemaining", days);
        }
        else
        {
            json.WriteNull("daysRemaining");
        }

        json.WriteString("status", row.Status);
        json.WriteStartArray("findings");
        foreach (var finding in row.Findings)
        {
            json.WriteStartObject();
            json.WriteString("id", finding.Id);
            json.WriteString("message", finding.Message);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        if (row.Served is { } served)
        {
            json.WriteBoolean("served", served);
        }
        else
        {
            json.WriteNull("served");
        }

        WriteCertManager(json, row.CertManager);
        json.WriteEndObject();
    }

    private static void WriteCertManager(Utf8JsonWriter json, ReportCertManager? certManager)
    {
        if (certManager is null)
        {
            json.WriteNull("certManager");
            return;
        }

        json.WriteStartObject("certManager");
        json.WriteString("certificate", certManager.Certificate);
        NullableString(json, "issuer", certManager.Issuer);
        NullableString(json, "issuerGroup", certManager.IssuerGroup);
        NullableString(json, "ready", certManager.Ready);
        NullableString(json, "readyReason", certManager.ReadyReason);
        NullableString(json, "readyMessage", certManager.ReadyMessage);
        NullableDate(json, "renewalTime", certManager.RenewalTime);
        json.WriteEndObject();
    }

    private static void NullableString(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }

    private static void NullableDate(Utf8JsonWriter json, string name, DateTimeOffset? value)
    {
        if (value is { } date)
        {
            json.WriteString(name, date.ToUniversalTime());
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static void Drain(ArrayBufferWriter<byte> buffer, TextWriter output)
    {
        output.Write(Encoding.UTF8.GetString(buffer.WrittenSpan));
        buffer.Clear();
    }
}
