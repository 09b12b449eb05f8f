using System.Collections.ObjectModel;

namespace IngressCerts;

/// <summary>
/// A read-only list of names (hosts, DNS names, checks) or sentences (issues) that reads as one line. Scripts index
/// and enumerate it like an array; Export-Csv writes its ToString, so a row shows "a, b" instead of System.String[].
/// </summary>
public sealed class StringList : ReadOnlyCollection<string>
{
    private readonly string _separator;

    public StringList(IList<string> items, string separator = ", ")
        : base(items)
    {
        _separator = separator;
    }

    public static new StringList Empty { get; } = new(Array.Empty<string>());

    public static implicit operator StringList(string[] items) => new(items);

    public override string ToString() => string.Join(_separator, this);
}
