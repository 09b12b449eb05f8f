using System.Text;
using System.Text.RegularExpressions;

namespace IngressCerts.Engine.Inventory;

/// <summary>PowerShell-style wildcards (*, ?, [abc]), case-insensitive, for names, namespaces, hosts and contexts.</summary>
public sealed class Glob
{
    private readonly Regex? _regex;
    private readonly string _literal;

    public Glob(string pattern)
    {
        Pattern = pattern;
        _literal = pattern;
        if (HasWildcards(pattern))
        {
            var sb = new StringBuilder("^");
            for (int i = 0; i < pattern.Length; i++)
            {
                char c = pattern[i];
                switch (c)
                {
                    case '*': sb.Append(".*"); break;
                    case '?': sb.Append('.'); break;
                    case '[':
                        int close = pattern.IndexOf(']', i + 1);
                        if (close > i + 1)
                        {
                            sb.Append('[').Append(Regex.Escape(pattern[(i + 1)..close]).Replace("\\-", "-")).Append(']');
                            i = close;
                        }
                        else
                        {
                            sb.Append("\\[");
                        }

                        break;
                    default: sb.Append(Regex.Escape(c.ToString())); break;
                }
            }

            _regex = new Regex(sb.Append('$').ToString(), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
        }
    }

    public string Pattern { get; }

    public bool IsLiteral => _regex is null;

    public static bool HasWildcards(string pattern) => pattern.IndexOfAny(new[] { '*', '?', '[' }) >= 0;

    public bool IsMatch(string? value) =>
        value is not null && (_regex?.IsMatch(value) ?? string.Equals(value, _literal, StringComparison.OrdinalIgnoreCase));

    public static bool AnyMatch(IReadOnlyList<Glob>? globs, string? value) => globs is null || globs.Count == 0 || globs.Any(g => g.IsMatch(value));
}
