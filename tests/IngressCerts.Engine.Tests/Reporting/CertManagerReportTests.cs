using System.Text.Json;
using IngressCerts.Engine.Reporting;

namespace IngressCerts.Engine.Tests.Reporting;

/// <summary>The cert-manager Certificate behind a reference's Secret, in every format.</summary>
public sealed class CertManagerReportTests
{
    private static readonly DateTimeOffset Renewal = new(2030, 2, 1, 6, 30, 0, TimeSpan.Zero);

    private static (ReportRow Ready, ReportRow Failing, ReportRow Plain) Rows()
    {
        var rows = ReportFleet.EveryStatus();
        var valid = rows.Last();
        return (
            valid with { Name = "shop", SecretName = "shop-tls", CertManager = new ReportCertManager("shop", "ClusterIssuer/letsencrypt", "cert-manager.io", "True", "Ready", "Certificate is up to date and has not expired", Renewal) },
            valid with { Name = "api", SecretName = "api-tls", Kind = "Gateway", Listener = "https", CertManager = new ReportCertManager("api", "Issuer/vault", "cert-manager.io", "False", "Failed", "The certificate request has failed to complete") },
            valid with { Name = "plain", SecretName = "plain-tls" });
    }

    [Fact]
    public void The_summary_names_the_Certificate_its_issuer_and_why_it_is_not_ready()
    {
        var (ready, failing, _) = Rows();
        Assert.Equal("managed by cert-manager Certificate shop (ClusterIssuer/letsencrypt), Ready True: Ready, renews 2030-02-01 06:30 UTC", ready.CertManager!.Summary);
        Assert.Equal("managed by cert-manager Certificate api (Issuer/vault), Ready False: Failed: The certificate request has failed to complete", failing.CertManager!.Summary);
        Assert.Equal("managed by cert-manager Certificate x, Ready not known", new ReportCertManager("x").Summary);
    }

    [Fact]
    public void Json_carries_the_Certificate_or_null()
    {
        var (ready, failing, plain) = Rows();
        using var json = JsonDocument.Parse(ReportFleet.Render(ReportFormat.Json, new[] { ready, failing, plain }));

        Assert.Equal(JsonReportWriter.SchemaVersion, json.RootElement.GetProperty("schemaVersion").GetInt32());
        var records = json.RootElement.GetProperty("records").EnumerateArray().ToList();
        var first = records[0].GetProperty("certManager");
        Assert.Equal("shop", first.GetProperty("certificate").GetString());
        Assert.Equal("ClusterIssuer/letsencrypt", first.GetProperty("issuer").GetString());
        Assert.Equal("cert-manager.io", first.GetProperty("issuerGroup").GetString());
        Assert.Equal("True", first.GetProperty("ready").GetString());
        Assert.Equal(Renewal, first.GetProperty("renewalTime").GetDateTimeOffset());
        var second = records[1].GetProperty("certManager");
        Assert.Equal("False", second.GetProperty("ready").GetString());
        Assert.Equal("The certificate request has failed to complete", second.GetProperty("readyMessage").GetString());
        Assert.Equal(JsonValueKind.Null, second.GetProperty("renewalTime").ValueKind);
        Assert.Equal(JsonValueKind.Null, records[2].GetProperty("certManager").ValueKind);
    }

    [Theory]
    [InlineData(ReportFormat.Markdown)]
    [InlineData(ReportFormat.Html)]
    public void Tables_show_the_cert_manager_line_under_the_managed_reference_only(ReportFormat format)
    {
        var (ready, failing, plain) = Rows();
        string text = ReportFleet.Render(format, new[] { ready, failing, plain });

        Assert.Contains("managed by cert-manager Certificate shop (ClusterIssuer/letsencrypt), Ready True", text);
        Assert.Contains("managed by cert-manager Certificate api (Issuer/vault), Ready False: Failed", text);
        Assert.Equal(2, text.Split("managed by cert-manager").Length - 1);
        string plainLine = text.Split('\n').Single(l => l.Contains("plain-tls", StringComparison.Ordinal));
        Assert.DoesNotContain("cert-manager", plainLine);
    }

    [Fact]
    public void A_hostile_Certificate_name_is_encoded()
    {
        var (ready, _, _) = Rows();
        var hostile = ready with { CertManager = ready.CertManager! with { Certificate = "<script>x|y", ReadyMessage = "a\"b\nc" } };
        Assert.DoesNotContain("<script", ReportFleet.Render(ReportFormat.Html, new[] { hostile }));
        Assert.Contains(@"&lt;script&gt;x\|y", ReportFleet.Render(ReportFormat.Markdown, new[] { hostile }));
        Assert.Contains("certificate=\"<script>x|y\"", ReportFleet.Render(ReportFormat.Prometheus, new[] { hostile }));
    }

    [Fact]
    public void Prometheus_has_a_ready_series_per_managed_reference_and_a_renewal_series_per_Certificate()
    {
        var (ready, failing, plain) = Rows();
        var lines = ReportFleet.Render(ReportFormat.Prometheus, new[] { ready, failing, plain, ready with { Kind = "Gateway", Name = "other" } }).Split('\n');

        var readySeries = lines.Where(l => l.StartsWith("ingresscerts_certmanager_ready{", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, readySeries.Count);
        Assert.Contains(readySeries, l => l.Contains("name=\"shop\"", StringComparison.Ordinal) && l.Contains("certificate=\"shop\"", StringComparison.Ordinal) && l.Contains("condition=\"True\"", StringComparison.Ordinal) && l.EndsWith(" 1", StringComparison.Ordinal));
        Assert.Contains(readySeries, l => l.Contains("name=\"api\"", StringComparison.Ordinal) && l.Contains("listener=\"https\"", StringComparison.Ordinal) && l.Contains("condition=\"False\"", StringComparison.Ordinal) && l.Contains("reason=\"Failed\"", StringComparison.Ordinal) && l.EndsWith(" 0", StringComparison.Ordinal));
        Assert.DoesNotContain(readySeries, l => l.Contains("plain", StringComparison.Ordinal));

        // Two references share the shop Certificate: one renewal series. The api Certificate has no renewal time.
        var renewal = Assert.Single(lines, l => l.StartsWith("ingresscerts_certmanager_renewal_timestamp_seconds{", StringComparison.Ordinal));
        Assert.Contains("certificate=\"shop\"", renewal);
        Assert.EndsWith($" {Renewal.ToUnixTimeSeconds()}", renewal);
        Assert.Contains("# TYPE ingresscerts_certmanager_ready gauge", lines);
    }

    [Fact]
    public void An_inventory_item_and_an_object_with_the_module_property_names_carry_the_Certificate()
    {
        var item = new IngressCertificate
        {
            Name = "shop", Namespace = "web", Kind = "Ingress", SecretName = "shop-tls", Status = "Valid",
            CertManagerCertificate = "shop", CertManagerIssuer = "ClusterIssuer/letsencrypt", CertManagerReady = "False",
            CertManagerReadyReason = "Failed", CertManagerRenewalTime = Renewal.UtcDateTime,
        };
        var fromItem = ReportRows.From(item).CertManager!;
        Assert.Equal(("shop", "ClusterIssuer/letsencrypt", "False", "Failed", Renewal), (fromItem.Certificate, fromItem.Issuer, fromItem.Ready, fromItem.ReadyReason, fromItem.RenewalTime));
        Assert.Null(ReportRows.From(new IngressCertificate { Name = "plain", Status = "Valid" }).CertManager);

        var bag = new Dictionary<string, object?>
        {
            ["Name"] = "shop", ["Status"] = "Valid", ["CertManagerCertificate"] = "shop", ["CertManagerReady"] = "True",
            ["CertManagerRenewalTime"] = "2030-02-01T06:30:00Z",
        };
        var fromBag = ReportRows.FromProperties(bag, "Custom", (o, n) => ((Dictionary<string, object?>)o).GetValueOrDefault(n))!.CertManager!;
        Assert.Equal(("shop", "True", Renewal), (fromBag.Certificate, fromBag.Ready, fromBag.RenewalTime));
    }
}
