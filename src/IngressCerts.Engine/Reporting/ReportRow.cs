namespace IngressCerts.Engine.Reporting;

/// <summary>One finding as reports show it: a stable id (empty when the input names none) and words.</summary>
public sealed record ReportFinding(string Id, string Message)
{
    public override string ToString() => Message;
}

/// <summary>What a report keeps of the cert-manager Certificate that manages a reference's Secret.</summary>
/// <param name="Certificate">The Certificate's name (in the Secret's namespace).</param>
/// <param name="Issuer">Kind/name of its issuer ("ClusterIssuer/letsencrypt"); null when not known.</param>
/// <param name="IssuerGroup">The issuer's API group; null when not known.</param>
/// <param name="Ready">The Ready condition's status (True, False, Unknown); null when the Certificate could not be read.</param>
/// <param name="ReadyReason">The Ready condition's reason.</param>
/// <param name="ReadyMessage">The Ready condition's message.</param>
/// <param name="RenewalTime">status.renewalTime: when cert-manager will renew the certificate.</param>
public sealed record ReportCertManager(
    string Certificate,
    string? Issuer = null,
    string? IssuerGroup = null,
    string? Ready = null,
    string? ReadyReason = null,
    string? ReadyMessage = null,
    DateTimeOffset? RenewalTime = null)
{
    /// <summary>One line for a human: "managed by cert-manager Certificate X (Issuer Y), Ready False: reason: message".</summary>
    public string Summary
    {
        get
        {
            var text = new System.Text.StringBuilder("managed by cert-manager Certificate ").Append(Certificate);
            if (!string.IsNullOrEmpty(Issuer))
            {
                text.Append(" (").Append(Issuer).Append(')');
            }

            text.Append(string.IsNullOrEmpty(Ready) ? ", Ready not known" : $", Ready {Ready}");
            if (!string.IsNullOrEmpty(ReadyReason))
            {
                text.Append(": ").Append(ReadyReason);
            }

            if (!string.IsNullOrEmpty(ReadyMessage) && Ready != "True")
            {
                text.Append(": ").Append(ReadyMessage);
            }

            if (RenewalTime is { } renewal)
            {
                text.Append(", renews ").Append(renewal.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture));
            }

            return text.ToString();
        }
    }
}

/// <summary>
/// What a report keeps of one input object: a few strings and dates, never the certificate itself, so 10,000
/// references cost 10,000 small rows and the objects they came from can go.
/// </summary>
public sealed record ReportRow
{
    /// <summary>Reference (Get-IngressCertificate), Test (Test-IngressCertificate), or the input's type name.</summary>
    public string Source { get; init; } = "Reference";

    /// <summary>The kube context, or the manifest file for offline input.</summary>
    public string Cluster { get; init; } = string.Empty;

    public string Namespace { get; init; } = string.Empty;

    public string Kind { get; init; } = string.Empty;

    public string Name { get; init; } = string.Empty;

    public string? Listener { get; init; }

    public IReadOnlyList<string> Hosts { get; init; } = Array.Empty<string>();

    public string? SecretNamespace { get; init; }

    public string? SecretName { get; init; }

    public string Status { get; init; } = string.Empty;

    /// <summary>Worst first.</summary>
    public IReadOnlyList<ReportFinding> Findings { get; init; } = Array.Empty<ReportFinding>();

    public int? DaysRemaining { get; init; }

    public DateTimeOffset? NotBefore { get; init; }

    public DateTimeOffset? NotAfter { get; init; }

    public string? Subject { get; init; }

    public string? Issuer { get; init; }

    /// <summary>Upper-case hex of the serial number's encoding.</summary>
    public string? SerialNumber { get; init; }

    public string? Thumbprint { get; init; }

    public string? Sha256Fingerprint { get; init; }

    /// <summary>True or false when Test-IngressCertificate -Live probed the endpoints; null when nothing was probed.</summary>
    public bool? Served { get; init; }

    /// <summary>The cert-manager Certificate that manages the Secret; null when cert-manager does not.</summary>
    public ReportCertManager? CertManager { get; init; }

    /// <summary>The namespace of the Secret: its own when a Gateway reaches across, else the reference's.</summary>
    public string EffectiveSecretNamespace => string.IsNullOrEmpty(SecretNamespace) ? Namespace : SecretNamespace;

    /// <summary>Kind/name, and the listener of a Gateway.</summary>
    public string DisplayName
    {
        get
        {
            string name = string.IsNullOrEmpty(Kind) ? Name : $"{Kind}/{Name}";
            return string.IsNullOrEmpty(Listener) ? name : $"{name} ({Listener})";
        }
    }

    /// <summary>What a reader sees under the row: the findings' messages, and the cert-manager line when it has one.</summary>
    public IEnumerable<string> Notes =>
        CertManager is { } certManager ? Findings.Select(f => f.Message).Append(certManager.Summary) : Findings.Select(f => f.Message);

    /// <summary>Whole days to NotAfter at <paramref name="asOf"/>, rounded down; the input's own figure without a NotAfter.</summary>
    public int? DaysLeft(DateTimeOffset asOf) =>
        NotAfter is { } notAfter ? (int)Math.Floor((notAfter - asOf).TotalDays) : DaysRemaining;
}
