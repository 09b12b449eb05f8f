using IngressCerts.TestServer.Api;

namespace IngressCerts.TestServer.Selectors;

/// <summary>
/// Field selectors (=, ==, !=) over the few fields each kind supports; any other field label is a
/// 400 "field label not supported" exactly as reference 25.
/// </summary>
internal sealed class FieldSelector
{
    private readonly IReadOnlyList<(string Field, bool Equal, string Value)> _terms;

    private FieldSelector(IReadOnlyList<(string, bool, string)> terms) => _terms = terms;

    public bool IsEmpty => _terms.Count == 0;

    public bool Matches(IReadOnlyDictionary<string, string> fields) =>
        _terms.All(t => fields.TryGetValue(t.Field, out var value) ? (value == t.Value) == t.Equal : !t.Equal);

    public static FieldSelector Parse(string? text, ResourceType type)
    {
        if (string.IsNullOrWhiteSpace(text)) return new FieldSelector([]);
        var terms = new List<(string, bool, string)>();
        foreach (var part in SplitUnescaped(text, ','))
        {
            var term = part.Trim();
            if (term.Length == 0) continue;
            string field, value;
            bool equal;
            var notEqual = term.IndexOf("!=", StringComparison.Ordinal);
            var doubleEqual = term.IndexOf("==", StringComparison.Ordinal);
            var singleEqual = term.IndexOf('=');
            if (notEqual >= 0)
            {
                (field, value, equal) = (term[..notEqual], term[(notEqual + 2)..], false);
            }
            else if (doubleEqual >= 0)
            {
                (field, value, equal) = (term[..doubleEqual], term[(doubleEqual + 2)..], true);
            }
            else if (singleEqual >= 0)
            {
                (field, value, equal) = (term[..singleEqual], term[(singleEqual + 1)..], true);
            }
            else
            {
                throw Status.BadRequest($"invalid selector: '{text}'; can't understand '{term}'");
            }
            field = field.Trim();
            if (field is not ("metadata.name" or "metadata.namespace") && !type.ExtraSelectableFields.Contains(field))
            {
                throw Status.BadRequest($"field label not supported: {field}");
            }
            terms.Add((field, equal, Unescape(value.Trim())));
        }
        return new FieldSelector(terms);
    }

    private static IEnumerable<string> SplitUnescaped(string text, char separator)
    {
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\') { i++; continue; }
            if (text[i] == separator)
            {
                yield return text[start..i];
                start = i + 1;
            }
        }
        yield return text[start..];
    }

    private static string Unescape(string value) =>
        value.Replace("\\,", ",").Replace("\\=", "=").Replace("\\\\", "\\");
}
