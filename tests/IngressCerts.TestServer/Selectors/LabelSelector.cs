using IngressCerts.TestServer.Api;

namespace IngressCerts.TestServer.Selectors;

/// <summary>
/// The label selector language of k8s.io/apimachinery/pkg/labels: =, ==, !=, in, notin, exists,
/// !key, gt/lt; requirements are ANDed. "!=" and notin also match objects without the key.
/// </summary>
internal sealed class LabelSelector
{
    private readonly IReadOnlyList<Requirement> _requirements;

    private LabelSelector(IReadOnlyList<Requirement> requirements) => _requirements = requirements;

    public bool IsEmpty => _requirements.Count == 0;

    public bool Matches(IReadOnlyDictionary<string, string> labels) => _requirements.All(r => r.Matches(labels));

    public static LabelSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return new LabelSelector([]);
        var tokens = Tokenize(text);
        var position = 0;
        var requirements = new List<Requirement>();
        while (true)
        {
            requirements.Add(ParseRequirement(tokens, ref position, text));
            if (position >= tokens.Count) break;
            if (tokens[position] != ",") throw Error(text, $"found '{tokens[position]}', expected: ',' or 'end of string'");
            position++;
            if (position >= tokens.Count) throw Error(text, "found '', expected: !, identifier, or 'end of string'");
        }
        return new LabelSelector(requirements);
    }

    private static Requirement ParseRequirement(List<string> tokens, ref int position, string text)
    {
        if (tokens[position] == "!")
        {
            position++;
            var negated = Identifier(tokens, ref position, text);
            return new Requirement(negated, "!", []);
        }
        var key = Identifier(tokens, ref position, text);
        if (position >= tokens.Count || tokens[position] == ",") return new Requirement(key, "exists", []);
        var op = tokens[position++];
        switch (op)
        {
            case "=" or "==" or "!=":
                var value = position < tokens.Count && !IsSymbol(tokens[position]) ? tokens[position++] : "";
                return new Requirement(key, op == "!=" ? "!=" : "=", [value]);
            case ">" or "<":
                var number = Identifier(tokens, ref position, text);
                if (!long.TryParse(number, out _)) throw Error(text, $"for 'Gt', 'Lt' operators, the value must be an integer");
                return new Requirement(key, op, [number]);
            case "in" or "notin":
                if (position >= tokens.Count || tokens[position] != "(") throw Error(text, "found '', expected: '('");
                position++;
                var values = new List<string>();
                while (position < tokens.Count && tokens[position] != ")")
                {
                    if (tokens[position] == ",") { position++; continue; }
                    values.Add(tokens[position++]);
                }
                if (position >= tokens.Count) throw Error(text, "found '', expected: ')'");
                position++;
                return new Requirement(key, op, values);
            default:
                throw Error(text, $"found '{op}', expected: in, notin, =, ==, !=, gt, lt");
        }
    }

    private static string Identifier(List<string> tokens, ref int position, string text)
    {
        if (position >= tokens.Count || IsSymbol(tokens[position]))
        {
            throw Error(text, $"found '{(position < tokens.Count ? tokens[position] : "")}', expected: identifier");
        }
        return tokens[position++];
    }

    private static bool IsSymbol(string token) => token is "," or "(" or ")" or "=" or "==" or "!=" or "!" or "<" or ">";

    private static List<string> Tokenize(string text)
    {
        var tokens = new List<string>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c)) { i++; continue; }
            if (c is ',' or '(' or ')' or '<' or '>') { tokens.Add(c.ToString()); i++; continue; }
            if (c == '=') { tokens.Add(i + 1 < text.Length && text[i + 1] == '=' ? "==" : "="); i += tokens[^1].Length; continue; }
            if (c == '!') { tokens.Add(i + 1 < text.Length && text[i + 1] == '=' ? "!=" : "!"); i += tokens[^1].Length; continue; }
            var start = i;
            while (i < text.Length && !char.IsWhiteSpace(text[i]) && text[i] is not (',' or '(' or ')' or '=' or '!' or '<' or '>')) i++;
            tokens.Add(text[start..i]);
        }
        return tokens;
    }

    private static KubeApiException Error(string text, string detail) =>
        Status.BadRequest($"unable to parse requirement: {detail}");

    private sealed record Requirement(string Key, string Operator, IReadOnlyList<string> Values)
    {
        public bool Matches(IReadOnlyDictionary<string, string> labels)
        {
            var has = labels.TryGetValue(Key, out var value);
            return Operator switch
            {
                "=" => has && value == Values[0],
                "!=" => !has || value != Values[0],
                "in" => has && Values.Contains(value),
                "notin" => !has || !Values.Contains(value),
                "exists" => has,
                "!" => !has,
                ">" => has && long.TryParse(value, out var gt) && gt > long.Parse(Values[0]),
                "<" => has && long.TryParse(value, out var lt) && lt < long.Parse(Values[0]),
                _ => false,
            };
        }
    }
}
