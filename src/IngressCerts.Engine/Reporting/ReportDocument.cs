namespace IngressCerts.Engine.Reporting;

/// <summary>Everything a report writer needs: the rows (held once) and when they are judged.</summary>
public sealed class ReportDocument
{
    public ReportDocument(string title, DateTimeOffset asOf, IReadOnlyList<ReportRow> rows)
    {
        Title = title;
        AsOf = asOf.ToUniversalTime();
        Rows = rows;
    }

    public string Title { get; }

    /// <summary>The time the report describes (days left, expired), in UTC.</summary>
    public DateTimeOffset AsOf { get; }

    public IReadOnlyList<ReportRow> Rows { get; }

    /// <summary>References per status, in the order of <see cref="ReportStatuses.Ordered"/>; statuses with none left out.</summary>
    public IReadOnlyList<KeyValuePair<string, int>> CountsByStatus()
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var row in Rows)
        {
            counts[row.Status] = counts.TryGetValue(row.Status, out int n) ? n + 1 : 1;
        }

        return counts.OrderBy(c => ReportStatuses.Rank(c.Key)).ThenBy(c => c.Key, StringComparer.Ordinal).ToList();
    }

    /// <summary>Rows by cluster, then namespace, then worst status first, then name.</summary>
    public IEnumerable<ReportRow> Sorted() =>
        Rows.OrderBy(r => r.Cluster, StringComparer.Ordinal)
            .ThenBy(r => r.Namespace, StringComparer.Ordinal)
            .ThenBy(r => ReportStatuses.Rank(r.Status))
            .ThenBy(r => r.Name, StringComparer.Ordinal)
            .ThenBy(r => r.Listener, StringComparer.Ordinal);
}
