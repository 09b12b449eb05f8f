using System.Text.RegularExpressions;
using IngressCerts.Engine.Certificates;
using IngressCerts.Engine.Reporting;

namespace IngressCerts.Engine.Tests.Reporting;

public sealed class HtmlReportWriterTests
{
    [Fact]
    public void Every_status_colour_carries_white_text_at_WCAG_AA()
    {
        foreach (string status in ReportStatuses.Ordered.Append(ReportStatuses.Failed).Append(ReportStatuses.Passed).Append("SomethingNew"))
        {
            double ratio = ReportStatuses.ContrastRatio(ReportStatuses.Colour(status), ReportStatuses.Foreground);
            Assert.True(ratio >= 4.5, $"{status}: {ReportStatuses.Colour(status)} on white text is {ratio:F2}:1");
        }
    }

    [Theory]
    [InlineData("#1f2328", "#ffffff")] // body text
    [InlineData("#57606a", "#ffffff")] // the muted lines under the title and the chart
    [InlineData("#1f2328", "#f6f8fa")] // column headers
    [InlineData("#1f2328", "#eaeef2")] // cluster / namespace group headers
    public void Page_text_colours_meet_WCAG_AA(string text, string background) =>
        Assert.True(ReportStatuses.ContrastRatio(text, background) >= 4.5);

    [Fact]
    public void Contrast_ratio_is_that_of_WCAG()
    {
        Assert.Equal(21.0, ReportStatuses.ContrastRatio("#000000", "#ffffff"), 2);
        Assert.Equal(4.54, ReportStatuses.ContrastRatio("#767676", "#ffffff"), 2);
    }

    [Fact]
    public void Statuses_come_from_the_enum_worst_first_with_distinct_colours()
    {
        Assert.Equal(Enum.GetValues<CertificateStatus>().OrderBy(s => (int)s).Select(s => s.ToString()), ReportStatuses.Ordered);
        Assert.Equal(ReportStatuses.Ordered.Count, ReportStatuses.Ordered.Select(ReportStatuses.Colour).Distinct().Count());
        Assert.True(ReportStatuses.Rank("Valid") > ReportStatuses.Rank("SecretNotFound"));
        Assert.True(ReportStatuses.Rank("SomethingNew") > ReportStatuses.Rank("Valid"));
        Assert.Equal(ReportStatuses.OtherColour, ReportStatuses.Colour("3"));
    }

    [Fact]
    public void Summary_counts_equal_the_input()
    {
        var rows = ReportFleet.EveryStatus();
        rows.Add(rows[^1] with { Name = "another-valid" });
        string html = ReportFleet.Render(ReportFormat.Html, rows);

        var shown = Regex.Matches(html, "<tr data-status=\"(\\w+)\"><th scope=\"row\"><span class=\"badge s-\\w+\">\\w+</span></th><td class=\"num\" data-count=\"(\\d+)\"")
            .ToDictionary(m => m.Groups[1].Value, m => int.Parse(m.Groups[2].Value));
        var expected = rows.GroupBy(r => r.Status).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(expected.OrderBy(e => e.Key), shown.OrderBy(e => e.Key));
        Assert.Contains($"data-total=\"{rows.Count}\"", html);
    }

    [Fact]
    public void A_hostile_value_comes_out_as_inert_text()
    {
        const string payload = "<script>alert(1)</script><img src=x onerror=alert(2)>\"'&";
        string html = ReportFleet.Render(ReportFormat.Html, new[] { ReportFleet.Hostile(payload) }, title: payload);

        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html);
        Assert.Contains("onerror=alert(2)&gt;&quot;&#39;&amp;", html);
    }

    [Fact]
    public void Nothing_is_fetched_from_anywhere()
    {
        string html = ReportFleet.Render(ReportFormat.Html, ReportFleet.EveryStatus());

        Assert.DoesNotMatch(new Regex(@"\b(src|href|action|xlink:href)\s*=", RegexOptions.IgnoreCase), html);
        Assert.DoesNotMatch(new Regex(@"url\(|@import|https?:", RegexOptions.IgnoreCase), html);
        Assert.Contains("Content-Security-Policy\" content=\"default-src 'none'", html);
    }

    [Fact]
    public void The_table_is_grouped_by_cluster_and_namespace_with_semantic_headers()
    {
        var rows = ReportFleet.EveryStatus();
        string html = ReportFleet.Render(ReportFormat.Html, rows);

        // One table per group, each with its caption and column headers (the summary is the first caption).
        var groups = rows.GroupBy(r => (r.Cluster, r.Namespace)).ToList();
        Assert.Equal(groups.Count, Regex.Matches(html, "<table class=\"refs\">").Count);
        Assert.Equal(1 + groups.Count, Regex.Matches(html, "<caption>").Count);
        Assert.Equal(groups.Count, Regex.Matches(html, "<th scope=\"col\">Days left</th>").Count);
        foreach (var group in groups)
        {
            Assert.Contains($"<caption>{group.Key.Cluster} / {group.Key.Namespace} ({group.Count()})</caption>", html);
        }

        Assert.Equal(rows.Count, Regex.Matches(html, "<tr data-status=\"\\w+\"><th scope=\"row\">Ingress/").Count);
    }

    [Fact]
    public void Each_group_is_rendered_only_near_the_viewport_with_its_size_estimated()
    {
        var rows = ReportFleet.EveryStatus();
        string html = ReportFleet.Render(ReportFormat.Html, rows);

        Assert.Contains(".group{content-visibility:auto}", html);
        var sizes = Regex.Matches(html, "<div class=\"group\" style=\"contain-intrinsic-size:auto (\\d+)px\">\n<table class=\"refs\">\n<caption>[^<]* \\((\\d+)\\)</caption>");
        Assert.Equal(rows.GroupBy(r => (r.Cluster, r.Namespace)).Count(), sizes.Count);
        Assert.All(sizes, m => Assert.Equal(70 + 48 * int.Parse(m.Groups[2].Value), int.Parse(m.Groups[1].Value)));
        Assert.DoesNotContain("<br>", html);
    }

    [Fact]
    public void The_timeline_puts_each_certificate_in_its_window()
    {
        var rows = ReportFleet.EveryStatus();
        string html = ReportFleet.Render(ReportFormat.Html, rows);

        Assert.Contains("data-bucket=\"Expired\" data-count=\"1\"", html);
        Assert.Contains("data-bucket=\"Week 2\" data-count=\"1\"", html);
        int withCertificate = rows.Count(r => r.NotAfter is not null);
        int charted = Regex.Matches(html, "data-bucket=\"[^\"]+\" data-count=\"(\\d+)\"").Sum(m => int.Parse(m.Groups[1].Value));
        Assert.Equal(withCertificate, charted);
    }
}
