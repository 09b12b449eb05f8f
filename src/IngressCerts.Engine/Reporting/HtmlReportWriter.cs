using System.Globalization;
using System.Net;
using System.Text;

namespace IngressCerts.Engine.Reporting;

/// <summary>
/// One self-contained HTML page: inline CSS and SVG, no script, nothing fetched (its Content-Security-Policy forbids
/// it), so it works as a mail attachment and offline. Every value from the input is HTML-encoded.
/// </summary>
public static class HtmlReportWriter
{
    private const string Css = """
        :root{color-scheme:light}
        body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;background:#ffffff;margin:24px}
        h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:24px 0 8px}
        .meta{color:#57606a;margin:0}
        table{border-collapse:collapse}
        caption{text-align:left;font-weight:600;padding:4px 0}
        th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
        thead th{background:#f6f8fa}
        td.num,.refs td:nth-child(5){text-align:right;font-variant-numeric:tabular-nums}
        .badge{display:inline-block;padding:1px 8px;border-radius:10px;color:#ffffff;background:#595959;font-weight:600;white-space:nowrap}
        .refs{width:100%;table-layout:fixed;margin-bottom:12px}
        .refs caption{background:#eaeef2;border:1px solid #d0d7de;border-bottom:0;padding:4px 8px}
        .refs thead th{white-space:nowrap}
        .refs td,.refs th{overflow-wrap:anywhere}
        .refs td{white-space:pre-line}
        .group{content-visibility:auto}
        .empty{color:#57606a}
        figure{margin:0}
        figcaption{color:#57606a}
        """;

    private const int ChartWidth = 900;
    private const int ChartHeight = 220;

    public static void Write(ReportDocument document, TextWriter output)
    {
        var counts = document.CountsByStatus();
        output.Write("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        output.Write("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n");
        output.Write("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
        Encode(output, document.Title);
        output.Write("</title>\n<style>\n");
        output.Write(Css);
        foreach (string status in ReportStatuses.Ordered.Concat(new[] { ReportStatuses.Failed, ReportStatuses.Passed }))
        {
            output.Write($".s-{status}{{background:{ReportStatuses.Colour(status)}}}\n");
        }

        output.Write("</style>\n</head>\n<body>\n<header>\n<h1>");
        Encode(output, document.Title);
        output.Write("</h1>\n<p class=\"meta\">As of <time datetime=\"");
        output.Write(document.AsOf.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
        output.Write("\">");
        output.Write(document.AsOf.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture));
        output.Write($"</time> · <span id=\"total\" data-total=\"{document.Rows.Count}\">{document.Rows.Count}</span> {(document.Rows.Count == 1 ? "reference" : "references")}</p>\n</header>\n<main>\n");

        WriteSummary(output, counts, document.Rows.Count);
        WriteTimeline(output, document);
        WriteTable(output, document);
        output.Write("</main>\n</body>\n</html>\n");
    }

    private static void WriteSummary(TextWriter output, IReadOnlyList<KeyValuePair<string, int>> counts, int total)
    {
        output.Write("<section aria-labelledby=\"summary-heading\">\n<h2 id=\"summary-heading\">Summary</h2>\n");
        output.Write("<table class=\"summary\">\n<caption>References per status, worst first</caption>\n");
        output.Write("<thead><tr><th scope=\"col\">Status</th><th scope=\"col\">References</th></tr></thead>\n<tbody>\n");
        foreach (var (status, count) in counts)
        {
            output.Write("<tr data-status=\"");
            Encode(output, status);
            output.Write("\"><th scope=\"row\">");
            Badge(output, status);
            output.Write($"</th><td class=\"num\" data-count=\"{count}\">{count}</td></tr>\n");
        }

        output.Write($"</tbody>\n<tfoot><tr><th scope=\"row\">Total</th><td class=\"num\">{total}</td></tr></tfoot>\n</table>\n</section>\n");
    }

    private static void WriteTimeline(TextWriter output, ReportDocument document)
    {
        var buckets = ExpiryTimeline.Of(document, out int withoutCertificate);
        int max = Math.Max(1, buckets.Max(b => b.Count));
        const int top = 24, bottom = 44, left = 8;
        int slot = (ChartWidth - 2 * left) / buckets.Count;
        int plot = ChartHeight - top - bottom;

        output.Write("<section aria-labelledby=\"timeline-heading\">\n<h2 id=\"timeline-heading\">Expiry timeline</h2>\n<figure>\n");
        output.Write($"<svg width=\"{ChartWidth}\" height=\"{ChartHeight}\" viewBox=\"0 0 {ChartWidth} {ChartHeight}\" role=\"img\" aria-labelledby=\"timeline-title\">\n");
        output.Write("<title id=\"timeline-title\">References by when their certificate expires: ");
        output.Write(string.Join(", ", buckets.Select(b => $"{b.Label} {b.Count}")));
        output.Write("</title>\n");
        output.Write($"<line x1=\"{left}\" y1=\"{top + plot}\" x2=\"{ChartWidth - left}\" y2=\"{top + plot}\" stroke=\"#57606a\"/>\n");
        for (int i = 0; i < buckets.Count; i++)
        {
            var bucket = buckets[i];
            int height = bucket.Count == 0 ? 0 : Math.Max(2, plot * bucket.Count / max);
            int x = left + i * slot + 8;
            int width = slot - 16;
            int centre = x + width / 2;
            output.Write($"<g data-bucket=\"{WebUtility.HtmlEncode(bucket.Label)}\" data-count=\"{bucket.Count}\">");
            output.Write($"<rect x=\"{x}\" y=\"{top + plot - height}\" width=\"{width}\" height=\"{height}\" fill=\"{bucket.Colour}\"/>");
            output.Write($"<text x=\"{centre}\" y=\"{top + plot - height - 6}\" text-anchor=\"middle\" font-size=\"13\" fill=\"#1f2328\">{bucket.Count}</text>");
            output.Write($"<text x=\"{centre}\" y=\"{top + plot + 18}\" text-anchor=\"middle\" font-size=\"11\" fill=\"#1f2328\">{WebUtility.HtmlEncode(bucket.Label)}</text></g>\n");
        }

        output.Write("</svg>\n<figcaption>References per expiry window, as of the report date");
        if (withoutCertificate > 0)
        {
            output.Write($"; {withoutCertificate} without a readable certificate are not shown");
        }

        output.Write(".</figcaption>\n</figure>\n</section>\n");
    }

    /// <remarks>
    /// One table per cluster and namespace, each in a block with <c>content-visibility: auto</c>: Chromium then lays out
    /// and paints only the groups near the viewport, which for 10,000 references is most of the render time (a single
    /// table is laid out whole, and containment does not apply to its row groups). Each table keeps its caption and
    /// column headers, so a screen reader names the group and the column of every cell. The block's intrinsic size is
    /// estimated from its row count, so the scroll bar is about right before the group is rendered. Lines within a cell
    /// are text with <c>white-space: pre-line</c>, not <c>&lt;br&gt;</c> elements: fewer nodes per row.
    /// </remarks>
    private static void WriteTable(TextWriter output, ReportDocument document)
    {
        output.Write("<section aria-labelledby=\"refs-heading\">\n<h2 id=\"refs-heading\">References</h2>\n");
        output.Write("<p class=\"meta\">Every reference, one table per cluster and namespace, worst status first.</p>\n");
        if (document.Rows.Count == 0)
        {
            output.Write("<p class=\"empty\">No references.</p>\n");
        }

        var sizes = new Dictionary<(string, string), int>();
        foreach (var row in document.Rows)
        {
            sizes[(row.Cluster, row.Namespace)] = sizes.TryGetValue((row.Cluster, row.Namespace), out int n) ? n + 1 : 1;
        }

        string? cluster = null, ns = null;
        bool open = false;
        foreach (var row in document.Sorted())
        {
            if (!open || row.Cluster != cluster || row.Namespace != ns)
            {
                if (open)
                {
                    output.Write("</tbody>\n</table>\n</div>\n");
                }

                cluster = row.Cluster;
                ns = row.Namespace;
                open = true;
                int rows = sizes[(cluster, ns)];
                output.Write($"<div class=\"group\" style=\"contain-intrinsic-size:auto {GroupHeight(rows)}px\">\n<table class=\"refs\">\n<caption>");
                Encode(output, string.IsNullOrEmpty(cluster) ? ns : $"{cluster} / {ns}");
                output.Write($" ({rows})</caption>\n");
                // Fixed layout: the browser sizes columns from these widths instead of measuring every row first.
                output.Write("<colgroup><col style=\"width:15%\"><col style=\"width:17%\"><col style=\"width:13%\"><col style=\"width:15%\"><col style=\"width:8%\"><col></colgroup>\n");
                output.Write("<thead><tr><th scope=\"col\">Name</th><th scope=\"col\">Hosts</th><th scope=\"col\">Secret</th><th scope=\"col\">Status</th><th scope=\"col\">Days left</th><th scope=\"col\">Findings</th></tr></thead>\n<tbody>\n");
            }

            output.Write("<tr data-status=\"");
            Encode(output, row.Status);
            output.Write("\"><th scope=\"row\">");
            Encode(output, row.DisplayName);
            output.Write("</th><td>");
            Lines(output, row.Hosts);
            output.Write("</td><td>");
            if (!string.IsNullOrEmpty(row.SecretName))
            {
                Encode(output, row.SecretNamespace is { Length: > 0 } sns && sns != row.Namespace ? $"{sns}/{row.SecretName}" : row.SecretName);
            }

            output.Write("</td><td>");
            Badge(output, row.Status);
            output.Write("</td><td>");
            if (row.DaysLeft(document.AsOf) is { } days)
            {
                output.Write(days.ToString(CultureInfo.InvariantCulture));
            }

            output.Write("</td><td>");
            Lines(output, row.Notes);
            output.Write("</td></tr>\n");
        }

        if (open)
        {
            output.Write("</tbody>\n</table>\n</div>\n");
        }

        output.Write("</section>\n");
    }

    // Caption and header (about 70 px) plus two lines of text per row: a guess, replaced by the real height once shown.
    private static int GroupHeight(int rows) => 70 + 48 * rows;

    private static void Badge(TextWriter output, string status)
    {
        output.Write("<span class=\"badge s-");
        output.Write(ClassName(status));
        output.Write("\">");
        Encode(output, status);
        output.Write("</span>");
    }

    private static void Lines(TextWriter output, IEnumerable<string> values)
    {
        bool first = true;
        foreach (string value in values)
        {
            if (!first)
            {
                output.Write('\n');
            }

            Encode(output, value);
            first = false;
        }
    }

    // A status from a custom object may hold anything: only letters and digits reach a class name.
    private static string ClassName(string status)
    {
        var name = new StringBuilder(status.Length);
        foreach (char c in status)
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                name.Append(c);
            }
        }

        return name.ToString();
    }

    private static void Encode(TextWriter output, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            output.Write(WebUtility.HtmlEncode(value));
        }
    }
}
