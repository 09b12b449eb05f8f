namespace IngressCerts.Engine.Certificates;

/// <summary>The verdict on the certificate behind one Ingress TLS entry.</summary>
/// <param name="Status">The most severe finding's status; <see cref="CertificateStatus.Valid"/> when nothing lowers it.</param>
/// <param name="Findings">Everything found, most severe first, notes last.</param>
/// <param name="Facts">The leaf's facts; null when no certificate could be read.</param>
public sealed record CertificateEvaluation(CertificateStatus Status, IReadOnlyList<CertificateFinding> Findings, CertificateFacts? Facts)
{
    /// <summary>Every finding in words.</summary>
    public IReadOnlyList<string> Issues
    {
        get
        {
            var issues = Findings.Count == 0 ? [] : new string[Findings.Count];
            for (var i = 0; i < issues.Length; i++)
            {
                issues[i] = Findings[i].Message;
            }

            return issues;
        }
    }

    /// <summary>An evaluation whose status is the most severe of <paramref name="findings"/>, which are sorted by severity.</summary>
    public static CertificateEvaluation From(IEnumerable<CertificateFinding> findings, CertificateFacts? facts)
    {
        // A stable insertion sort: findings of equal severity keep the order they were found in, and an evaluation
        // has a handful of findings, for which this allocates one array where OrderBy allocates several.
        var sorted = findings.ToArray();
        for (var i = 1; i < sorted.Length; i++)
        {
            var finding = sorted[i];
            var j = i - 1;
            while (j >= 0 && sorted[j].Status > finding.Status)
            {
                sorted[j + 1] = sorted[j];
                j--;
            }

            sorted[j + 1] = finding;
        }

        return new CertificateEvaluation(sorted.Length == 0 ? CertificateStatus.Valid : CertificateStatusSeverity.MostSevere(sorted[0].Status, CertificateStatus.Valid), sorted, facts);
    }

    /// <summary>The TLS entry names <paramref name="secretName"/>, which does not exist.</summary>
    public static CertificateEvaluation SecretNotFound(string secretName) =>
        From([new(FindingIds.SecretNotFound, CertificateStatus.SecretNotFound, $"secret '{secretName}' does not exist: the controller serves its default certificate")], null);

    /// <summary>The secret <paramref name="secretName"/> could not be read.</summary>
    public static CertificateEvaluation Forbidden(string secretName) =>
        From([new(FindingIds.Forbidden, CertificateStatus.Forbidden, $"secret '{secretName}' could not be read: permission denied")], null);

    /// <summary>The TLS entry lists hosts but no secret.</summary>
    public static CertificateEvaluation DefaultCertificate(IEnumerable<string> hosts) =>
        From(
            [new(FindingIds.DefaultCertificate, CertificateStatus.DefaultCertificate, $"no secretName: the controller serves its default certificate for {string.Join(", ", hosts)}")],
            null);

    /// <summary>
    /// This evaluation as it stands for a reference with <paramref name="issue"/>: unchanged without one; only the
    /// issue, with no certificate facts, when the reference is not permitted (the Secret is not served, whatever it
    /// holds) or serves hosts with no TLS (there is no certificate); else the issue on top of the Secret's findings.
    /// </summary>
    public CertificateEvaluation Through(CertificateFinding? issue) => issue switch
    {
        null => this,
        { Status: CertificateStatus.ReferenceNotPermitted or CertificateStatus.NoTls } => From([issue], null),
        _ => From(Findings.Prepend(issue), Facts),
    };

    public override string ToString() => Findings.Count == 0 ? Status.ToString() : $"{Status}: {string.Join("; ", Issues)}";
}
