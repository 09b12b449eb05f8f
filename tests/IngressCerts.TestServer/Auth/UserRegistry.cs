using System.Collections.Concurrent;

namespace IngressCerts.TestServer.Auth;

/// <summary>Bearer tokens and per-user rules. Thread-safe: tests add users while requests run.</summary>
internal sealed class UserRegistry
{
    private readonly ConcurrentDictionary<string, KubeUser> _byToken = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _tokenByName = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IReadOnlyList<AccessRule>> _rules = new(StringComparer.Ordinal);

    public void Add(KubeUser user, string? token, IReadOnlyList<AccessRule> rules)
    {
        if (token is not null)
        {
            _byToken[token] = user;
            _tokenByName[user.Name] = token;
        }
        _rules[user.Name] = rules;
    }

    public KubeUser? FindByToken(string token) => _byToken.TryGetValue(token, out var user) ? user : null;

    public string? TokenOf(string name) => _tokenByName.TryGetValue(name, out var token) ? token : null;

    public IReadOnlyList<AccessRule> RulesOf(string name) => _rules.TryGetValue(name, out var rules) ? rules : [];
}
