using IngressCerts.TestServer.Api;

namespace IngressCerts.TestServer.Storage;

/// <summary>
/// The server's etcd: one global revision counter shared by all kinds, versioned tables, and
/// compaction that makes older continue tokens expire. A single lock keeps every operation atomic;
/// callers run read-check-write sequences inside <see cref="Locked{T}"/>.
/// </summary>
internal sealed class ObjectStore
{
    private readonly object _gate = new();
    private readonly Dictionary<ResourceType, ResourceTable> _tables = [];
    private long _revision;
    private long _compactedRevision;

    public ObjectStore(long initialRevision = 0)
    {
        _revision = initialRevision;
        foreach (var type in ResourceCatalog.All) _tables[type] = new ResourceTable();
    }

    public long Revision
    {
        get { lock (_gate) return _revision; }
    }

    public T Locked<T>(Func<T> action)
    {
        lock (_gate) return action();
    }

    public void Locked(Action action)
    {
        lock (_gate) action();
    }

    /// <summary>Takes the next revision; call inside <see cref="Locked{T}"/> together with the write that uses it.</summary>
    public long NextRevision()
    {
        lock (_gate) return ++_revision;
    }

    public StoredObject? Get(ResourceType type, string @namespace, string name)
    {
        lock (_gate) return _tables[type].Get(StoredObject.KeyOf(@namespace, name));
    }

    public void Put(ResourceType type, StoredObject obj)
    {
        lock (_gate) _tables[type].Put(obj.Key, obj);
    }

    public void Delete(ResourceType type, string @namespace, string name, long revision)
    {
        lock (_gate) _tables[type].Delete(StoredObject.KeyOf(@namespace, name), revision);
    }

    /// <summary>Every live object of a kind in one namespace (namespace deletion).</summary>
    public List<StoredObject> LiveInNamespace(ResourceType type, string @namespace)
    {
        lock (_gate)
        {
            return _tables[type].Scan(@namespace + "/", @namespace + "/\uffff", long.MaxValue).Select(e => e.Object).ToList();
        }
    }

    /// <summary>
    /// One page of a list, as etcd + the apiserver cacher-less path produce it: read at the token's
    /// revision (or now), skip non-matching items, stop after <c>limit</c> matches.
    /// </summary>
    public ListPage List(ResourceType type, string? @namespace, ListQuery query, Func<StoredObject, bool> predicate)
    {
        lock (_gate)
        {
            var token = query.Continue;
            if (token is not null && token.ResourceVersion > 0 && token.ResourceVersion < _compactedRevision)
            {
                throw Status.Expired((token with { ResourceVersion = -1 }).Encode());
            }
            var atRevision = token is not null && token.ResourceVersion > 0 ? token.ResourceVersion : _revision;
            var prefix = @namespace is null ? "" : @namespace + "/";
            var from = prefix + (token?.Start ?? "");
            var to = prefix + "\uffff";
            var items = new List<StoredObject>();
            string? lastKey = null;
            var hasMore = false;
            long remaining = 0;
            foreach (var (key, obj) in _tables[type].Scan(from, to, atRevision))
            {
                if (query.Limit > 0 && items.Count >= query.Limit)
                {
                    hasMore = true;
                    // remainingItemCount is only known when nothing is filtered out.
                    if (!query.HasPredicate) remaining++;
                    else break;
                    continue;
                }
                lastKey = key;
                if (predicate(obj)) items.Add(obj);
            }
            string? next = null;
            long? remainingCount = null;
            if (hasMore && lastKey is not null)
            {
                next = new ContinueToken(atRevision, lastKey[prefix.Length..] + "\0").Encode();
                if (!query.HasPredicate) remainingCount = remaining;
            }
            return new ListPage(items, atRevision, next, remainingCount);
        }
    }

    /// <summary>
    /// etcd compaction. The revision is bumped first so that every token handed out so far is older
    /// than the compaction point, and lists started afterwards get tokens that stay valid.
    /// </summary>
    public void Compact()
    {
        lock (_gate)
        {
            _revision++;
            CompactAt(_revision);
        }
    }

    /// <summary>Compaction at a past revision, as the apiserver's periodic compactor does.</summary>
    public void CompactAt(long revision)
    {
        lock (_gate)
        {
            if (revision <= _compactedRevision) return;
            _compactedRevision = revision;
            foreach (var table in _tables.Values) table.Compact(revision);
        }
    }
}

/// <summary>Paging inputs of a list request.</summary>
internal sealed record ListQuery(long Limit, ContinueToken? Continue, bool HasPredicate);

/// <summary>A page of list results with the metadata the answer carries.</summary>
internal sealed record ListPage(IReadOnlyList<StoredObject> Items, long ResourceVersion, string? Continue, long? RemainingItemCount);
