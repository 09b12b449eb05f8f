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
            CertificateStatus.Forbidden,
            CertificateStatus.DefaultCertificate,
            CertificateStatus.InvalidSecret,
            CertificateStatus.KeyMismatch,
            CertificateStatus.Expired,
            CertificateStatus.NotYetValid,
            CertificateStatus.HostMismatch,
            CertificateStatus.IncompleteChain,
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
