using System.Collections;

namespace IngressCerts.TestServer.Logging;

/// <summary>One request as the server saw it.</summary>
public sealed record RequestLogEntry(DateTimeOffset Timestamp, string Method, string PathAndQuery, string? User, int StatusCode)
{
    /// <summary>The request body as received, when <see cref="RequestLog.CaptureBodies"/> was on (else null).</summary>
    public byte[]? Body { get; init; }
}

/// <summary>Every request the server answered, in order. Thread-safe; enumerating reads a snapshot.</summary>
public sealed class RequestLog : IReadOnlyList<RequestLogEntry>
{
    private readonly object _gate = new();
    private readonly List<RequestLogEntry> _entries = [];

    public int Count
    {
        get { lock (_gate) return _entries.Count; }
    }

    public RequestLogEntry this[int index]
    {
        get { lock (_gate) return _entries[index]; }
    }

    public IReadOnlyList<RequestLogEntry> Snapshot()
    {
        lock (_gate) return _entries.ToArray();
    }

    public void Clear()
    {
        lock (_gate)
        {
            _entries.Clear();
            _maxInFlight = _inFlight;
        }
    }

    /// <summary>
    /// The most requests the server was handling at once since it started or <see cref="Clear"/>: lets a test prove
    /// a client's concurrency and its bound from what the server saw, without timing anything.
    /// </summary>
    public int MaxInFlight
    {
        get { lock (_gate) return _maxInFlight; }
    }

    private int _inFlight;
    private int _maxInFlight;

    internal void Begin()
    {
        lock (_gate)
        {
            _inFlight++;
            if (_inFlight > _maxInFlight) _maxInFlight = _inFlight;
        }
    }

    internal void End()
    {
        lock (_gate) _inFlight--;
    }

    /// <summary>
    /// Opt-in: when true, each entry keeps the body of its request (<see cref="RequestLogEntry.Body"/>), so a test can
    /// check the exact bytes a client sent. Off by default: bodies of Secret writes hold private keys.
    /// </summary>
    public bool CaptureBodies { get; set; }

    /// <summary>
    /// When set, every entry is also appended to this file as a tab-separated line (method, path, user, status), so
    /// tests driving the standalone server from another process (Pester) can assert on the requests it got.
    /// </summary>
    public string? MirrorPath { get; set; }

    internal void Add(RequestLogEntry entry)
    {
        lock (_gate)
        {
            _entries.Add(entry);
            if (MirrorPath is not null)
            {
                File.AppendAllText(MirrorPath, $"{entry.Method}\t{entry.PathAndQuery}\t{entry.User}\t{entry.StatusCode}\n");
            }
        }
    }

    public IEnumerator<RequestLogEntry> GetEnumerator() => ((IEnumerable<RequestLogEntry>)Snapshot()).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
