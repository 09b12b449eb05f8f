using System.Globalization;
using System.Text;

namespace IngressCerts.Engine.Reporting;

/// <summary>GitHub-flavoured Markdown: a summary per status and one table, for tickets, pull requests and chat.</summary>
public static class MarkdownReportWriter
{
    public static void Write(ReportDocument document, TextWriter output)
    {
        output.Write("# ");
        output.Write(Escape(document.Title));
        output.Write("\n\n");
        output.Write($"As of {document.AsOf.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture)} · {document.Rows.Count} {(document.Rows.Count == 1 ? "reference" : "references")}\n\n");

        output.Write("| Status | References |\n|---|---:|\n");
        foreach (var (status, count) in document.CountsByStatus())
        {
            output.Write($"| {Escape(status)} | {count} |\n");
        }

        output.Write($"| **Total** | {document.Rows.Count} |\n\n");

        output.Write("| Cluster | Namespace | Name | Hosts | Secret | Status | Days left | Findings |\n");
        output.Write("|---|---|---|---|---|---|---:|---|\n");
        foreach (var row in document.Sorted())
        {
            output.Write("| ");
            output.Write(Escape(row.Cluster));
            output.Write(" | ");
            output.Write(Escape(row.Namespace));
            output.Write(" | ");
            output.Write(Escape(row.DisplayName));
            output.Write(" | ");
            output.Write(string.Join("<br>", row.Hosts.Select(Escape)));
            output.Write(" | ");
            output.Write(Escape(row.SecretName));
            output.Write(" | ");
            output.Write(Escape(row.Status));
            output.Write(" | ");
            output.Write(row.DaysLeft(document.AsOf)?.ToString(CultureInfo.InvariantCulture) ?? string.Empty);
            output.Write(" | ");
            output.Write(string.Join("<br>", row.Notes.Select(Escape)));
            output.Write(" |\n");
        }
    }

    /// <summary>
    /// A value as literal text in a table cell: Markdown punctuation backslash-escaped, HTML's &amp; &lt; &gt; as
    /// entities (GitHub renders inline HTML), and line breaks as spaces (a cell is one line).
    /// </summary>
    public static string Escape(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return string.Empty;
        }

        var text = new StringBuilder(value.Length + 8);
        foreach (char c in value)
        {
            switch (c)
            {
                case '&':
                    text.Append("&amp;");
                    break;
                case '<':
                    text.Append("&lt;");
                    break;
                case '>':
                    text.Append("&gt;");
                    break;
                case '\r' or '\n' or '\t':
                    text.Append(' ');
                    break;
                // Only what changes inline meaning in a cell, so host names stay readable as plain text in chat.
                case '\\' or '`' or '*' or '_' or '[' or ']' or '|' or '~' or '$':
                    text.Append('\\').Append(c);
                    break;
                default:
                    text.Append(char.IsControl(c) ? ' ' : c);
                    break;
            }
        }

        return text.ToString();
    }
}
