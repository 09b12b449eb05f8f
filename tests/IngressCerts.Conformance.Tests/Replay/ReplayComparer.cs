using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace IngressCerts.Conformance.Tests.Replay;

/// <summary>
/// Compares a recorded answer with ours. Values that differ by nature are matched by form and by
/// consistency instead of equality: uids and resourceVersions through one-to-one maps (so "the list
/// reports the last write's version" is still checked, and versions must keep their order), timestamps
/// by RFC 3339 form, continue tokens by their decoded start key and mapped revision, the server
/// address by host. Everything else must be equal. Object key order is not compared.
/// </summary>
internal sealed partial class ReplayComparer
{
    private readonly Dictionary<string, string> _uids = [];
    private readonly Dictionary<string, string> _uidsBack = [];
    private readonly Dictionary<long, long> _versions = [];
    private readonly Dictionary<long, long> _versionsBack = [];
    private readonly Dictionary<string, string> _continues = [];

    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")]
    private static partial Regex Timestamp();

    [GeneratedRegex(@"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
    private static partial Regex Uid();

    [GeneratedRegex(@"\d+|\D+")]
    private static partial Regex DigitRuns();

    public List<string> Mismatches { get; } = [];

    /// <summary>Our resourceVersion for a recorded one, if seen.</summary>
    public string? MapVersion(string expected) =>
        long.TryParse(expected, out var e) && _versions.TryGetValue(e, out var a) ? a.ToString() : null;

    public string? MapUid(string expected) => _uids.GetValueOrDefault(expected);

    public string? MapContinue(string expected) => _continues.GetValueOrDefault(expected);

    public void Compare(string file, JsonNode? expected, JsonNode? actual, string path = "$")
    {
        switch (expected)
        {
            case JsonObject expectedObject when actual is JsonObject actualObject:
                foreach (var (key, value) in expectedObject)
                {
                    if (!actualObject.TryGetPropertyValue(key, out var actualValue))
                    {
                        Fail(file, $"{path}.{key}", $"missing (expected {Show(value)})");
                        continue;
                    }
                    CompareField(file, key, value, actualValue, $"{path}.{key}");
                }
                foreach (var (key, value) in actualObject)
                {
                    if (!expectedObject.ContainsKey(key)) Fail(file, $"{path}.{key}", $"unexpected field {Show(value)}");
                }
                break;
            case JsonArray expectedArray when actual is JsonArray actualArray:
                if (expectedArray.Count != actualArray.Count)
                {
                    Fail(file, path, $"expected {expectedArray.Count} items, got {actualArray.Count}: {Show(actual)}");
                    break;
                }
                for (var i = 0; i < expectedArray.Count; i++) Compare(file, expectedArray[i], actualArray[i], $"{path}[{i}]");
                break;
            default:
                if (!JsonNode.DeepEquals(expected, actual)) Fail(file, path, $"expected {Show(expected)}, got {Show(actual)}");
                break;
        }
    }

    private void CompareField(string file, string key, JsonNode? expected, JsonNode? actual, string path)
    {
        var expectedText = expected is JsonValue ev && ev.GetValueKind() == JsonValueKind.String ? ev.GetValue<string>() : null;
        var actualText = actual is JsonValue av && av.GetValueKind() == JsonValueKind.String ? av.GetValue<string>() : null;
        if (expectedText is null || actualText is null)
        {
            Compare(file, expected, actual, path);
            return;
        }
        switch (key)
        {
            case "uid":
                if (!Uid().IsMatch(actualText)) Fail(file, path, $"not a uid: {actualText}");
                else PairUid(file, path, expectedText, actualText);
                break;
            case "resourceVersion":
                if (!long.TryParse(actualText, out var actualVersion) || !long.TryParse(expectedText, out var expectedVersion))
                {
                    Fail(file, path, $"expected a numeric resourceVersion like {expectedText}, got {actualText}");
                }
                else
                {
                    PairVersion(file, path, expectedVersion, actualVersion);
                }
                break;
            case "creationTimestamp" or "deletionTimestamp" or "time" or "buildDate":
                if (!Timestamp().IsMatch(actualText)) Fail(file, path, $"expected an RFC 3339 time like {expectedText}, got {actualText}");
                break;
            case "continue":
                CompareContinue(file, path, expectedText, actualText);
                break;
            case "serverAddress":
                if (expectedText.Split(':')[0] != actualText.Split(':')[0]) Fail(file, path, $"expected host of {expectedText}, got {actualText}");
                break;
            case "message":
                CompareMessage(file, path, expectedText, actualText);
                break;
            default:
                if (expectedText != actualText) Fail(file, path, $"expected {Show(expected)}, got {Show(actual)}");
                break;
        }
    }

    private void CompareContinue(string file, string path, string expected, string actual)
    {
        var e = Decode(expected);
        var a = Decode(actual);
        if (a is null)
        {
            Fail(file, path, $"continue token {actual} does not decode");
            return;
        }
        Compare(file, e!["v"], a["v"], path + "(v)");
        Compare(file, e["start"], a["start"], path + "(start)");
        var expectedRv = e["rv"]!.GetValue<long>();
        var actualRv = a["rv"]?.GetValue<long>() ?? 0;
        if (expectedRv < 0)
        {
            if (actualRv != expectedRv) Fail(file, path + "(rv)", $"expected {expectedRv}, got {actualRv}");
        }
        else
        {
            PairVersion(file, path + "(rv)", expectedRv, actualRv);
        }
        _continues[expected] = actual;
    }

    /// <summary>Messages must match except for numbers that are mapped resourceVersions (as in precondition failures).</summary>
    private void CompareMessage(string file, string path, string expected, string actual)
    {
        if (expected == actual) return;
        var e = DigitRuns().Matches(expected).Select(m => m.Value).ToList();
        var a = DigitRuns().Matches(actual).Select(m => m.Value).ToList();
        var same = e.Count == a.Count && e.Zip(a).All(p =>
            p.First == p.Second
            || (long.TryParse(p.First, out var ev) && long.TryParse(p.Second, out var av) && _versions.TryGetValue(ev, out var mapped) && mapped == av));
        if (!same) Fail(file, path, $"expected {Show(expected)}, got {Show(actual)}");
    }

    private void PairUid(string file, string path, string expected, string actual)
    {
        if (_uids.TryGetValue(expected, out var known))
        {
            if (known != actual) Fail(file, path, $"uid {expected} was {known} before, now {actual}");
            return;
        }
        if (_uidsBack.TryGetValue(actual, out var other))
        {
            Fail(file, path, $"uid {actual} already stands for {other}, not {expected}");
            return;
        }
        _uids[expected] = actual;
        _uidsBack[actual] = expected;
    }

    /// <summary>Same recorded version, same version of ours; and the order of versions is kept.</summary>
    private void PairVersion(string file, string path, long expected, long actual)
    {
        if (_versions.TryGetValue(expected, out var known))
        {
            if (known != actual) Fail(file, path, $"resourceVersion {expected} was {known} before, now {actual}");
            return;
        }
        if (_versionsBack.TryGetValue(actual, out var other))
        {
            Fail(file, path, $"resourceVersion {actual} already stands for {other}, not {expected}");
            return;
        }
        foreach (var (e, a) in _versions)
        {
            if (Math.Sign(expected - e) != Math.Sign(actual - a))
            {
                Fail(file, path, $"resourceVersion order broken: recorded {e} < {expected} is {Math.Sign(expected - e)} but ours {a} vs {actual}");
                break;
            }
        }
        _versions[expected] = actual;
        _versionsBack[actual] = expected;
    }

    private static JsonObject? Decode(string token)
    {
        try
        {
            var padded = token.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - padded.Length % 4) % 4);
            return JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(padded))) as JsonObject;
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            return null;
        }
    }

    private void Fail(string file, string path, string what) => Mismatches.Add($"{file}: {path}: {what}");

    private static string Show(JsonNode? node)
    {
        var text = node?.ToJsonString() ?? "null";
        return text.Length > 300 ? text[..300] + "..." : text;
    }
}
