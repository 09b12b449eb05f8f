namespace IngressCerts.Engine.Inventory;

/// <summary>Which inventory results the user asked to see; every criterion left null lets everything through.</summary>
public sealed class InventoryFilter
{
    private readonly IReadOnlyList<Glob>? _names;
    private readonly IReadOnlyList<Glob>? _hosts;
    private readonly IReadOnlyList<Glob>? _namespaces;
    private readonly HashSet<string>? _statuses;
    private readonly HashSet<string>? _thumbprints;

    public InventoryFilter(
        IEnumerable<string>? names = null,
        IEnumerable<string>? hosts = null,
        IEnumerable<string>? statuses = null,
        IEnumerable<string>? thumbprints = null,
        int? expiringWithinDays = null,
        IEnumerable<string>? namespaces = null)
    {
        _names = names?.Select(n => new Glob(n)).ToList();
        _hosts = hosts?.Select(h => new Glob(h)).ToList();
        _namespaces = namespaces?.Select(n => new Glob(n)).ToList();
        _statuses = statuses is null ? null : new HashSet<string>(statuses, StringComparer.OrdinalIgnoreCase);
        _thumbprints = thumbprints is null ? null : new HashSet<string>(thumbprints.Select(NormalizeThumbprint), StringComparer.OrdinalIgnoreCase);
        ExpiringWithinDays = expiringWithinDays;
    }

    /// <summary>When set, only certificates that expire within this many days (or already have) pass.</summary>
    public int? ExpiringWithinDays { get; }

    public bool Matches(IngressCertificate item) =>
        Glob.AnyMatch(_names, item.Name)
        && Glob.AnyMatch(_namespaces, item.Namespace)
        && (_hosts is null || _hosts.Count == 0 || item.Hosts.Any(h => _hosts.Any(g => g.IsMatch(h))))
        && (_statuses is null || _statuses.Count == 0 || HasAnyStatus(item))
        && (_thumbprints is null || _thumbprints.Count == 0 || (item.Thumbprint is not null && _thumbprints.Contains(item.Thumbprint)))
        && (ExpiringWithinDays is null || (item.DaysRemaining is int days && days <= ExpiringWithinDays));

    // Every finding counts, not only the worst: a certificate that expires in 9 days is Expiring even when its
    // Status says IncompleteChain.
    private bool HasAnyStatus(IngressCertificate item)
    {
        if (_statuses!.Contains(item.Status))
        {
            return true;
        }

        foreach (string status in _statuses)
        {
            if (item.Findings.HasStatus(status))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Thumbprints are often pasted with spaces or colons (openssl's form); compare hex digits only.</summary>
    public static string NormalizeThumbprint(string thumbprint) =>
        new string(thumbprint.Where(Uri.IsHexDigit).ToArray()).ToUpperInvariant();
}
