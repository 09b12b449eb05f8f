using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using IngressCerts.Bench.Probe;
using IngressCerts.Engine.Probing;

// Live TLS probe benchmark: everything runs against loopback endpoints this process starts; every loop is bounded
// in count and time. Prints figures only; nothing here asserts on time.
var options = BenchOptions.Parse(args);
if (FleetProcess.IsChildInvocation(args))
{
    return await FleetProcess.ServeAsync(options);
}

Console.WriteLine("IngressCerts live TLS probe benchmark");
Console.WriteLine($"machine: {Environment.ProcessorCount} cores, load average {Report.LoadAverage()} at start, {RuntimeInformation.FrameworkDescription}, {Report.OpenSslVersion()}");

var setup = Stopwatch.StartNew();
await using IFleet fleet = options.FleetInProcess
    ? LoopbackFleet.Start(options.Endpoints, options.Hosts, options.CertPerHost)
    : await FleetProcess.StartAsync(options.Endpoints, options.Hosts, options.CertPerHost);
setup.Stop();
Console.WriteLine($"fleet: {options.Endpoints} TLS endpoints on 127.0.0.1 serving {options.Hosts} host names by SNI "
    + $"({(options.CertPerHost ? "one leaf per host" : "one multi-SAN leaf per endpoint")}, ECDSA P-256, intermediate sent), "
    + $"{(fleet.SharesProcessWithProbe ? "in this process" : "in a child process")}, set up in {Report.Seconds(setup.Elapsed)}");

var measurement = new Measurement(fleet, options);
await measurement.WarmUpAsync();
if (options.ProbeLoop > 0)
{
    await Breakdown.LoopAsync(fleet.Requests, options.ProbeLoop, options.ProbeLoopVariant);
    return 0;
}

if (options.Breakdown > 0)
{
    await Breakdown.RunAsync(fleet.Requests, options.Breakdown, options.BreakdownRounds);
    return 0;
}

Console.WriteLine();
Console.WriteLine("== Scenario 1: bare loopback (every handshake is pure CPU for client and servers on the same cores)");
var concurrent = await measurement.ConcurrentAsync();
var sequential = await measurement.SequentialAsync(options.SequentialCap);
if (OpenSslSampler.IsAvailable && options.OpenSslSample > 0)
{
    var step = Math.Max(1, fleet.Requests.Count / options.OpenSslSample);
    var sample = fleet.Requests.Where((_, i) => i % step == 0).Take(options.OpenSslSample).ToList();
    var (elapsed, succeeded) = await OpenSslSampler.RunAsync(sample);
    var extrapolated = elapsed * ((double)fleet.Requests.Count / sample.Count);
    Console.WriteLine($"(c) openssl s_client, one process per host, sequential: sample of {sample.Count} hosts in {Report.Seconds(elapsed)} "
        + $"({succeeded} succeeded); EXTRAPOLATED to {fleet.Requests.Count}: {Report.Seconds(extrapolated)} = {Report.Rate(fleet.Requests.Count, extrapolated)}");
}
else
{
    Console.WriteLine("(c) openssl s_client: skipped (openssl not on PATH, or --openssl-sample 0)");
}

var ratio = sequential / concurrent;
Console.WriteLine($"ratio sequential / concurrent: {Report.Ratio(ratio)}");
Console.WriteLine($"target 1,000 probes < 5 s: {(concurrent < TimeSpan.FromSeconds(5) && fleet.Requests.Count >= 1000 ? "met" : "NOT met")} (median {Report.Seconds(concurrent)} for {fleet.Requests.Count})");
Console.WriteLine($"target >= 20x faster than sequential: {(ratio >= 20 ? "met" : "NOT met")} here ({Report.Ratio(ratio)}): with no wait in a handshake, concurrency can gain about the core count at most");

if (options.LatencyMs > 0)
{
    var latency = TimeSpan.FromMilliseconds(options.LatencyMs);
    Console.WriteLine();
    Console.WriteLine($"== Scenario 2: each server holds the ClientHello {options.LatencyMs} ms before answering (stands in for network round trips to a real controller)");
    await fleet.SetLatencyAsync(latency);
    var concurrentSlow = await measurement.ConcurrentAsync();
    var sequentialSlow = await measurement.SequentialAsync(options.SequentialCapWithLatency);
    var ratioSlow = sequentialSlow / concurrentSlow;
    Console.WriteLine($"ratio sequential / concurrent: {Report.Ratio(ratioSlow)}; target >= 20x: {(ratioSlow >= 20 ? "met" : "NOT met")}");
    await fleet.SetLatencyAsync(TimeSpan.Zero);
}

Console.WriteLine();
var totals = await fleet.GetStatsAsync();
Console.WriteLine($"handshakes completed by the fleet: {totals.HandshakesCompleted}; application bytes the fleet received: {totals.ApplicationBytesReceived} (a probe sends none)");
Console.WriteLine($"load average at end: {Report.LoadAverage()}");
return measurement.Failures == 0 ? 0 : 1;

/// <summary>Times the runner and the sequential loop over the fleet, printing as it goes.</summary>
internal sealed class Measurement(IFleet fleet, BenchOptions options)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly TlsProbe _probe = new();

    public int Failures { get; private set; }

    /// <summary>
    /// JIT (tiered compilation keeps recompiling hot code for the first thousand-odd calls, in both processes),
    /// OpenSSL contexts and thread-pool growth, so the timed runs do not pay for them.
    /// </summary>
    public async Task WarmUpAsync()
    {
        var warmUp = Enumerable.Range(0, 3).SelectMany(_ => fleet.Requests).Take(options.WarmUp).ToList();
        await foreach (var _ in Runner().RunAsync(warmUp))
        {
        }

        Console.WriteLine($"warm-up: {warmUp.Count} probes, not timed");
    }

    /// <summary>(a) The runner over every host, several runs (a shared machine is noisy); returns the median.</summary>
    public async Task<TimeSpan> ConcurrentAsync()
    {
        var runs = new List<TimeSpan>();
        var cpu = new List<double>();
        var fleetCpu = new List<double>();
        for (var run = 1; run <= options.Runs; run++)
        {
            var fleetBefore = (await fleet.GetStatsAsync()).CpuTime;
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var stopwatch = Stopwatch.StartNew();
            var failures = 0;
            await foreach (var result in Runner().RunAsync(fleet.Requests))
            {
                failures += result.Succeeded ? 0 : 1;
            }

            stopwatch.Stop();
            Failures += failures;
            runs.Add(stopwatch.Elapsed);
            cpu.Add((Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMilliseconds / fleet.Requests.Count);
            fleetCpu.Add(((await fleet.GetStatsAsync()).CpuTime - fleetBefore).TotalMilliseconds / fleet.Requests.Count);
            Console.WriteLine($"(a) ProbeRunner, throttle {options.Throttle}, run {run}: {fleet.Requests.Count} probes in {Report.Seconds(stopwatch.Elapsed)} "
                + $"= {Report.Rate(fleet.Requests.Count, stopwatch.Elapsed)}, failures {failures}");
        }

        var median = Median(runs);
        var cpuText = fleet.SharesProcessWithProbe
            ? $"CPU per probe, probe and fake controllers together: {Report.Milliseconds(Median(cpu))}"
            : $"CPU per probe: probe {Report.Milliseconds(Median(cpu))}, fake controllers {Report.Milliseconds(Median(fleetCpu))}";
        Console.WriteLine($"(a) median {Report.Seconds(median)} = {Report.Rate(fleet.Requests.Count, median)}; best {Report.Seconds(runs.Min())}; {cpuText}");
        return median;
    }

    /// <summary>(b) The same probe, one host after another, stopped at <paramref name="cap"/>; returns the time for all hosts (extrapolated if capped).</summary>
    public async Task<TimeSpan> SequentialAsync(TimeSpan cap)
    {
        var stopwatch = Stopwatch.StartNew();
        var count = 0;
        var failures = 0;
        foreach (var request in fleet.Requests)
        {
            if (stopwatch.Elapsed > cap)
            {
                break;
            }

            failures += (await _probe.ProbeAsync(request, Timeout)).Succeeded ? 0 : 1;
            count++;
        }

        stopwatch.Stop();
        Failures += failures;
        var total = stopwatch.Elapsed * ((double)fleet.Requests.Count / count);
        Console.WriteLine(count == fleet.Requests.Count
            ? $"(b) sequential TlsProbe loop: {count} probes in {Report.Seconds(total)} = {Report.Rate(count, stopwatch.Elapsed)}, failures {failures}"
            : $"(b) sequential TlsProbe loop: capped at {Report.Seconds(cap)} after {count} probes ({Report.Rate(count, stopwatch.Elapsed)}), failures {failures}; "
                + $"EXTRAPOLATED to {fleet.Requests.Count}: {Report.Seconds(total)}");
        return total;
    }

    private ProbeRunner Runner() => new(_probe, new ProbeRunnerOptions { MaxConcurrency = options.Throttle, Timeout = Timeout });

    private static T Median<T>(List<T> values) => values.Order().ElementAt(values.Count / 2);
}

/// <summary>Formatting and machine facts for the printed report.</summary>
internal static class Report
{
    public static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) + " s";

    public static string Rate(int count, TimeSpan t) => (count / t.TotalSeconds).ToString("0", CultureInfo.InvariantCulture) + " probes/s";

    public static string Milliseconds(double ms) => ms.ToString("0.00", CultureInfo.InvariantCulture) + " ms";

    public static string Ratio(double ratio) => ratio.ToString("0.0", CultureInfo.InvariantCulture) + "x";

    public static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0] + " (1 min)";
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    public static string OpenSslVersion()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("openssl", "version") { RedirectStandardOutput = true })!;
            var version = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit(5000);
            return version;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "openssl CLI not found";
        }
    }
}

/// <summary>Command-line knobs (<c>--name value</c>), each defaulting to the figures the benchmark is meant to report.</summary>
internal sealed record BenchOptions(
    int Endpoints,
    int Hosts,
    int Throttle,
    int Runs,
    bool CertPerHost,
    bool FleetInProcess,
    TimeSpan SequentialCap,
    int OpenSslSample,
    int WarmUp,
    int LatencyMs,
    TimeSpan SequentialCapWithLatency,
    int Breakdown,
    int BreakdownRounds,
    int ProbeLoop,
    int ProbeLoopVariant)
{
    public static BenchOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var pairs = args.Where(a => a != "--serve-fleet").ToArray();
        for (var i = 0; i + 1 < pairs.Length; i += 2)
        {
            values[pairs[i].TrimStart('-')] = pairs[i + 1];
        }

        bool Bool(string name) => values.TryGetValue(name, out var text) && bool.Parse(text);

        int Int(string name, int fallback) => values.TryGetValue(name, out var text) ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

        return new BenchOptions(
            Endpoints: Math.Max(1, Int("endpoints", 20)),
            Hosts: Math.Max(1, Int("hosts", 1000)),
            Throttle: Math.Max(1, Int("throttle", ProbeRunnerOptions.DefaultMaxConcurrency)),
            Runs: Math.Max(1, Int("runs", 3)),
            CertPerHost: Bool("cert-per-host"),
            FleetInProcess: Bool("fleet-in-process"),
            SequentialCap: TimeSpan.FromSeconds(Int("sequential-cap-seconds", 60)),
            OpenSslSample: Int("openssl-sample", 50),
            WarmUp: Math.Max(1, Int("warm-up", 2000)),
            LatencyMs: Int("latency-ms", 25),
            SequentialCapWithLatency: TimeSpan.FromSeconds(Int("latency-sequential-cap-seconds", 10)),
            Breakdown: Int("breakdown", 0),
            BreakdownRounds: Math.Max(1, Int("breakdown-rounds", 3)),
            ProbeLoop: Int("probe-loop", 0),
            ProbeLoopVariant: Int("probe-loop-variant", 0));
    }
}
