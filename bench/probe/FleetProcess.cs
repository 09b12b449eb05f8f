using System.Diagnostics;
using System.Globalization;
using IngressCerts.Engine.Probing;

namespace IngressCerts.Bench.Probe;

/// <summary>
/// The fleet in a child process (this same program with <c>--serve-fleet</c>), so the probe's CPU time and the fake
/// controllers' are measured apart and the two do not share a thread pool, as with a real controller.
/// Talks to the child over its standard input and output, one line per command.
/// </summary>
internal sealed class FleetProcess : IFleet
{
    private const string ServeFlag = "--serve-fleet";
    private readonly Process _process;

    private FleetProcess(Process process, IReadOnlyList<ProbeRequest> requests)
    {
        _process = process;
        Requests = requests;
    }

    public IReadOnlyList<ProbeRequest> Requests { get; }

    public bool SharesProcessWithProbe => false;

    public static bool IsChildInvocation(string[] args) => args.Contains(ServeFlag);

    public static async Task<FleetProcess> StartAsync(int endpointCount, int hostCount, bool certPerHost)
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("Cannot tell how this program was started.");
        var start = new ProcessStartInfo(self) { RedirectStandardInput = true, RedirectStandardOutput = true };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(typeof(FleetProcess).Assembly.Location);
        }

        foreach (var argument in new[] { ServeFlag, "--endpoints", Invariant(endpointCount), "--hosts", Invariant(hostCount), "--cert-per-host", certPerHost.ToString() })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        try
        {
            var ready = await ReadLineAsync(process, TimeSpan.FromSeconds(120));
            if (ready?.StartsWith("PORTS ", StringComparison.Ordinal) != true)
            {
                throw new InvalidOperationException($"The fleet process did not start: '{ready}'.");
            }

            var ports = ready["PORTS ".Length..].Split(',').Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToList();
            return new FleetProcess(process, LoopbackFleet.CreateRequests(ports, hostCount));
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    public async Task SetLatencyAsync(TimeSpan latency)
    {
        var reply = await CommandAsync($"latency {Invariant((int)latency.TotalMilliseconds)}");
        if (reply != "ok")
        {
            throw new InvalidOperationException($"The fleet process answered '{reply}'.");
        }
    }

    public async Task<FleetStats> GetStatsAsync()
    {
        var parts = (await CommandAsync("stats"))?.Split(' ') ?? [];
        _process.Refresh();
        return parts is ["stats", var handshakes, var bytes]
            ? new FleetStats(int.Parse(handshakes, CultureInfo.InvariantCulture), long.Parse(bytes, CultureInfo.InvariantCulture), _process.TotalProcessorTime)
            : throw new InvalidOperationException($"The fleet process answered '{string.Join(' ', parts)}'.");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _process.StandardInput.WriteLineAsync("quit");
            _process.StandardInput.Close();
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await _process.WaitForExitAsync(limit.Token);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }
        finally
        {
            _process.Dispose();
        }
    }

    /// <summary>The child's side: serves the fleet until told to quit or its input closes.</summary>
    public static async Task<int> ServeAsync(BenchOptions options)
    {
        await using var fleet = LoopbackFleet.Start(options.Endpoints, options.Hosts, options.CertPerHost);
        Console.WriteLine("PORTS " + string.Join(',', fleet.Ports));
        while (await Console.In.ReadLineAsync() is { } line && line != "quit")
        {
            var words = line.Split(' ');
            switch (words)
            {
                case ["latency", var ms]:
                    await fleet.SetLatencyAsync(TimeSpan.FromMilliseconds(int.Parse(ms, CultureInfo.InvariantCulture)));
                    Console.WriteLine("ok");
                    break;
                case ["stats"]:
                    var stats = await fleet.GetStatsAsync();
                    Console.WriteLine($"stats {Invariant(stats.HandshakesCompleted)} {stats.ApplicationBytesReceived.ToString(CultureInfo.InvariantCulture)}");
                    break;
                default:
                    Console.WriteLine($"unknown command '{line}'");
                    break;
            }
        }

        return 0;
    }

    private async Task<string?> CommandAsync(string command)
    {
        await _process.StandardInput.WriteLineAsync(command);
        await _process.StandardInput.FlushAsync();
        return await ReadLineAsync(_process, TimeSpan.FromSeconds(30));
    }

    private static async Task<string?> ReadLineAsync(Process process, TimeSpan limit)
    {
        using var cancellation = new CancellationTokenSource(limit);
        return await process.StandardOutput.ReadLineAsync(cancellation.Token);
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
