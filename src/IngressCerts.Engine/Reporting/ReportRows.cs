using System.Collections;

namespace IngressCerts.Engine.Reporting;

/// <summary>Turns what Get-, Test- (and later Sync-) output into <see cref="ReportRow"/>s.</summary>
public static class ReportRows
{
    /// <summary>Check names of Test-IngressCertificate -Live that say whether a host serves the certificate.</summary>
    private const string ServedCheckPrefix = "Served:";

    public static ReportRow From(IngressCertificate item) => new()
    {
        Source = "Reference",
        Cluster = item.Context,
        Namespace = item.Namespace,
        Kind = item.Kind,
        Name = item.Name,
        Listener = item.Listener,
        Hosts = item.Hosts.ToArray(),
        SecretNamespace = item.SecretNamespace,
        SecretName = item.SecretName,
        Status = item.Status,
        Findings = FindingsOf(item),
        DaysRemaining = item.DaysRemaining,
        NotBefore = Utc(item.NotBefore),
        NotAfter = Utc(item.NotAfter),
        Subject = item.Subject,
        Issuer = item.Issuer,
        SerialNumber = item.SerialNumber,
        Thumbprint = item.Thumbprint,
        Sha256Fingerprint = item.Sha256Fingerprint,
        CertManager = string.IsNullOrEmpty(item.CertManagerCertificate) ? null : new ReportCertManager(
            item.CertManagerCertificate, item.CertManagerIssuer, item.CertManagerIssuerGroup, item.CertManagerReady,
            item.CertManagerReadyReason, item.CertManagerReadyMessage, Utc(item.CertManagerRenewalTime)),
    };

    public static ReportRow From(CertificateTestResult result)
    {
        var served = result.Checks.Where(c => c.Name.StartsWith(ServedCheckPrefix, StringComparison.Ordinal)).ToList();
        return new ReportRow
        {
            Source = "Test",
            Cluster = result.Context,
            Namespace = result.Namespace ?? string.Empty,
            Kind = result.Kind ?? string.Empty,
            Name = result.Name ?? result.SecretName ?? result.Host ?? string.Empty,
            Listener = result.Listener,
            Hosts = SplitHosts(result.Host),
            SecretName = result.SecretName,
            Status = result.Passed ? ReportStatuses.Passed : ReportStatuses.Failed,
            // What was found about the Secret (as Get names it), then the checks that failed beyond it (served, key).
            Findings = result.Findings.Select(f => new ReportFinding(f.Id, f.Message))
                .Concat(result.Checks.Where(c => !c.Passed).Select(c => new ReportFinding(c.Name, c.Message))).ToArray(),
            Served = served.Count == 0 ? null : served.All(c => c.Passed),
        };
    }

    /// <summary>The one place that reads findings from an <see cref="IngressCertificate"/>: every finding, worst first, notes last.</summary>
    internal static IReadOnlyList<ReportFinding> FindingsOf(IngressCertificate item) =>
        item.Findings.Select(f => new ReportFinding(f.Id, f.Message)).ToArray();

    /// <summary>
    /// Any other object (a PowerShell custom object, a later Sync result) read by the property names the module's own
    /// objects use; null when it has none of them, so the caller can refuse it.
    /// </summary>
    /// <param name="input">The object.</param>
    /// <param name="source">What the object is (its type name), for the record's Source.</param>
    /// <param name="member">Reads a property of an object by name; null when there is none.</param>
    public static ReportRow? FromProperties(object input, string source, Func<object, string, object?> member)
    {
        string? Text(object o, string name) => member(o, name) switch
        {
            null => null,
            string s => s,
            IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
            var v => v.ToString(),
        };

        string? name = Text(input, "Name") ?? Text(input, "SecretName") ?? Text(input, "Host");
        object? passed = member(input, "Passed");
        string? status = Text(input, "Status") ?? (passed is bool p ? (p ? ReportStatuses.Passed : ReportStatuses.Failed) : null);
        if (string.IsNullOrEmpty(name) || string.IsNullOrEmpty(status))
        {
            return null;
        }

        var hosts = member(input, "Hosts") is { } many and not string ? Strings(many) : SplitHosts(Text(input, "Hosts") ?? Text(input, "Host"));
        return new ReportRow
        {
            Source = string.IsNullOrEmpty(source) ? input.GetType().Name : source,
            Cluster = Text(input, "Context") ?? Text(input, "Cluster") ?? string.Empty,
            Namespace = Text(input, "Namespace") ?? string.Empty,
            Kind = Text(input, "Kind") ?? string.Empty,
            Name = name,
            Listener = Text(input, "Listener"),
            Hosts = hosts,
            SecretNamespace = Text(input, "SecretNamespace"),
            SecretName = Text(input, "SecretName"),
            Status = status,
            Findings = FindingsFrom(input, member, Text),
            DaysRemaining = int.TryParse(Text(input, "DaysRemaining"), out int d) ? d : null,
            NotBefore = Date(member(input, "NotBefore")),
            NotAfter = Date(member(input, "NotAfter")),
            Subject = Text(input, "Subject"),
            Issuer = Text(input, "Issuer"),
            SerialNumber = Text(input, "SerialNumber"),
            Thumbprint = Text(input, "Thumbprint"),
            Sha256Fingerprint = Text(input, "Sha256Fingerprint"),
            Served = member(input, "Served") as bool?,
            CertManager = Text(input, "CertManagerCertificate") is { Length: > 0 } certificate
                ? new ReportCertManager(certificate, Text(input, "CertManagerIssuer"), Text(input, "CertManagerIssuerGroup"),
                    Text(input, "CertManagerReady"), Text(input, "CertManagerReadyReason"), Text(input, "CertManagerReadyMessage"),
                    Date(member(input, "CertManagerRenewalTime")))
                : null,
        };
    }

    private static IReadOnlyList<ReportFinding> FindingsFrom(object input, Func<object, string, object?> member, Func<object, string, string?> text)
    {
        if (member(input, "Findings") is { } findings and not string)
        {
            return Items(findings).Select(f => f is string s
                ? new ReportFinding(string.Empty, s)
                : new ReportFinding(text(f, "Id") ?? string.Empty, text(f, "Message") ?? f.ToString() ?? string.Empty)).ToArray();
        }

        return Strings(member(input, "Issues") ?? Array.Empty<string>()).Select(m => new ReportFinding(string.Empty, m)).ToArray();
    }

    private static IEnumerable<object> Items(object value) =>
        value is IEnumerable many and not string ? many.Cast<object?>().OfType<object>() : new[] { value };

    private static IReadOnlyList<string> Strings(object value) =>
        Items(value).Select(v => v.ToString() ?? string.Empty).Where(s => s.Length > 0).ToArray();

    private static IReadOnlyList<string> SplitHosts(string? hosts) =>
        string.IsNullOrEmpty(hosts) ? Array.Empty<string>() : hosts.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static DateTimeOffset? Date(object? value) => value switch
    {
        DateTime d => Utc(d),
        DateTimeOffset o => o.ToUniversalTime(),
        string s when DateTimeOffset.TryParse(s, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var parsed) => parsed.ToUniversalTime(),
        _ => null,
    };

    // The model's dates are UTC (kind Utc, or Unspecified from a serializer): never shift them by the local offset.
    private static DateTimeOffset? Utc(DateTime? value) =>
        value is { } d ? new DateTimeOffset(d.Kind == DateTimeKind.Local ? d.ToUniversalTime() : DateTime.SpecifyKind(d, DateTimeKind.Utc)) : null;
}
