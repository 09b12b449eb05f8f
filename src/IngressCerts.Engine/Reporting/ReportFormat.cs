namespace IngressCerts.Engine.Reporting;

/// <summary>The formats Export-IngressCertificateReport writes.</summary>
public enum ReportFormat
{
    Html,
    Markdown,
    Prometheus,
    Json,
}

/// <summary>Writes a <see cref="ReportDocument"/> in one format.</summary>
public static class ReportWriter
{
    public static void Write(ReportFormat format, ReportDocument document, TextWriter output)
    {
        switch (format)
        {
            case ReportFormat.Html:
                HtmlReportWriter.Write(document, output);
                break;
            case ReportFormat.Markdown:
                MarkdownReportWriter.Write(document, output);
                break;
            case ReportFormat.Prometheus:
                PrometheusReportWriter.Write(document, output);
                break;
            case ReportFormat.Json:
                JsonReportWriter.Write(document, output);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown report format.");
        }
    }

    /// <summary>The usual file extension of a format, for the benchmark and the docs.</summary>
    public static string Extension(ReportFormat format) => format switch
    {
        ReportFormat.Html => ".html",
        ReportFormat.Markdown => ".md",
        ReportFormat.Prometheus => ".prom",
        _ => ".json",
    };
}
