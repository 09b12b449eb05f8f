using System.Text;
using System.Text.Json;
using IngressCerts.Engine.Reporting;

namespace IngressCerts.Engine.Tests.Reporting;

public sealed class MarkdownReportWriterTests
{
    [Fact]
    public void A_pipe_or_markup_in_a_value_does_not_break_the_table()
    {
        string md = ReportFleet.Render(ReportFormat.Markdown, new[] { ReportFleet.Hostile("a|b *c* _d_ [x](y) `e` <script>\nf") });

        string row = md.Split('\n').Single(l => l.StartsWith("| a", StringComparison.Ordinal));
        // 8 columns: 9 unescaped pipes.
        Assert.Equal(9, row.Where((c, i) => c == '|' && (i == 0 || row[i - 1] != '\\')).Count());
        Assert.Contains(@"a\|b \*c\* \_d\_ \[x\](y) \`e\` &lt;script&gt; f", row);
        Assert.DoesNotContain("<script", md);
    }

    [Theory]
    [InlineData(ReportFormat.Markdown)]
    [InlineData(ReportFormat.Html)]
    public void One_reference_is_counted_in_the_singular(ReportFormat format)
    {
        var rows = ReportFleet.EveryStatus();
        Assert.Matches(@"\b1(</span>)? reference(?!s)", ReportFleet.Render(format, rows.Take(1).ToList()));
        Assert.Matches($@"\b{rows.Count}(</span>)? references\b", ReportFleet.Render(format, rows));
    }

    [Fact]
    public void Summary_counts_equal_the_input()
    {
        var rows = ReportFleet.EveryStatus();
        string md = ReportFleet.Render(ReportFormat.Markdown, rows);

        foreach (var group in rows.GroupBy(r => r.Status))
        {
            Assert.Contains($"\n| {group.Key} | {group.Count()} |\n", md);
        }

        Assert.Contains($"| **Total** | {rows.Count} |", md);
        Assert.Equal(rows.Count, md.Split('\n').Count(l => l.StartsWith("| prod |", StringComparison.Ordinal) || l.StartsWith("| test |", StringComparison.Ordinal)));
    }

    [Fact]
    public void Host_names_stay_readable() =>
        Assert.Equal("shop.contoso.example", MarkdownReportWriter.Escape("shop.contoso.example"));
}

public sealed class PrometheusReportWriterTests
{
    [Fact]
    public void Label_values_escape_backslash_quote_and_newline()
    {
        var line = new StringBuilder();
        PrometheusReportWriter.EscapeLabelValue(line, "a\\b\"c\nd");
        Assert.Equal("a\\\\b\\\"c\\nd", line.ToString());
    }

    [Fact]
    public void A_Secret_shared_by_two_references_is_one_certificate_series()
    {
        var row = ReportFleet.EveryStatus().Last();
        string prom = ReportFleet.Render(ReportFormat.Prometheus, new[] { row, row with { Name = "second" } });

        Assert.Single(prom.Split('\n'), l => l.StartsWith("x509_cert_not_after{", StringComparison.Ordinal));
        Assert.Equal(2, prom.Split('\n').Count(l => l.StartsWith("ingresscerts_reference_status{", StringComparison.Ordinal)));
    }

    [Fact]
    public void Certificate_series_carry_the_labels_of_x509_certificate_exporter()
    {
        var row = ReportFleet.EveryStatus().Last();
        string line = ReportFleet.Render(ReportFormat.Prometheus, new[] { row }).Split('\n').Single(l => l.StartsWith("x509_cert_not_after{", StringComparison.Ordinal));

        Assert.Contains($"secret_namespace=\"{row.Namespace}\"", line);
        Assert.Contains($"secret_name=\"{row.SecretName}\"", line);
        Assert.Contains("secret_key=\"tls.crt\"", line);
        Assert.Contains($"subject_CN=\"{row.Hosts[0]}\"", line);
        Assert.Contains("issuer_CN=\"Contoso Issuing CA\",", line);
        Assert.Contains("issuer_O=\"Contoso\"", line);
        Assert.EndsWith($" {row.NotAfter!.Value.ToUnixTimeSeconds()}", line);
    }

    [Fact]
    public void An_inline_certificate_has_expiry_series_labelled_with_its_object_and_field()
    {
        var route = ReportFleet.EveryStatus().Last() with { Kind = "Route", Name = "console", Namespace = "openshift", SecretName = null, Hosts = ["console.contoso.example"] };
        string prom = ReportFleet.Render(ReportFormat.Prometheus, new[] { route });

        foreach (string family in new[] { "x509_cert_not_after{", "x509_cert_not_before{", "x509_cert_expired{" })
        {
            string line = Assert.Single(prom.Split('\n'), l => l.StartsWith(family, StringComparison.Ordinal));
            Assert.StartsWith(
                family + $"cluster=\"{route.Cluster}\",namespace=\"openshift\",kind=\"Route\",name=\"console\",hosts=\"console.contoso.example\",field=\"spec.tls.certificate\",serial_number=",
                line, StringComparison.Ordinal);
            Assert.DoesNotContain("=\"\"", line, StringComparison.Ordinal); // no empty label: no secret_name, no listener
            Assert.DoesNotContain("secret_", line, StringComparison.Ordinal);
        }

        Assert.EndsWith($" {route.NotAfter!.Value.ToUnixTimeSeconds()}", prom.Split('\n').Single(l => l.StartsWith("x509_cert_not_after{", StringComparison.Ordinal)));
    }

    [Fact]
    public void Inline_certificates_of_two_objects_are_two_series_and_one_object_given_twice_is_one()
    {
        var route = ReportFleet.EveryStatus().Last() with { Kind = "Route", Name = "console", SecretName = null };
        var rows = new[] { route, route, route with { Name = "reports" }, route with { Namespace = "other" } };

        string prom = ReportFleet.Render(ReportFormat.Prometheus, rows);

        Assert.Equal(3, prom.Split('\n').Count(l => l.StartsWith("x509_cert_not_after{", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("01", "1")]
    [InlineData("00FF", "255")]
    [InlineData("3C79948FB65A1BE578464E8B18D6E095", "80384960849661453352419884128418586773")]
    public void Serial_numbers_are_decimal_like_the_exporter_prints_them(string hex, string expected) =>
        Assert.Equal(expected, PrometheusReportWriter.DecimalSerial(hex));

    [Fact]
    public void References_without_a_certificate_get_a_status_but_no_certificate_series()
    {
        var rows = ReportFleet.EveryStatus();
        string prom = ReportFleet.Render(ReportFormat.Prometheus, rows);

        Assert.Equal(rows.Count, prom.Split('\n').Count(l => l.StartsWith("ingresscerts_reference_status{", StringComparison.Ordinal)));
        Assert.Equal(rows.Count(r => r.NotAfter is not null), prom.Split('\n').Count(l => l.StartsWith("x509_cert_expired{", StringComparison.Ordinal)));
        Assert.Contains($"ingresscerts_report_timestamp_seconds {ReportFleet.AsOf.ToUnixTimeSeconds()}\n", prom);
    }
}

public sealed class JsonReportWriterTests
{
    [Fact]
    public void One_record_per_reference_with_its_certificate_and_status()
    {
        var rows = ReportFleet.EveryStatus();
        using var json = JsonDocument.Parse(ReportFleet.Render(ReportFormat.Json, rows));

        var records = json.RootElement.GetProperty("records").EnumerateArray().ToList();
        Assert.Equal(rows.Count, records.Count);
        Assert.Equal(rows.Count, json.RootElement.GetProperty("count").GetInt32());
        for (int i = 0; i < rows.Count; i++)
        {
            Assert.Equal(rows[i].Status, records[i].GetProperty("status").GetString());
            Assert.Equal(rows[i].Thumbprint, records[i].GetProperty("thumbprint").GetString());
            Assert.Equal(rows[i].NotAfter, records[i].GetProperty("notAfter").ValueKind == JsonValueKind.Null ? null : records[i].GetProperty("notAfter").GetDateTimeOffset());
            Assert.Equal(JsonValueKind.Null, records[i].GetProperty("served").ValueKind);
        }
    }

    [Fact]
    public void A_hostile_value_stays_one_string() =>
        Assert.Equal("\"}],\n<x>", JsonDocument.Parse(ReportFleet.Render(ReportFormat.Json, new[] { ReportFleet.Hostile("\"}],\n<x>") }))
            .RootElement.GetProperty("records")[0].GetProperty("name").GetString());
}

public sealed class ReportRowsTests
{
    private static object? Member(object target, string name) =>
        target is IDictionary<string, object?> bag ? bag.TryGetValue(name, out var value) ? value : null : null;

    [Fact]
    public void An_object_without_a_name_or_status_is_refused() =>
        Assert.Null(ReportRows.FromProperties(new Dictionary<string, object?> { ["Foo"] = "bar" }, "x", Member));

    [Fact]
    public void An_object_with_the_module_property_names_is_read()
    {
        var row = ReportRows.FromProperties(new Dictionary<string, object?>
        {
            ["Name"] = "web", ["Status"] = "NoTls", ["Hosts"] = new[] { "a.example", "b.example" },
            ["NotAfter"] = new DateTime(2030, 1, 1, 0, 0, 0, DateTimeKind.Utc), ["Issues"] = new[] { "served without TLS" },
        }, "Custom", Member)!;

        Assert.Equal(new[] { "a.example", "b.example" }, row.Hosts);
        Assert.Equal("NoTls", row.Status);
        Assert.Equal("served without TLS", row.Findings.Single().Message);
        Assert.Equal(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero), row.NotAfter);
    }

    [Fact]
    public void A_test_result_says_whether_the_certificate_was_served()
    {
        var result = new CertificateTestResult
        {
            Name = "web", Host = "a.example, b.example",
            Checks = new[] { new CertificateCheck { Name = "Served:a.example", Passed = false, Message = "serves another certificate" } },
        };
        var row = ReportRows.From(result);

        Assert.Equal(false, row.Served);
        Assert.Equal("Failed", row.Status);
        Assert.Equal(new[] { "a.example", "b.example" }, row.Hosts);
        Assert.Equal("Served:a.example", row.Findings.Single().Id);
    }

    [Fact]
    public void A_test_result_of_another_kind_keeps_its_kind_and_listener_so_that_rows_of_one_name_stay_apart()
    {
        var server = ReportRows.From(new CertificateTestResult { Namespace = "shop", Kind = "Gateway", ApiGroup = "networking.istio.io", Name = "edge", Listener = "https" });
        var route = ReportRows.From(new CertificateTestResult { Namespace = "shop", Kind = "Route", ApiGroup = "route.openshift.io", Name = "edge" });
        var secret = ReportRows.From(new CertificateTestResult { Namespace = "shop", SecretName = "spare" });

        Assert.Equal("Gateway/edge (https)", server.DisplayName);
        Assert.Equal("Route/edge", route.DisplayName);
        Assert.Equal("spare", secret.DisplayName);
    }
}
