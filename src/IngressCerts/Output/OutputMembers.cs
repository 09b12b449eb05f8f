using System.Collections.ObjectModel;
using System.Management.Automation;

namespace IngressCerts.Commands.Output;

/// <summary>
/// The ETS properties Findings and Checks (IngressCerts.Types.ps1xml, as CodeProperty: this runs once per object in an
/// export of thousands). Each item is a string (a finding's Id, a check's "PASS Name: message") carrying the object's
/// fields as note properties. ConvertTo-Json writes a string as a string, whatever it carries and however deep it sits,
/// so an array of results gives "Findings": ["Expired", "UntrustedRoot"] at the default depth, without a warning;
/// at the prompt <c>$r.Findings.Status</c>, <c>$r.Findings[0].Message</c> and <c>$r.Findings -contains 'Expired'</c>
/// work as on the typed objects, which <c>GetFindings()</c> and <c>GetChecks()</c> still return.
/// </summary>
public static class OutputMembers
{
    /// <summary>The findings of an IngressCertificate or a CertificateTestResult, worst first.</summary>
    public static FindingList? Findings(PSObject instance) => instance?.BaseObject switch
    {
        IngressCertificate reference => new FindingList(reference.GetFindings()),
        CertificateTestResult result => new FindingList(result.GetFindings()),
        _ => null,
    };

    /// <summary>NotBefore of an IngressCertificate, as a date whose text is ISO 8601 (see <see cref="UtcDate"/>).</summary>
    public static PSObject? NotBefore(PSObject instance) =>
        instance?.BaseObject is IngressCertificate reference ? UtcDate(reference.NotBefore) : null;

    /// <summary>NotAfter of a reference, a publish (none for an undo that deleted the Secret) or a history entry.</summary>
    public static PSObject? NotAfter(PSObject instance) => instance?.BaseObject switch
    {
        IngressCertificate reference => UtcDate(reference.NotAfter),
        PublishResult result => UtcDate(result.NotAfter == DateTime.MinValue ? null : result.NotAfter),
        CertificateHistoryEntry entry => UtcDate(entry.NotAfter),
        _ => null,
    };

    /// <summary>When cert-manager renews the Certificate that manages a reference's Secret.</summary>
    public static PSObject? CertManagerRenewalTime(PSObject instance) =>
        instance?.BaseObject is IngressCertificate reference ? UtcDate(reference.CertManagerRenewalTime) : null;

    /// <summary>When a history entry was archived.</summary>
    public static PSObject? ArchivedAt(PSObject instance) =>
        instance?.BaseObject is CertificateHistoryEntry entry ? UtcDate(entry.ArchivedAt) : null;

    /// <summary>
    /// A real DateTime at the prompt (sort, compare, AddDays) whose bare text is ISO 8601 UTC in every culture
    /// (IngressCerts.UtcDateTime in IngressCerts.Types.ps1xml), so that an Export-Csv row reads the same everywhere.
    /// </summary>
    private static PSObject? UtcDate(DateTime? value)
    {
        if (value is not { } date)
        {
            return null;
        }

        var wrapped = new PSObject(date);
        wrapped.TypeNames.Insert(0, "IngressCerts.UtcDateTime");
        return wrapped;
    }

    /// <summary>The checks of a CertificateTestResult, in the order they ran.</summary>
    public static TextList? Checks(PSObject instance) =>
        instance?.BaseObject is CertificateTestResult result ? TextList.Of(result.GetChecks(), "; ", Adorn) : null;

    internal static PSObject Adorn(Finding finding) =>
        Adorned(finding.Id, "IngressCerts.Finding", ("Id", finding.Id), ("Status", finding.Status), ("Message", finding.Message));

    private static PSObject Adorn(CertificateCheck check) =>
        Adorned(check.ToString(), "IngressCerts.CertificateCheck", ("Name", check.Name), ("Passed", check.Passed),
            ("Expected", check.Expected), ("Actual", check.Actual), ("Message", check.Message));

    private static PSObject Adorned(string text, string typeName, params (string Name, object? Value)[] notes)
    {
        var item = new PSObject(text);
        item.TypeNames.Insert(0, typeName);
        foreach (var (name, value) in notes)
        {
            item.Properties.Add(new PSNoteProperty(name, value));
        }

        return item;
    }
}

/// <summary>
/// A read-only list of adorned strings (see <see cref="OutputMembers"/>) whose own text is theirs joined, so that an
/// Export-Csv cell reads "Expired, UntrustedRoot".
/// </summary>
public class TextList : ReadOnlyCollection<PSObject>
{
    private readonly string _separator;

    protected TextList(IList<PSObject> items, string separator)
        : base(items)
    {
        _separator = separator;
    }

    internal static TextList Of<T>(IReadOnlyList<T> source, string separator, Func<T, PSObject> adorn) =>
        new(source.Select(adorn).ToArray(), separator);

    public override string ToString() => string.Join(_separator, this);
}

/// <summary>The findings of one reference as adorned Ids, worst first.</summary>
public sealed class FindingList : TextList
{
    private readonly FindingCollection _findings;

    internal FindingList(FindingCollection findings)
        : base(findings.Select(OutputMembers.Adorn).ToArray(), ", ")
    {
        _findings = findings;
    }

    /// <inheritdoc cref="FindingCollection.HasStatus"/>
    public bool HasStatus(string status) => _findings.HasStatus(status);
}
