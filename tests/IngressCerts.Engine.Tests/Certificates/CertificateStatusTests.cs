using IngressCerts.Engine.Certificates;

namespace IngressCerts.Engine.Tests.Certificates;

public class CertificateStatusTests
{
    [Fact]
    public void Statuses_run_from_most_to_least_severe()
    {
        CertificateStatus[] expected =
        [
            CertificateStatus.SecretNotFound,
            CertificateStatus.ReferenceNotPermitted,
            CertificateStatus.Forbidden,
            CertificateStatus.DefaultCertificate,
            CertificateStatus.NoTls,
            CertificateStatus.InvalidSecret,
            CertificateStatus.KeyMismatch,
            CertificateStatus.Expired,
            CertificateStatus.NotYetValid,
            CertificateStatus.HostMismatch,
            CertificateStatus.IncompleteChain,
            CertificateStatus.UntrustedRoot,
            CertificateStatus.Expiring,
            CertificateStatus.Valid,
        ];

        Assert.Equal(expected, Enum.GetValues<CertificateStatus>().Order());
    }

    [Fact]
    public void Default_certificate_ranks_below_an_unreadable_secret_and_above_an_invalid_one()
    {
        Assert.True(CertificateStatus.Forbidden.IsMoreSevereThan(CertificateStatus.DefaultCertificate));
        Assert.True(CertificateStatus.DefaultCertificate.IsMoreSevereThan(CertificateStatus.InvalidSecret));
    }

    [Fact]
    public void Every_status_has_its_own_name()
    {
        foreach (var status in Enum.GetValues<CertificateStatus>())
        {
            Assert.Equal(status.ToString(), status.Name());
        }
    }

    [Fact]
    public void A_reference_not_permitted_shows_only_that_finding_and_no_certificate()
    {
        var permitted = CertificateEvaluation.From([new(FindingIds.Expiring, CertificateStatus.Expiring, "expires soon")], null);
        var issue = new CertificateFinding(FindingIds.ReferenceNotPermitted, CertificateStatus.ReferenceNotPermitted, "no ReferenceGrant");

        var through = permitted.Through(issue);

        Assert.Equal(CertificateStatus.ReferenceNotPermitted, through.Status);
        Assert.Equal(issue, Assert.Single(through.Findings));
        Assert.Same(permitted, permitted.Through(null));
    }

    [Fact]
    public void Findings_select_every_status_they_impose_and_Valid_only_without_one()
    {
        var evaluation = CertificateEvaluation.From(
            [
                new(FindingIds.Expiring, CertificateStatus.Expiring, "expires soon"),
                new(FindingIds.MissingIssuer, CertificateStatus.IncompleteChain, "issuer missing"),
                new(FindingIds.WeakRsaKey, CertificateStatus.Valid, "a note"),
            ],
            null);
        var findings = FindingCollection.From(evaluation.Findings);

        Assert.Equal("MissingIssuer, Expiring, WeakRsaKey", findings.ToString());
        Assert.Equal(["IncompleteChain", "Expiring", "Valid"], findings.Select(f => f.Status));
        Assert.True(findings.HasStatus("expiring"));
        Assert.True(findings.HasStatus("IncompleteChain"));
        Assert.False(findings.HasStatus("Valid"));
        Assert.False(findings.HasStatus("Expired"));
        Assert.True(FindingCollection.From([new(FindingIds.WeakRsaKey, CertificateStatus.Valid, "a note")]).HasStatus("Valid"));
        Assert.Equal(string.Empty, FindingCollection.Empty.ToString());
    }

    [Fact]
    public void Most_severe_of_several_is_the_worst() =>
        Assert.Equal(
            CertificateStatus.Expired,
            CertificateStatusSeverity.MostSevere([CertificateStatus.Expiring, CertificateStatus.Expired, CertificateStatus.HostMismatch]));

    [Fact]
    public void Most_severe_of_none_is_Valid() => Assert.Equal(CertificateStatus.Valid, CertificateStatusSeverity.MostSevere([]));

    [Fact]
    public void Secret_not_found_evaluation_names_the_secret()
    {
        var evaluation = CertificateEvaluation.SecretNotFound("web-tls");
        Assert.Equal(CertificateStatus.SecretNotFound, evaluation.Status);
        Assert.Contains("web-tls", Assert.Single(evaluation.Issues));
        Assert.Null(evaluation.Facts);
    }

    [Fact]
    public void Forbidden_evaluation_names_the_secret()
    {
        var evaluation = CertificateEvaluation.Forbidden("web-tls");
        Assert.Equal(CertificateStatus.Forbidden, evaluation.Status);
        Assert.Contains("web-tls", Assert.Single(evaluation.Issues));
    }

    [Fact]
    public void Default_certificate_evaluation_names_the_hosts()
    {
        var evaluation = CertificateEvaluation.DefaultCertificate(["a.example.com", "b.example.com"]);
        Assert.Equal(CertificateStatus.DefaultCertificate, evaluation.Status);
        Assert.Contains("a.example.com, b.example.com", Assert.Single(evaluation.Issues));
    }
}
