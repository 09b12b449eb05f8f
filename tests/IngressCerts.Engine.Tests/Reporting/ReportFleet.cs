using IngressCerts.Engine.Certificates;
using IngressCerts.Engine.Reporting;

namespace IngressCerts.Engine.Tests.Reporting;

/// <summary>A fleet of references with one of every status, judged at a fixed time.</summary>
internal static class ReportFleet
{
    public static readonly DateTimeOffset AsOf = new(2030, 1, 15, 12, 0, 0, TimeSpan.Zero);

    public static List<ReportRow> EveryStatus()
    {
        var rows = new List<ReportRow>();
        int i = 0;
        foreach (var status in Enum.GetValues<CertificateStatus>())
        {
            bool hasCertificate = status is not (CertificateStatus.SecretNotFound or CertificateStatus.Forbidden or CertificateStatus.DefaultCertificate or CertificateStatus.InvalidSecret);
            int days = status switch
            {
                CertificateStatus.Expired => -3,
                CertificateStatus.Expiring => 10,
                _ => 200 + i,
            };
            rows.Add(new ReportRow
            {
                Cluster = i % 2 == 0 ? "prod" : "test",
                Namespace = $"ns{i % 3}",
                Kind = "Ingress",
                Name = $"app{i}",
                Hosts = new[] { $"app{i}.contoso.example" },
                SecretName = status == CertificateStatus.DefaultCertificate ? null : $"app{i}-tls",
                Status = status.ToString(),
                Findings = status == CertificateStatus.Valid ? Array.Empty<ReportFinding>() : new[] { new ReportFinding(status.ToString(), $"{status} finding of app{i}") },
                NotBefore = hasCertificate ? AsOf.AddDays(-30) : null,
                NotAfter = hasCertificate ? AsOf.AddDays(days).AddHours(1) : null,
                Subject = hasCertificate ? $"CN=app{i}.contoso.example" : null,
                Issuer = hasCertificate ? "CN=Contoso Issuing CA, O=Contoso" : null,
                SerialNumber = hasCertificate ? $"0{i + 1:X}" : null,
                Thumbprint = hasCertificate ? new string('A', 40) : null,
                Sha256Fingerprint = hasCertificate ? new string('B', 64) : null,
            });
            i++;
        }

        return rows;
    }

    public static string Render(ReportFormat format, IReadOnlyList<ReportRow> rows, string title = "Fleet")
    {
        var text = new StringWriter();
        ReportWriter.Write(format, new ReportDocument(title, AsOf, rows), text);
        return text.ToString();
    }

    /// <summary>A row whose every value is hostile to the format that shows it.</summary>
    public static ReportRow Hostile(string payload) => new()
    {
        Cluster = payload,
        Namespace = "evil",
        Kind = "Ingress",
        Name = payload,
        Hosts = new[] { payload, "ok.example" },
        SecretName = payload,
        Status = "Expired",
        Findings = new[] { new ReportFinding("Expired", payload) },
        NotBefore = AsOf.AddDays(-10),
        NotAfter = AsOf.AddDays(-1),
        Subject = "CN=evil.example",
        Issuer = "CN=Evil CA",
        SerialNumber = "01",
    };
}
