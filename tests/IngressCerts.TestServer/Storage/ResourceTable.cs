namespace IngressCerts.TestServer.Storage;

/// <summary>
/// All versions of one resource's objects, keyed like etcd ("namespace/name") so ordered scans and
/// reads at an older revision (continue tokens) behave as they do against etcd. Not thread-safe:
/// <see cref="ObjectStore"/> serialises access.
/// </summary>
internal sealed class ResourceTable
{
    private readonly SortedSet<string> _keys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<Version>> _chains = new(StringComparer.Ordinal);

    public StoredObject? Get(string key, long atRevision = long.MaxValue) =>
        _chains.TryGetValue(key, out var chain) ? At(chain, atRevision) : null;

    public void Put(string key, StoredObject obj) => Append(key, new Version(obj.ResourceVersion, obj));

    public void Delete(string key, long revision) => Append(key, new Version(revision, null));

    /// <summary>Keys from <paramref name="fromInclusive"/> up to <paramref name="toInclusive"/>, with the object live at the revision.</summary>
    public IEnumerable<(string Key, StoredObject Object)> Scan(string fromInclusive, string toInclusive, long atRevision)
    {
        if (StringComparer.Ordinal.Compare(fromInclusive, toInclusive) > 0) yield break;
        foreach (var key in _keys.GetViewBetween(fromInclusive, toInclusive))
        {
            var obj = At(_chains[key], atRevision);
            if (obj is not null) yield return (key, obj);
        }
    }

    /// <summary>Drops history a read at or after <paramref name="revision"/> can no longer need.</summary>
    public void Compact(long revision)
    {
        foreach (var key in _keys.ToList())
        {
            var chain = _chains[key];
            var keepFrom = chain.FindLastIndex(v => v.Revision <= revision);
            if (keepFrom > 0) chain.RemoveRange(0, keepFrom);
            if (chain.Count == 1 && chain[0].Object is null)
            {
                _chains.Remove(key);
                _keys.Remove(key);
            }
        }
    }

    private void Append(string key, Version version)
    {
        if (!_chains.TryGetValue(key, out var chain))
        {
            chain = [];
            _chains[key] = chain;
            _keys.Add(key);
        }
        chain.Add(version);
    }

    private static StoredObject? At(List<Version> chain, long revision)
    {
        for (var i = chain.Count - 1; i >= 0; i--)
        {
            if (chain[i].Revision <= revision) return chain[i].Object;
        }
        return null;
    }

    private readonly record struct Version(long Revision, StoredObject? Object);
}
