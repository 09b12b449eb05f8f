namespace IngressCerts.TestServer.Faults;

/// <summary>Pending faults, matched in the order they were added. Thread-safe.</summary>
public sealed class FaultInjector
{
    private readonly object _gate = new();
    private readonly List<Fault> _faults = [];

    public void Add(Fault fault)
    {
        lock (_gate) _faults.Add(fault);
    }

    public void Clear()
    {
        lock (_gate) _faults.Clear();
    }

    /// <summary>Faults that still have uses left.</summary>
    public IReadOnlyList<Fault> Pending
    {
        get { lock (_gate) return _faults.Where(f => f.Remaining > 0).ToList(); }
    }

    internal FaultKind? Take(string method, string path, string pathAndQuery, string? verb)
    {
        lock (_gate)
        {
            foreach (var fault in _faults)
            {
                if (fault.Remaining > 0 && fault.Matches(method, path, pathAndQuery, verb) && fault.TryConsume())
                {
                    return fault.Kind;
                }
            }
            _faults.RemoveAll(f => f.Remaining == 0);
            return null;
        }
    }
}
