using System.Text.RegularExpressions;

namespace IngressCerts.TestServer.Faults;

/// <summary>
/// A fault for the next <see cref="Count"/> requests that match every filter given
/// (an unset filter matches all): HTTP method, Kubernetes verb, path prefix, regex on path+query.
/// </summary>
public sealed class Fault
{
    private int _remaining = -1;

    /// <summary>HTTP method, e.g. "GET"; null for any.</summary>
    public string? Method { get; init; }

    /// <summary>Kubernetes verb (get, list, create, update, patch, delete); null for any.</summary>
    public string? Verb { get; init; }

    /// <summary>Prefix of the request path (no query), e.g. "/api/v1/namespaces/a/secrets".</summary>
    public string? PathPrefix { get; init; }

    /// <summary>Regex matched against path and query.</summary>
    public Regex? PathRegex { get; init; }

    /// <summary>How many matching requests it hits before it is used up.</summary>
    public int Count { get; init; } = 1;

    public required FaultKind Kind { get; init; }

    /// <summary>Requests it will still hit.</summary>
    public int Remaining => _remaining < 0 ? Count : _remaining;

    internal bool Matches(string method, string path, string pathAndQuery, string? verb) =>
        (Method is null || string.Equals(Method, method, StringComparison.OrdinalIgnoreCase))
        && (Verb is null || string.Equals(Verb, verb, StringComparison.Ordinal))
        && (PathPrefix is null || path.StartsWith(PathPrefix, StringComparison.Ordinal))
        && (PathRegex is null || PathRegex.IsMatch(pathAndQuery));

    /// <summary>Consumes one use; false once used up. Called under the injector's lock.</summary>
    internal bool TryConsume()
    {
        if (_remaining < 0) _remaining = Count;
        if (_remaining == 0) return false;
        _remaining--;
        return true;
    }
}
