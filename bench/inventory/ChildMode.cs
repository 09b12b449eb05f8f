using System.Diagnostics;
using System.Text.Json;

namespace IngressCerts.Bench.Inventory;

/// <summary>One run inside a measured child process, as both the engine child and measure-cmdlet.ps1 report it.</summary>
internal sealed record ChildRun(double Ms, double CpuMs, long AllocatedBytes, int Items, long PeakWorkingSet, double GcPauseMs = 0, int Gen0 = 0, int Gen1 = 0, int Gen2 = 0);

/// <summary>What a measured child process reports on its last stdout line, after "RESULT ".</summary>
internal sealed record ChildResult(
    string Mode,
    long StartupWorkingSet,
    long StartupPeakWorkingSet,
    List<ChildRun> Runs,
    long PeakWorkingSet,
    Dictionary<string, int>? Statuses,
    long EndWorkingSet = 0,
    long EndGcCommitted = 0);

/// <summary>
/// `IngressCerts.Bench.Inventory child inventory|raw KUBECONFIG RUNS`: the engine's inventory (or the raw fetch) in
/// a process of its own, so its working set, CPU time and allocations are the client's alone and not mixed with the
/// test server's 20,000 objects in the bench host. Results are streamed and dropped, as `| Measure-Object` does.
/// </summary>
internal static class ChildMode
{
    public const string ResultPrefix = "RESULT ";

    public const string Usage = """
        usage: IngressCerts.Bench.Inventory child inventory|raw|bytes KUBECONFIG RUNS [CONTEXT]
               IngressCerts.Bench.Inventory child dump KUBECONFIG OUT.json [CONTEXT]
               IngressCerts.Bench.Inventory child breakdown KUBECONFIG [CONTEXT]
        """;

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = false };

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length is 3 or 4 && args[1] == "breakdown")
        {
            var config = k8s.KubernetesClientConfiguration.BuildConfigFromConfigFile(args[2], currentContext: args.Length == 4 ? args[3] : null);
            foreach (var step in await new Breakdown(new BenchClient(config)).RunAsync())
            {
                Console.Out.WriteLine($"{step.Name,-90} {step.Ms,9:0} ms {step.CpuMs,9:0} ms CPU {(step.AllocatedBytes is { } a ? $"{a / 1048576.0,7:0.0} MB" : string.Empty),10}  {step.Detail}");
            }

            return 0;
        }

        if (args.Length is not (4 or 5) || args[1] is not ("inventory" or "raw" or "bytes" or "dump"))
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }

        string mode = args[1];
        string kubeconfig = args[2];
        string? context = args.Length == 5 ? args[4] : null;
        if (mode == "dump")
        {
            using var dumping = new Variants(kubeconfig, context);
            int count = await dumping.DumpAsync(args[3], CancellationToken.None);
            Console.Error.WriteLine($"{count} results written to {args[3]}");
            return 0;
        }

        int runs = int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture);

        using var process = Process.GetCurrentProcess();
        process.Refresh();
        long startupWs = process.WorkingSet64;
        long startupPeak = process.PeakWorkingSet64;

        using var variants = new Variants(kubeconfig, context);
        using var gcLog = GcLog.StartIfAsked();
        var list = new List<ChildRun>();
        Dictionary<string, int>? statuses = mode == "inventory" ? new() : null;
        for (int i = 0; i < runs; i++)
        {
            process.Refresh();
            var cpu = process.TotalProcessorTime;
            long allocated = GC.GetTotalAllocatedBytes(precise: true);
            var pause = GC.GetTotalPauseDuration();
            int gen0 = GC.CollectionCount(0), gen1 = GC.CollectionCount(1), gen2 = GC.CollectionCount(2);
            if (gcLog is not null)
            {
                Console.Error.WriteLine($"run {i + 1}");
            }

            var stopwatch = Stopwatch.StartNew();
            int items = mode switch
            {
                "inventory" => await variants.InventoryAsync(i == 0 ? statuses : null, CancellationToken.None),
                "bytes" => await variants.BytesFetchAsync(CancellationToken.None),
                _ => await variants.RawFetchAsync(CancellationToken.None),
            };
            stopwatch.Stop();
            long allocatedNow = GC.GetTotalAllocatedBytes(precise: true);
            process.Refresh();
            list.Add(new ChildRun(
                stopwatch.Elapsed.TotalMilliseconds,
                (process.TotalProcessorTime - cpu).TotalMilliseconds,
                allocatedNow - allocated,
                items,
                process.PeakWorkingSet64,
                (GC.GetTotalPauseDuration() - pause).TotalMilliseconds,
                GC.CollectionCount(0) - gen0,
                GC.CollectionCount(1) - gen1,
                GC.CollectionCount(2) - gen2));

            // Like a pwsh session between two commands: what the run left is garbage now.
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
        }

        process.Refresh();
        var result = new ChildResult("engine-" + mode, startupWs, startupPeak, list, process.PeakWorkingSet64, statuses, process.WorkingSet64, GC.GetGCMemoryInfo().TotalCommittedBytes);
        Console.Out.WriteLine(ResultPrefix + JsonSerializer.Serialize(result, Json));
        return 0;
    }
}
