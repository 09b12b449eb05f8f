using System.Collections.ObjectModel;

namespace IngressCerts;

/// <summary>The checks of one Test-IngressCertificate target; reads as one line ("PASS A: …; FAIL B: …") in Export-Csv.</summary>
public sealed class CertificateCheckList : ReadOnlyCollection<CertificateCheck>
{
    public CertificateCheckList(IList<CertificateCheck> checks)
        : base(checks)
    {
    }

    public static new CertificateCheckList Empty { get; } = new(Array.Empty<CertificateCheck>());

    public static implicit operator CertificateCheckList(CertificateCheck[] checks) => new(checks);

    public override string ToString() => string.Join("; ", this);
}
