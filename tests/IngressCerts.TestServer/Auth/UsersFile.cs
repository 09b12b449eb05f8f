using System.Text.Json;
using System.Text.Json.Nodes;

namespace IngressCerts.TestServer.Auth;

/// <summary>
/// Users with rules for the standalone server (<c>--users FILE</c>), so that scripts and Pester can act as a user that
/// holds exactly the rules of an RBAC manifest. The file is a JSON array:
/// <c>[{ "name": "reader", "token": "t1", "groups": [], "rules": [{ "verbs": ["get"], "resources": ["secrets"], "namespaces": ["*"], "resourceNames": [] }] }]</c>.
/// </summary>
public static class UsersFile
{
    public sealed record Entry(string Name, string Token, IReadOnlyList<string> Groups, IReadOnlyList<AccessRule> Rules);

    public static IReadOnlyList<Entry> Load(string path) => Parse(File.ReadAllText(path));

    public static IReadOnlyList<Entry> Parse(string json)
    {
        var entries = new List<Entry>();
        if (JsonNode.Parse(json) is not JsonArray users) throw new FormatException("a users file is a JSON array of users");
        foreach (var node in users)
        {
            if (node is not JsonObject user) throw new FormatException("each user is a JSON object");
            var name = Text(user, "name");
            var token = Text(user, "token");
            var rules = new List<AccessRule>();
            foreach (var ruleNode in user["rules"] as JsonArray ?? [])
            {
                if (ruleNode is not JsonObject rule) throw new FormatException($"a rule of user {name} is not a JSON object");
                var names = Strings(rule, "resourceNames");
                rules.Add(new AccessRule(Strings(rule, "verbs"), Strings(rule, "resources"), Strings(rule, "namespaces"))
                {
                    ResourceNames = names.Count > 0 ? names : null,
                });
            }
            entries.Add(new Entry(name, token, Strings(user, "groups"), rules));
        }
        return entries;
    }

    private static string Text(JsonObject obj, string field) =>
        obj[field] is JsonValue value && value.TryGetValue(out string? text) && text.Length > 0
            ? text
            : throw new FormatException($"a user needs a non-empty \"{field}\"");

    private static List<string> Strings(JsonObject obj, string field) => obj[field] switch
    {
        null => [],
        JsonArray array => array.Select(n => n?.GetValue<string>() ?? throw new FormatException($"\"{field}\" holds a null")).ToList(),
        _ => throw new FormatException($"\"{field}\" must be an array of strings"),
    };
}
