namespace IngressCerts.Engine.Reporting;

/// <summary>One bar of the expiry timeline: references whose certificate expires in [From, To) days.</summary>
public sealed record ExpiryBucket(string Label, int FromDays, int ToDays, string Colour)
{
    public int Count { get; set; }
}

/// <summary>
/// References by when their certificate expires: already expired, this week, the next three weeks one by one, then
/// months. Colours are those of the Expired, Expiring and Valid statuses.
/// </summary>
public static class ExpiryTimeline
{
    public static IReadOnlyList<ExpiryBucket> Of(ReportDocument document, out int withoutCertificate)
    {
        string expired = ReportStatuses.Colour("Expired"), soon = ReportStatuses.Colour("Expiring"), later = ReportStatuses.Colour("Valid");
        var buckets = new List<ExpiryBucket>
        {
            new("Expired", int.MinValue, 0, expired),
            new("This week", 0, 7, soon),
            new("Week 2", 7, 14, soon),
            new("Week 3", 14, 21, soon),
            new("Week 4", 21, 28, soon),
            new("1–2 months", 28, 61, later),
            new("2–3 months", 61, 92, later),
            new("3–6 months", 92, 183, later),
            new("6–12 months", 183, 366, later),
            new("Later", 366, int.MaxValue, later),
        };

        withoutCertificate = 0;
        foreach (var row in document.Rows)
        {
            if (row.NotAfter is null)
            {
                withoutCertificate++;
                continue;
            }

            double days = (row.NotAfter.Value - document.AsOf).TotalDays;
            buckets.First(b => days < b.ToDays && (b.FromDays == int.MinValue || days >= b.FromDays)).Count++;
        }

        return buckets;
    }
}
