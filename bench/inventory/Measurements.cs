using IngressCerts.TestServer.Logging;

namespace IngressCerts.Bench.Inventory;

/// <summary>One timed run of one variant, with the requests the server logged for it.</summary>
internal sealed record Sample(double Ms, int Requests, int FailedRequests, string RequestDetail, int Items, double? PhaseMs = null);

/// <summary>A variant's cold run and measured runs, or why it was skipped.</summary>
internal sealed class VariantResult(string key, string title, int expectedItems)
{
    public string Key { get; } = key;

    public string Title { get; } = title;

    /// <summary>Items every run must produce; negative: not known (an existing cluster's raw fetch).</summary>
    public int ExpectedItems { get; set; } = expectedItems;

    public Sample? Cold { get; set; }

    public List<Sample> Samples { get; } = [];

    public string? Skipped { get; set; }

    public List<string> Notes { get; } = [];

    public double? MedianMs => Samples.Count == 0 ? null : Stats.Median(Samples.Select(s => s.Ms));

    public double? MinMs => Samples.Count == 0 ? null : Samples.Min(s => s.Ms);

    public double? MaxMs => Samples.Count == 0 ? null : Samples.Max(s => s.Ms);

    /// <summary>Requests of a measured run (they are the same every run; the bench notes it when not).</summary>
    public Sample? Typical => Samples.Count > 0 ? Samples[^1] : Cold;

    public void Add(Sample sample, bool cold)
    {
        if (ExpectedItems >= 0 && sample.Items != ExpectedItems)
        {
            Notes.Add($"a run produced {sample.Items} items, expected {ExpectedItems}");
        }

        if (sample.FailedRequests > 0)
        {
            Notes.Add($"a run had {sample.FailedRequests} failed requests");
        }

        if (cold)
        {
            Cold = sample;
            return;
        }

        if (Samples.Count > 0 && Samples[0].Requests != sample.Requests)
        {
            Notes.Add($"request counts differ between runs ({Samples[0].Requests} vs {sample.Requests})");
        }

        Samples.Add(sample);
    }
}

internal static class Stats
{
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}

/// <summary>Names the requests in a slice of the server's log, e.g. "20 list ingresses, 20 list secrets, 1 list gateways".</summary>
internal static class RequestKinds
{
    public static (int Total, int Failed, string Detail) Describe(IReadOnlyList<RequestLogEntry> entries)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            string kind = Classify(entry.Method, entry.PathAndQuery);
            counts[kind] = counts.GetValueOrDefault(kind) + 1;
        }

        string detail = string.Join(", ", counts.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Value} {c.Key}"));
        return (entries.Count, entries.Count(e => e.StatusCode >= 400), detail);
    }

    public static string Classify(string method, string pathAndQuery)
    {
        string path = pathAndQuery.Split('?', 2)[0].TrimEnd('/');
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);

        // /api, /api/v1, /apis, /apis/GROUP, /apis/GROUP/VERSION, /version, /openapi/...: discovery.
        bool discovery = segments.Length == 0
            || segments[0] is "version" or "openapi"
            || (segments[0] == "api" && segments.Length <= 2)
            || (segments[0] == "apis" && segments.Length <= 3);
        if (discovery)
        {
            return "discovery";
        }

        // .../RESOURCE (a list) or .../RESOURCE/NAME (one object); namespaced paths add namespaces/NS first.
        int start = segments[0] == "api" ? 2 : 3;
        var rest = segments[start..];
        if (rest.Length >= 2 && rest[0] == "namespaces" && rest.Length > 2)
        {
            rest = rest[2..];
        }

        string verb = method.ToUpperInvariant() switch
        {
            "GET" => rest.Length == 1 ? "list" : "get",
            var m => m.ToLowerInvariant(),
        };
        string resource = rest.Length >= 1 ? rest[0] : "?";
        if (verb == "get" && resource.EndsWith('s'))
        {
            resource = resource[..^1];
        }

        return $"{verb} {resource}";
    }
}
