using System.Collections.ObjectModel;
using IngressCerts.Engine.Certificates;

namespace IngressCerts;

/// <summary>
/// One thing found about the certificate behind a reference: a stable <see cref="Id"/> to filter on, the
/// <see cref="Status"/> it imposes, and the finding in words.
/// </summary>
/// <param name="Id">A stable identifier, e.g. MissingIssuer, Expiring, ReferenceNotPermitted.</param>
/// <param name="Status">
/// The status it imposes (a name of the -Status set, e.g. IncompleteChain for MissingIssuer); Valid for a note that
/// is reported without lowering the status (a weak key, a self-signed leaf).
/// </param>
/// <param name="Message">The finding in words, naming the host or certificate concerned. Never holds key material.</param>
public sealed record Finding(string Id, string Status, string Message)
{
    /// <summary>True for a note, which does not lower the status.</summary>
    public bool IsNote => Status == nameof(CertificateStatus.Valid);

    /// <summary>The Id: what a table or a CSV cell shows of it.</summary>
    public override string ToString() => Id;
}

/// <summary>
/// Every finding of one reference, worst first (notes last). Its text is the Ids joined by ", ", so that a CSV cell
/// or a string reads "Expiring, MissingIssuer" rather than a type name.
/// </summary>
public sealed class FindingCollection : ReadOnlyCollection<Finding>
{
    /// <summary>No findings: a Valid reference with nothing to note.</summary>
    public static new FindingCollection Empty { get; } = new([]);

    public FindingCollection(IList<Finding> findings)
        : base(findings)
    {
    }

    /// <summary>
    /// True when a finding imposes <paramref name="status"/> (any case); for Valid, when none lowers the status.
    /// This is what -Status selects on: every finding, not only the worst.
    /// </summary>
    public bool HasStatus(string status)
    {
        ArgumentNullException.ThrowIfNull(status);
        var valid = string.Equals(status, nameof(CertificateStatus.Valid), StringComparison.OrdinalIgnoreCase);
        foreach (var finding in this)
        {
            if (!finding.IsNote)
            {
                if (valid)
                {
                    return false;
                }

                if (string.Equals(finding.Status, status, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }

        return valid;
    }

    /// <summary>The Ids, joined by ", ".</summary>
    public override string ToString() => string.Join(", ", this.Select(f => f.Id));

    /// <summary>The public form of an evaluation's findings (already sorted worst first).</summary>
    internal static FindingCollection From(IReadOnlyList<CertificateFinding> findings)
    {
        if (findings.Count == 0)
        {
            return Empty;
        }

        var converted = new Finding[findings.Count];
        for (var i = 0; i < converted.Length; i++)
        {
            var finding = findings[i];
            converted[i] = new Finding(finding.Id, finding.Status.Name(), finding.Message);
        }

        return new FindingCollection(converted);
    }
}
