using System.Globalization;
using System.Text.Json;

namespace IngressCerts.Bench.Inventory;

/// <summary>A separate measured process: its own report plus the requests the server saw from it.</summary>
internal sealed record ChildReport(string Name, ChildResult Result, double ProcessWallMs, int Requests, int FailedRequests, string RequestDetail)
{
    public List<string> Notes { get; } = [];

    public int RequestsPerRun => Result.Runs.Count == 0 ? 0 : Requests / Result.Runs.Count;

    public ChildRun? ColdRun => Result.Runs.FirstOrDefault();

    /// <summary>Runs after the cold one that still compile as they go: the runtime's tiered JIT keeps recompiling hot
    /// methods (with profile-guided optimisation) for several seconds, so runs 2-5 are "warm", not yet steady.</summary>
    private IEnumerable<ChildRun> WarmRuns => Result.Runs.Count > 1 ? Result.Runs.Skip(1).Take(SteadyFrom - 1) : Result.Runs;

    /// <summary>Runs 6 and later, once tiering has settled; empty with fewer runs.</summary>
    private IEnumerable<ChildRun> SteadyRuns => Result.Runs.Skip(SteadyFrom);

    public const int SteadyFrom = 5;

    /// <summary>Median of runs 2-5 (or the first, when it is the only one).</summary>
    public double WarmMs => Stats.Median(WarmRuns.Select(r => r.Ms));

    public double WarmCpuMs => Stats.Median(WarmRuns.Select(r => r.CpuMs));

    public double WarmGcPauseMs => Stats.Median(WarmRuns.Select(r => r.GcPauseMs));

    public double WarmAllocated => Stats.Median(WarmRuns.Select(r => (double)r.AllocatedBytes));

    /// <summary>Median of runs 6 and later; null with five runs or fewer.</summary>
    public double? SteadyMs => SteadyRuns.Any() ? Stats.Median(SteadyRuns.Select(r => r.Ms)) : null;

    public double? SteadyCpuMs => SteadyRuns.Any() ? Stats.Median(SteadyRuns.Select(r => r.CpuMs)) : null;
}

/// <summary>Every figure of one bench run, printed as tables (and optionally written as JSON).</summary>
internal sealed class Report(BenchOptions options)
{
    private const double TargetRatio = 1.5;

    /// <summary>Issue 16: the inventory's client CPU at most twice the raw fetch's (distinct-leaf fleets).</summary>
    private const double CpuTargetRatio = 2.0;
    private const long TargetPeakBytes = 300L * 1024 * 1024;

    public double SeedMs { get; set; }

    public int SeededObjects { get; set; }

    /// <summary>The kubeconfig (and context) of an existing cluster measured instead of the seeded test server.</summary>
    public string? ExternalCluster { get; set; }

    /// <summary>References an existing cluster's inventory found (the seeded fleet's count comes from the options).</summary>
    public int? References { get; set; }

    public double TotalMs { get; set; }

    public Dictionary<string, int>? Statuses { get; set; }

    /// <summary>/proc/loadavg at the start and the end: benchmarks on a busy machine say so.</summary>
    public string? LoadAtStart { get; set; }

    public string? LoadAtEnd { get; set; }

    public List<VariantResult> Variants { get; } = [];

    public List<ChildReport> Children { get; } = [];

    public string? PwshSkipped { get; set; }

    public List<Step>? Breakdown { get; set; }

    private int N => References ?? options.References;

    private int RequestTarget => 2 * (int)Math.Ceiling(N / (double)Variants_PageSize) + 5;

    private const int Variants_PageSize = IngressCerts.Bench.Inventory.Variants.PageSize;

    public VariantResult Add(VariantResult variant)
    {
        Variants.Add(variant);
        return variant;
    }

    private VariantResult? Get(string key) => Variants.FirstOrDefault(v => v.Key == key && v.Skipped is null && v.MedianMs is not null);

    private ChildReport? Child(string name) => Children.FirstOrDefault(c => c.Name == name);

    public void Print(TextWriter w)
    {
        var raw = Get("raw");
        var inventory = Get("inventory");
        w.WriteLine();
        if (ExternalCluster is not null)
        {
            w.WriteLine($"Inventory benchmark against an existing cluster, {ExternalCluster}: {N:N0} TLS references found, nothing seeded, requests not counted; {Environment.ProcessorCount} cores, .NET {Environment.Version}");
        }
        else
        {
            w.WriteLine($"Inventory benchmark: {N:N0} Ingresses and {N:N0} TLS Secrets in {options.Namespaces:N0} namespaces, {options.Seed.CertificatePoolSize:N0} distinct leaf certificates signed with {(options.RsaIssuer ? "RSA-2048" : "ECDSA P-256")} " +
            $"({SeededObjects:N0} objects seeded in {SeedMs / 1000:0.0} s); {Environment.ProcessorCount} cores, .NET {Environment.Version}");
            w.WriteLine(options.ServeOtherKinds
                ? "Other controllers' kinds (Routes, IngressRoutes, Istio Gateways, HTTPProxies, cert-manager Certificates): served, empty (--other-kinds): one discovery request per scan, then one list per kind."
                : "Other controllers' kinds (Routes, IngressRoutes, Istio Gateways, HTTPProxies, cert-manager Certificates): not served: one discovery request per scan finds that out, and no list is sent (see 'discovery' in the requests and the breakdown's first step).");
        }

        if (LoadAtStart is not null)
        {
            w.WriteLine($"Load average (1/5/15 min) at start {LoadAtStart}, at end {LoadAtEnd}: above {Environment.ProcessorCount} other work competed for the cores, so compare ratios, not absolute times.");
        }

        if (Statuses is not null)
        {
            w.WriteLine($"Inventory results by status: {string.Join(", ", Statuses.OrderByDescending(s => s.Value).Select(s => $"{s.Key} {s.Value:N0}"))}");
        }

        w.WriteLine();
        w.WriteLine($"In the bench process (server in-process; one warm-up, then the median of the measured runs; ratio = median / raw fetch median):");
        var rows = new List<string[]> { new[] { "variant", "cold", "median", "min-max", "runs", "vs raw", "requests", "requests by kind" } };
        foreach (var v in Variants)
        {
            if (v.Skipped is not null)
            {
                rows.Add([v.Title, "-", "-", "-", "0", "-", "-", "skipped: " + v.Skipped]);
                continue;
            }

            var typical = v.Typical!;
            rows.Add([
                v.Title,
                Seconds(v.Cold?.Ms),
                Seconds(v.MedianMs),
                $"{Seconds(v.MinMs)}-{Seconds(v.MaxMs)}",
                v.Samples.Count.ToString(CultureInfo.InvariantCulture),
                Ratio(v.MedianMs, raw?.MedianMs),
                typical.Requests.ToString("N0", CultureInfo.InvariantCulture),
                typical.RequestDetail,
            ]);
        }

        foreach (var c in Children.Where(c => c.Name.StartsWith("pwsh-", StringComparison.Ordinal)))
        {
            rows.Add([
                $"Get-IngressCertificate -AllNamespaces, pwsh child ({Mode(c.Name)})",
                Seconds(c.ColdRun?.Ms),
                Seconds(c.WarmMs),
                $"{Seconds(c.Result.Runs.Skip(1).Select(r => (double?)r.Ms).Min() ?? c.WarmMs)}-{Seconds(c.Result.Runs.Skip(1).Select(r => (double?)r.Ms).Max() ?? c.WarmMs)}",
                Math.Max(1, c.Result.Runs.Count - 1).ToString(CultureInfo.InvariantCulture),
                Ratio(c.WarmMs, raw?.MedianMs),
                c.RequestsPerRun.ToString("N0", CultureInfo.InvariantCulture),
                c.Result.Runs.Count > 1 ? $"per run ({c.Requests} over {c.Result.Runs.Count} runs)" : c.RequestDetail,
            ]);
        }

        if (PwshSkipped is not null)
        {
            rows.Add(["Get-IngressCertificate -AllNamespaces, pwsh child", "-", "-", "-", "0", "-", "-", "skipped: " + PwshSkipped]);
        }

        Table(w, rows);
        foreach (var v in Variants.Where(v => v.Notes.Count > 0))
        {
            w.WriteLine($"  note, {v.Key}: {string.Join("; ", v.Notes.Distinct())}");
        }

        if (inventory?.Samples.Any(s => s.PhaseMs is not null) == true)
        {
            double listed = Stats.Median(inventory.Samples.Where(s => s.PhaseMs is not null).Select(s => s.PhaseMs!.Value));
            w.WriteLine($"  inventory phases (median): Ingress and Gateway lists {Seconds(listed)}, then TLS Secret pages with analysis {Seconds(inventory.MedianMs - listed)}");
        }

        if (Children.Count > 0)
        {
            w.WriteLine();
            w.WriteLine("In separate processes (client side only; the server stays in the bench process). Cold = first run in a fresh process,");
            w.WriteLine("warm = median of runs 2-5 (the JIT is still recompiling hot code), steady = median of runs 6 and later; CPU,");
            w.WriteLine("allocations and requests per warm run; working sets of the whole process:");
            var engineRaw = Child("engine-raw");
            var childRows = new List<string[]> { new[] { "process", "cold", "warm", "vs engine raw", "steady", "vs engine raw", "CPU", "steady CPU", "GC pause", "allocated", "requests", "WS at start", "peak WS 1st run", "peak WS", "WS at end", "of which GC heap" } };
            foreach (var c in Children)
            {
                childRows.Add([
                    Describe(c.Name),
                    Seconds(c.ColdRun?.Ms),
                    Seconds(c.WarmMs),
                    Ratio(c.WarmMs, engineRaw?.WarmMs),
                    Seconds(c.SteadyMs),
                    Ratio(c.SteadyMs, engineRaw?.SteadyMs),
                    Seconds(c.WarmCpuMs),
                    Seconds(c.SteadyCpuMs),
                    Seconds(c.WarmGcPauseMs),
                    Mb(c.WarmAllocated),
                    c.RequestsPerRun.ToString("N0", CultureInfo.InvariantCulture),
                    Mb(c.Result.StartupWorkingSet),
                    Mb(c.ColdRun?.PeakWorkingSet),
                    Mb(c.Result.PeakWorkingSet),
                    Mb(c.Result.EndWorkingSet),
                    Mb(c.Result.EndGcCommitted),
                ]);
            }

            Table(w, childRows);
            foreach (var c in Children.Where(c => c.Notes.Count > 0))
            {
                w.WriteLine($"  note, {c.Name}: {string.Join("; ", c.Notes)}");
            }

            w.WriteLine("  (pwsh 'WS at start' is after Import-Module; engine 'WS at start' is before the first connection; 'WS at end' is after");
            w.WriteLine("  the last run's results were dropped and a full GC ran, with the GC heap's committed bytes; the rest is native memory.)");
        }

        if (Breakdown is { Count: > 0 })
        {
            w.WriteLine();
            w.WriteLine("Where the time goes (in the bench process, each step alone over the whole fleet, one thread unless said; CPU of the whole process):");
            var stepRows = new List<string[]> { new[] { "step", "time", "CPU", "allocated", "detail" } };
            stepRows.AddRange(Breakdown.Select(s => new[] { s.Name, Seconds(s.Ms), Seconds(s.CpuMs), s.AllocatedBytes is { } a ? Mb(a) : "", s.Detail }));
            Table(w, stepRows);
        }

        w.WriteLine();
        w.WriteLine("Targets (reported, never asserted):");
        var targets = new List<string[]> { new[] { "what", "measured", "target", "" } };
        if (inventory is not null && raw is not null)
        {
            double ratio = inventory.MedianMs!.Value / raw.MedianMs!.Value;
            targets.Add(["inventory / raw fetch, in-process medians", $"{ratio:0.00}x", $"<= {TargetRatio:0.0}x", Verdict(ratio <= TargetRatio)]);
        }

        if (Child("engine-inventory") is { } ei && Child("engine-raw") is { } er)
        {
            double ratio = ei.WarmMs / er.WarmMs;
            targets.Add(["inventory / raw fetch, separate processes (warm)", $"{ratio:0.00}x", $"<= {TargetRatio:0.0}x", Verdict(ratio <= TargetRatio)]);
        }

        if (Child("engine-inventory") is { SteadyMs: { } eis } && Child("engine-raw") is { SteadyMs: { } ers })
        {
            double ratio = eis / ers;
            targets.Add(["inventory / raw fetch, separate processes (steady)", $"{ratio:0.00}x", $"<= {TargetRatio:0.0}x", Verdict(ratio <= TargetRatio)]);
        }

        if (Child("engine-inventory") is { } eic && Child("engine-raw") is { } erc && erc.WarmCpuMs > 0)
        {
            // Issue 16's CPU target: the inventory's client CPU at most twice the raw fetch's.
            double ratio = eic.WarmCpuMs / erc.WarmCpuMs;
            targets.Add(["client CPU time: inventory / raw fetch (separate processes, warm)", $"{ratio:0.00}x", $"<= {CpuTargetRatio:0.0}x", Verdict(ratio <= CpuTargetRatio)]);
            if (eic.SteadyCpuMs is { } eiSteady && erc.SteadyCpuMs is { } erSteady && erSteady > 0)
            {
                targets.Add(["client CPU time: inventory / raw fetch (separate processes, steady)", $"{eiSteady / erSteady:0.00}x", $"<= {CpuTargetRatio:0.0}x", Verdict(eiSteady / erSteady <= CpuTargetRatio)]);
            }
        }

        if (Child("engine-inventory") is { } eib && Child("engine-bytes") is { } eb && eb.WarmCpuMs > 0)
        {
            targets.Add(["client CPU time: inventory / bytes-only fetch (separate processes, warm)", $"{eib.WarmCpuMs / eb.WarmCpuMs:0.00}x", "(for reference: what the wire costs)", string.Empty]);
        }

        if (Child("pwsh-stream") is { } ps && Child("engine-raw") is { } rawChild)
        {
            double ratio = ps.WarmMs / rawChild.WarmMs;
            targets.Add(["Get-IngressCertificate (pwsh, warm) / raw fetch, separate processes", $"{ratio:0.00}x", $"<= {TargetRatio:0.0}x", Verdict(ratio <= TargetRatio)]);
        }

        if (Child("pwsh-stream") is { SteadyMs: { } pss } && Child("engine-raw") is { SteadyMs: { } rss })
        {
            double ratio = pss / rss;
            targets.Add(["Get-IngressCertificate (pwsh, steady) / raw fetch, separate processes", $"{ratio:0.00}x", $"<= {TargetRatio:0.0}x", Verdict(ratio <= TargetRatio)]);
        }

        if (inventory?.Typical is { } t && ExternalCluster is null)
        {
            targets.Add([$"inventory requests (N = {N:N0})", t.Requests.ToString("N0", CultureInfo.InvariantCulture), $"<= 2 x ceil(N/500) + 5 = {RequestTarget}", Verdict(t.Requests <= RequestTarget)]);
        }

        foreach (var c in Children.Where(c => c.Name.StartsWith("pwsh-", StringComparison.Ordinal) && c.RequestsPerRun > 0))
        {
            targets.Add([$"Get-IngressCertificate requests ({Mode(c.Name)})", c.RequestsPerRun.ToString("N0", CultureInfo.InvariantCulture), $"<= {RequestTarget}", Verdict(c.RequestsPerRun <= RequestTarget)]);
        }

        foreach (var c in Children.Where(c => c.Name is not ("engine-raw" or "engine-bytes")))
        {
            targets.Add([$"peak working set, {Describe(c.Name)}", Mb(c.Result.PeakWorkingSet), "<= 300 MB", Verdict(c.Result.PeakWorkingSet <= TargetPeakBytes)]);
        }

        Table(w, targets);
        w.WriteLine();
        w.WriteLine($"Total bench time {TotalMs / 1000:0} s.");
    }

    public void WriteJson(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var document = new
        {
            fleet = new { namespaces = options.Namespaces, ingresses = N, tlsSecrets = N, distinctCertificates = options.Seed.CertificatePoolSize, issuerKey = options.RsaIssuer ? "RSA-2048" : "ECDSA P-256", seededObjects = SeededObjects, seedMs = SeedMs },
            machine = new { cores = Environment.ProcessorCount, runtime = Environment.Version.ToString(), os = Environment.OSVersion.ToString() },
            statuses = Statuses,
            loadAverage = new { start = LoadAtStart, end = LoadAtEnd },
            inProcess = Variants.Select(v => new
            {
                v.Key,
                v.Title,
                v.Skipped,
                coldMs = v.Cold?.Ms,
                medianMs = v.MedianMs,
                runsMs = v.Samples.Select(s => s.Ms),
                ratioToRaw = v.MedianMs / Get("raw")?.MedianMs,
                requests = v.Typical?.Requests,
                requestDetail = v.Typical?.RequestDetail,
                phaseListsMs = v.Samples.Where(s => s.PhaseMs is not null).Select(s => s.PhaseMs),
                v.Notes,
            }),
            processes = Children.Select(c => new
            {
                c.Name,
                coldMs = c.ColdRun?.Ms,
                warmMs = c.WarmMs,
                warmCpuMs = c.WarmCpuMs,
                steadyMs = c.SteadyMs,
                steadyCpuMs = c.SteadyCpuMs,
                warmAllocatedBytes = c.WarmAllocated,
                requestsPerRun = c.RequestsPerRun,
                c.RequestDetail,
                c.Result,
                c.Notes,
            }),
            pwshSkipped = PwshSkipped,
            breakdown = Breakdown,
            targets = new { ratio = TargetRatio, requests = RequestTarget, peakWorkingSetBytes = TargetPeakBytes },
            totalMs = TotalMs,
        };
        File.WriteAllText(path, JsonSerializer.Serialize(document, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true }));
    }

    private static string Describe(string child) => child switch
    {
        "engine-inventory" => "engine inventory (ClusterScanner)",
        "engine-raw" => "engine raw fetch (KubernetesClient)",
        "engine-bytes" => "bytes-only fetch (same lists, same send, no models)",
        "pwsh-stream" => "pwsh Get-IngressCertificate -A | Measure-Object",
        "pwsh-collect" => "pwsh $certs = Get-IngressCertificate -A",
        _ => child,
    };

    private static string Mode(string child) => child == "pwsh-collect" ? "$certs = ..." : "| Measure-Object";

    private static string Verdict(bool met) => met ? "met" : "MISSED";

    private static string Seconds(double? ms) => ms is null ? "-" : (ms.Value / 1000).ToString("0.000", CultureInfo.InvariantCulture) + " s";

    private static string Ratio(double? value, double? baseline) =>
        value is null || baseline is null or 0 ? "-" : (value.Value / baseline.Value).ToString("0.00", CultureInfo.InvariantCulture) + "x";

    private static string Mb(double? bytes) => bytes is null ? "-" : (bytes.Value / 1024 / 1024).ToString("0", CultureInfo.InvariantCulture) + " MB";

    private static void Table(TextWriter w, List<string[]> rows)
    {
        int columns = rows.Max(r => r.Length);
        var widths = Enumerable.Range(0, columns).Select(c => rows.Max(r => c < r.Length ? r[c].Length : 0)).ToArray();
        for (int i = 0; i < rows.Count; i++)
        {
            var cells = rows[i].Select((cell, c) => c == rows[i].Length - 1 ? cell : cell.PadRight(widths[c]));
            w.WriteLine("  " + string.Join("  ", cells).TrimEnd());
            if (i == 0)
            {
                w.WriteLine("  " + string.Join("  ", widths.Select(x => new string('-', x))));
            }
        }
    }
}
