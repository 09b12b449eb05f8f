namespace IngressCerts;

/// <summary>One check of Test-IngressCertificate.</summary>
public sealed class CertificateCheck
{
    public string Name { get; init; } = string.Empty;

    public bool Passed { get; init; }

    public string? Expected { get; init; }

    public string? Actual { get; init; }

    public string Message { get; init; } = string.Empty;

    public override string ToString() => $"{(Passed ? "PASS" : "FAIL")} {Name}: {Message}";
}

/// <summary>The checks of one target (an Ingress TLS entry, a Secret, or a host) and whether all passed.</summary>
public sealed class CertificateTestResult
{
    public string Context { get; init; } = string.Empty;

    public string? Namespace { get; init; }

    /// <summary>The kind of the object tested (Ingress, Gateway, Route, IngressRoute, HTTPProxy); null for a Secret or hosts tested alone.</summary>
    public string? Kind { get; init; }

    /// <summary>The API group of <see cref="Kind"/>: tells a Gateway API Gateway from an Istio one; null with no Kind.</summary>
    public string? ApiGroup { get; init; }

    /// <summary>The name of the object tested, when the target is one.</summary>
    public string? Name { get; init; }

    /// <summary>The listener tested (a Gateway's listener, an Istio Gateway server's port name); null for other kinds.</summary>
    public string? Listener { get; init; }

    public string? SecretName { get; init; }

    /// <summary>The hosts checked, comma-separated.</summary>
    public string? Host { get; init; }

    public bool Passed => Checks.All(c => c.Passed);

    /// <summary>
    /// The status of the most severe finding, as Get-IngressCertificate names it; null when no reference or Secret
    /// was judged (a host probed alone, an Ingress that does not exist).
    /// </summary>
    public string? Status { get; init; }

    /// <summary>Every finding about the reference and its Secret, worst first.</summary>
    /// <remarks>Methods, not properties, for the reason given at <see cref="IngressCertificate.GetFindings"/>.</remarks>
    public FindingCollection GetFindings() => Findings;

    /// <summary>Every check, in the order they ran.</summary>
    public CertificateCheckList GetChecks() => Checks;

    internal FindingCollection Findings { get; init; } = FindingCollection.Empty;

    internal CertificateCheckList Checks { get; init; } = CertificateCheckList.Empty;

    /// <summary>The names of the checks that failed, for the table view.</summary>
    public StringList FailedChecks => Checks.Where(c => !c.Passed).Select(c => c.Name).ToArray();

    public override string ToString() => $"{Namespace}/{Name ?? SecretName ?? Host} {(Passed ? "Passed" : "Failed")}";
}
