using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace IngressCerts.Engine.Certificates;

/// <summary>A SHA-256 as four words: hashing and comparing it costs nothing next to a string of hex.</summary>
internal readonly record struct ContentKey(ulong A, ulong B, ulong C, ulong D)
{
    public ContentKey(ReadOnlySpan<byte> sha256)
        : this(
            BinaryPrimitives.ReadUInt64LittleEndian(sha256),
            BinaryPrimitives.ReadUInt64LittleEndian(sha256[8..]),
            BinaryPrimitives.ReadUInt64LittleEndian(sha256[16..]),
            BinaryPrimitives.ReadUInt64LittleEndian(sha256[24..]))
    {
    }

    /// <summary>The key of some content: its SHA-256.</summary>
    public static ContentKey Of(ReadOnlySpan<byte> content)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(content, hash);
        return new ContentKey(hash);
    }

    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(destination, A);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], B);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[16..], C);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[24..], D);
    }
}

/// <summary>
/// Results worth keeping for one scan: a value is kept only once its key comes round a second time. What recurs across
/// Secrets (intermediates and roots, wildcard certificates copied to many namespaces, their chain answers) is then
/// computed twice and shared after that, while what is met once (each distinct leaf of a cert-manager fleet) is never
/// kept: keeping it would make every garbage collection of a long scan trace and promote thousands of objects that are
/// not needed again. Keys met once are remembered as 32-byte values in one table, which the collector does not trace.
/// Both tables are bounded: when one is full it starts over. Thread-safe.
/// </summary>
internal sealed class RecurrenceCache<TValue>
{
    private readonly int _capacity;
    private readonly ConcurrentDictionary<ContentKey, TValue> _values = new();
    private readonly HashSet<ContentKey> _seen = [];
    private int _kept;

    /// <param name="capacity">Values kept at most; keys remembered at most is 32 times that.</param>
    public RecurrenceCache(int capacity) => _capacity = capacity;

    public bool TryGet(ContentKey key, out TValue value) => _values.TryGetValue(key, out value!);

    /// <summary>Offers a value just computed for <paramref name="key"/>; it is kept when the key was met before.</summary>
    public void Offer(ContentKey key, TValue value)
    {
        lock (_seen)
        {
            if (_seen.Count >= _capacity * 32)
            {
                _seen.Clear();
            }

            if (_seen.Add(key))
            {
                return;
            }
        }

        // ConcurrentDictionary.Count takes every lock of the table: count additions instead.
        if (Interlocked.Increment(ref _kept) > _capacity)
        {
            _values.Clear();
            Interlocked.Exchange(ref _kept, 0);
        }

        _values.TryAdd(key, value);
    }
}
