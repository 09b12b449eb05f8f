using System.Diagnostics;
using IngressCerts.Engine.Inventory;
using IngressCerts.TestServer;
using IngressCerts.TestServer.Seeding;

namespace IngressCerts.Bench.Inventory;

/// <summary>
/// Starts the test server in this process, seeds the fleet, and measures every variant against it in one run:
/// in-process (inventory, raw fetch, naive, kubectl) with a warm-up and the median of several runs, then separate
/// processes (the engine alone, and Get-IngressCertificate in pwsh) for working set, CPU time and allocations.
/// </summary>
internal sealed class Bench(BenchOptions options)
{
    private static readonly TimeSpan ChildTimeout = TimeSpan.FromMinutes(4);

    public async Task<int> RunAsync()
    {
        var total = Stopwatch.StartNew();
        var report = new Report(options) { LoadAtStart = LoadAverage() };
        string work = Path.Combine(Path.GetTempPath(), "ingresscerts-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(work);
        try
        {
            // Compaction off: a 5-minute compaction in the middle of a list would expire its continue token.
            await using var server = await KubeApiServer.StartAsync(new KubeApiServerOptions { CompactionInterval = null, ServeOtherKinds = options.ServeOtherKinds });
            Log($"test server at {server.BaseAddress}; seeding {options.Namespaces:N0} namespaces x {options.IngressesPerNamespace} Ingresses with TLS Secrets ...");
            var seedTime = Stopwatch.StartNew();
            int seeded = server.SeedIngressFleet(options.Seed);
            report.SeedMs = seedTime.Elapsed.TotalMilliseconds;
            report.SeededObjects = seeded;
            Log($"seeded {seeded:N0} objects in {report.SeedMs / 1000:0.0} s");

            string kubeconfig = Path.Combine(work, "kubeconfig");
            server.WriteKubeconfig(kubeconfig);
            Breakdown.Settle();

            await MeasureInProcessAsync(server, kubeconfig, work, report);
            await MeasureChildrenAsync(server, kubeconfig, report);

            if (!options.SkipBreakdown)
            {
                Log("breakdown: each step of the inventory on its own ...");
                Breakdown.Settle();
                server.RequestLog.Clear();
                report.Breakdown = await new Breakdown(server.BaseAddress, server.CaCertificate, server.AdminToken).RunAsync();
                server.RequestLog.Clear();
            }
        }
        finally
        {
            try
            {
                Directory.Delete(work, recursive: true);
            }
            catch (IOException)
            {
            }
        }

        report.TotalMs = total.Elapsed.TotalMilliseconds;
        report.LoadAtEnd = LoadAverage();
        report.Print(Console.Out);
        if (options.JsonOut is not null)
        {
            report.WriteJson(options.JsonOut);
            Console.Out.WriteLine($"JSON: {options.JsonOut}");
        }

        return 0;
    }

    private async Task MeasureInProcessAsync(KubeApiServer server, string kubeconfig, string work, Report report)
    {
        int n = options.References;
        using var variants = new Variants(kubeconfig);
        var inventory = report.Add(new VariantResult("inventory", "inventory (ClusterScanner, in-process)", n));
        var raw = report.Add(new VariantResult("raw", "raw fetch (same lists, KubernetesClient, no analysis)", 2 * n));
        var naive = report.Add(new VariantResult("naive", "naive (list Ingresses, GET each Secret in turn)", n));
        var kubectl = report.Add(new VariantResult("kubectl", "kubectl get ingress,secret -A -o json", 0));

        string? kubectlPath = options.SkipKubectl || options.KubectlRuns == 0 ? null : FindKubectl();
        if (kubectlPath is null)
        {
            kubectl.Skipped = options.SkipKubectl || options.KubectlRuns == 0 ? "skipped by option"
                : options.Kubectl is { } given ? $"no kubectl at {given}"
                : "kubectl is not installed (not on PATH)";
        }

        if (options.SkipNaive || options.NaiveRuns == 0)
        {
            naive.Skipped = "skipped by option";
        }

        string kubectlCache = Path.Combine(work, "kube-cache");
        var statuses = new Dictionary<string, int>(StringComparer.Ordinal);
        var phases = new List<double>();

        async Task<Sample> Measure(Func<Task<int>> run, Func<double?>? phase = null)
        {
            Breakdown.Settle();
            server.RequestLog.Clear();
            var stopwatch = Stopwatch.StartNew();
            int items = await run();
            stopwatch.Stop();
            var (requests, failed, detail) = RequestKinds.Describe(server.RequestLog.Snapshot());
            return new Sample(stopwatch.Elapsed.TotalMilliseconds, requests, failed, detail, items, phase?.Invoke());
        }

        Task<Sample> Inventory(Dictionary<string, int>? counts)
        {
            // When the scanner starts reading Secrets, the Ingress (and Gateway) lists are done: the phase split.
            var stopwatch = Stopwatch.StartNew();
            double? listed = null;
            return Measure(
                () =>
                {
                    stopwatch.Restart();
                    return variants.InventoryAsync(counts, CancellationToken.None, p => listed ??= p.Activity.StartsWith("Reading TLS Secrets", StringComparison.Ordinal) ? stopwatch.Elapsed.TotalMilliseconds : null);
                },
                () => listed);
        }

        Task<Sample> Kubectl() => Measure(async () =>
        {
            var outcome = await ProcessRunner.RunAsync(kubectlPath!, ["--kubeconfig", kubeconfig, "--cache-dir", kubectlCache, "get", "ingress,secret", "-A", "-o", "json"], null, ChildTimeout, discardStdout: true);
            if (outcome.ExitCode != 0)
            {
                throw new InvalidOperationException($"kubectl failed ({outcome.ExitCode}): {outcome.Stderr}");
            }

            kubectl.Notes.Add($"{outcome.StdoutBytes / 1024.0 / 1024.0:0.0} MB of JSON");
            return 0;
        });

        Log("warm-up (cold runs) ...");
        inventory.Add(await Inventory(statuses), cold: true);
        report.Statuses = statuses;
        raw.Add(await Measure(() => variants.RawFetchAsync(CancellationToken.None)), cold: true);
        if (naive.Skipped is null)
        {
            naive.Add(await Measure(() => variants.NaiveAsync(CancellationToken.None)), cold: true);
        }

        if (kubectlPath is not null)
        {
            // kubectl starts afresh every time anyway: its warm-up only fills the discovery cache, with a cheap command,
            // as a user's ~/.kube/cache would be filled already. A full cold run would cost another half a minute.
            await ProcessRunner.RunAsync(kubectlPath, ["--kubeconfig", kubeconfig, "--cache-dir", kubectlCache, "get", "namespaces", "-o", "name"], null, ChildTimeout, discardStdout: true);
        }

        // Round robin, so that drift (thermal, other load) spreads over all variants alike.
        int rounds = Math.Max(options.Runs, Math.Max(naive.Skipped is null ? options.NaiveRuns : 0, kubectlPath is null ? 0 : options.KubectlRuns));
        for (int i = 0; i < rounds; i++)
        {
            Log($"round {i + 1}/{rounds} ...");
            if (i < options.Runs)
            {
                inventory.Add(await Inventory(null), cold: false);
                raw.Add(await Measure(() => variants.RawFetchAsync(CancellationToken.None)), cold: false);
            }

            if (naive.Skipped is null && i < options.NaiveRuns)
            {
                naive.Add(await Measure(() => variants.NaiveAsync(CancellationToken.None)), cold: false);
            }

            if (kubectlPath is not null && i < options.KubectlRuns)
            {
                kubectl.Add(await Kubectl(), cold: false);
            }
        }

        // kubectl's output size is the same every run: keep one note.
        var distinct = kubectl.Notes.Distinct().ToList();
        kubectl.Notes.Clear();
        kubectl.Notes.AddRange(distinct);
    }

    private async Task MeasureChildrenAsync(KubeApiServer server, string kubeconfig, Report report)
    {
        int n = options.References;
        foreach (string mode in new[] { "inventory", "raw" })
        {
            Log($"separate process: engine {mode} ({options.ChildRuns} runs) ...");
            var (file, prefix) = SelfCommand();
            report.Children.Add(await RunChildAsync(server, $"engine-{mode}", mode == "inventory" ? n : 2 * n,
                () => ProcessRunner.RunAsync(file, [.. prefix, "child", mode, kubeconfig, options.ChildRuns.ToString(System.Globalization.CultureInfo.InvariantCulture)], null, ChildTimeout)));
        }

        if (options.SkipPwsh)
        {
            report.PwshSkipped = "skipped by option";
            return;
        }

        if (options.ModulePath is null || !File.Exists(options.ModulePath))
        {
            report.PwshSkipped = options.ModulePath is null
                ? "no --module given (build the module and pass out/IngressCerts/IngressCerts.psd1; run.ps1 does)"
                : $"module not found at {options.ModulePath}";
            return;
        }

        string script = Path.Combine(AppContext.BaseDirectory, "measure-cmdlet.ps1");
        var (pwsh, pwshPrefix, cwd) = PwshCommand();
        foreach (string mode in new[] { "Stream", "Collect" })
        {
            Log($"separate process: pwsh Get-IngressCertificate -AllNamespaces, {mode.ToLowerInvariant()} ({options.ChildRuns} runs) ...");
            string[] arguments = [.. pwshPrefix, "-NoProfile", "-NonInteractive", "-File", script, "-ModulePath", options.ModulePath, "-KubeConfigPath", kubeconfig,
                "-Runs", options.ChildRuns.ToString(System.Globalization.CultureInfo.InvariantCulture), "-Mode", mode];
            report.Children.Add(await RunChildAsync(server, "pwsh-" + mode.ToLowerInvariant(), n, () => ProcessRunner.RunAsync(pwsh, arguments, cwd, ChildTimeout)));
        }
    }

    private async Task<ChildReport> RunChildAsync(KubeApiServer server, string name, int expectedItems, Func<Task<ProcessOutcome>> start)
    {
        Breakdown.Settle();
        server.RequestLog.Clear();
        var outcome = await start();
        var result = ProcessRunner.ParseResult(outcome, name);
        var (requests, failed, detail) = RequestKinds.Describe(server.RequestLog.Snapshot());
        var child = new ChildReport(name, result, outcome.WallMs, requests, failed, detail);
        foreach (var run in result.Runs.Where(r => r.Items != expectedItems).Take(1))
        {
            child.Notes.Add($"a run produced {run.Items} items, expected {expectedItems}");
        }

        if (failed > 0)
        {
            child.Notes.Add($"{failed} failed requests");
        }

        return child;
    }

    /// <summary>This bench itself, for the engine child: the apphost, or dotnet with this assembly.</summary>
    private static (string File, string[] Prefix) SelfCommand()
    {
        string process = Environment.ProcessPath ?? "dotnet";
        return Path.GetFileNameWithoutExtension(process) == "dotnet"
            ? (process, [typeof(Bench).Assembly.Location])
            : (process, []);
    }

    private (string File, string[] Prefix, string? WorkingDirectory) PwshCommand()
    {
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        if (options.Pwsh is { } pwsh)
        {
            return pwsh.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) ? (dotnet, [pwsh], null) : (pwsh, [], null);
        }

        // `dotnet pwsh` finds the local tool from the repository's .config/dotnet-tools.json.
        string root = options.RepositoryRoot ?? FindRepositoryRoot()
            ?? throw new InvalidOperationException("cannot find the repository root (.config/dotnet-tools.json) for `dotnet pwsh`; give --pwsh or --repo");
        return (dotnet, ["pwsh"], root);
    }

    private static string? FindRepositoryRoot()
    {
        foreach (string start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, ".config", "dotnet-tools.json")))
                {
                    return dir.FullName;
                }
            }
        }

        return null;
    }

    private string? FindKubectl()
    {
        if (options.Kubectl is { } given)
        {
            return File.Exists(given) ? given : null;
        }

        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, OperatingSystem.IsWindows() ? "kubectl.exe" : "kubectl");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static string? LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    internal static void Log(string message) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");
}
