using System.Diagnostics;
using IngressCerts.Engine.Inventory;
using IngressCerts.TestServer;
using IngressCerts.TestServer.Logging;
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

    // The test server's request log; null against an existing cluster, whose requests are not counted.
    private RequestLog? _requests;

    private void ClearRequests() => _requests?.Clear();

    private (int Requests, int Failed, string Detail) CountRequests() =>
        _requests is null ? (0, 0, "not counted (existing cluster)") : RequestKinds.Describe(_requests.Snapshot());

    /// <summary>References in the fleet: as seeded, or as the first inventory of an existing cluster found them.</summary>
    private int _references;

    public async Task<int> RunAsync()
    {
        var total = Stopwatch.StartNew();
        var report = new Report(options) { LoadAtStart = LoadAverage() };
        string work = Path.Combine(Path.GetTempPath(), "ingresscerts-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(work);
        try
        {
            KubeApiServer? server = null;
            string kubeconfig;
            if (options.KubeConfig is { } existing)
            {
                // An existing cluster: its fleet as it is, nothing seeded, and no request log to count from.
                kubeconfig = existing;
                report.ExternalCluster = options.Context is null ? existing : $"{existing} (context {options.Context})";
                Log($"measuring the cluster of {report.ExternalCluster}; nothing is seeded and requests are not counted");
            }
            else
            {
                // Compaction off: a 5-minute compaction in the middle of a list would expire its continue token.
                server = await KubeApiServer.StartAsync(new KubeApiServerOptions { CompactionInterval = null, ServeOtherKinds = options.ServeOtherKinds });
                Log($"test server at {server.BaseAddress}; seeding {options.Namespaces:N0} namespaces x {options.IngressesPerNamespace} Ingresses with TLS Secrets ...");
                var seedTime = Stopwatch.StartNew();
                int seeded = server.SeedIngressFleet(options.Seed);
                report.SeedMs = seedTime.Elapsed.TotalMilliseconds;
                report.SeededObjects = seeded;
                Log($"seeded {seeded:N0} objects in {report.SeedMs / 1000:0.0} s");

                kubeconfig = Path.Combine(work, "kubeconfig");
                server.WriteKubeconfig(kubeconfig);
            }

            await using (server)
            {
                _requests = server?.RequestLog;
                Breakdown.Settle();

                await MeasureInProcessAsync(kubeconfig, work, report);
                await MeasureChildrenAsync(kubeconfig, report);

                if (!options.SkipBreakdown)
                {
                    Log("breakdown: each step of the inventory on its own ...");
                    Breakdown.Settle();
                    _requests?.Clear();
                    report.Breakdown = await new Breakdown(new BenchClient(k8s.KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig, currentContext: options.Context))).RunAsync();
                    _requests?.Clear();
                }
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

    private async Task MeasureInProcessAsync(string kubeconfig, string work, Report report)
    {
        int n = _references = options.References;
        using var variants = new Variants(kubeconfig, options.Context);
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
            ClearRequests();
            var stopwatch = Stopwatch.StartNew();
            int items = await run();
            stopwatch.Stop();
            var (requests, failed, detail) = CountRequests();
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
            var outcome = await ProcessRunner.RunAsync(kubectlPath!, [.. KubectlTarget(kubeconfig), "--cache-dir", kubectlCache, "get", "ingress,secret", "-A", "-o", "json"], null, ChildTimeout, discardStdout: true);
            if (outcome.ExitCode != 0)
            {
                throw new InvalidOperationException($"kubectl failed ({outcome.ExitCode}): {outcome.Stderr}");
            }

            kubectl.Notes.Add($"{outcome.StdoutBytes / 1024.0 / 1024.0:0.0} MB of JSON");
            return 0;
        });

        Log("warm-up (cold runs) ...");
        if (_requests is null)
        {
            // An existing cluster: its references are what the inventory finds, and the raw fetch's items unknown.
            inventory.ExpectedItems = raw.ExpectedItems = naive.ExpectedItems = -1;
        }

        inventory.Add(await Inventory(statuses), cold: true);
        report.Statuses = statuses;
        if (_requests is null)
        {
            report.References = _references = inventory.ExpectedItems = inventory.Cold!.Items;
        }

        raw.Add(await Measure(() => variants.RawFetchAsync(CancellationToken.None)), cold: true);
        if (naive.Skipped is null)
        {
            naive.Add(await Measure(() => variants.NaiveAsync(CancellationToken.None)), cold: true);
        }

        if (kubectlPath is not null)
        {
            // kubectl starts afresh every time anyway: its warm-up only fills the discovery cache, with a cheap command,
            // as a user's ~/.kube/cache would be filled already. A full cold run would cost another half a minute.
            await ProcessRunner.RunAsync(kubectlPath, [.. KubectlTarget(kubeconfig), "--cache-dir", kubectlCache, "get", "namespaces", "-o", "name"], null, ChildTimeout, discardStdout: true);
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

    private async Task MeasureChildrenAsync(string kubeconfig, Report report)
    {
        int n = _references;
        bool seeded = _requests is not null;
        string[] context = options.Context is null ? [] : [options.Context];
        foreach (string mode in new[] { "inventory", "raw", "bytes" })
        {
            Log($"separate process: engine {mode} ({options.ChildRuns} runs) ...");
            var (file, prefix) = SelfCommand();
            // Items of the raw fetch: Ingresses and Secrets, known only for the seeded fleet.
            // The bytes-only fetch reports MB, not items: nothing to check.
            report.Children.Add(await RunChildAsync($"engine-{mode}", mode == "inventory" ? n : seeded && mode == "raw" ? 2 * n : -1,
                () => ProcessRunner.RunAsync(file, [.. prefix, "child", mode, kubeconfig, options.ChildRuns.ToString(System.Globalization.CultureInfo.InvariantCulture), .. context], null, ChildTimeout)));
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
                "-Runs", options.ChildRuns.ToString(System.Globalization.CultureInfo.InvariantCulture), "-Mode", mode, .. (options.Context is null ? Array.Empty<string>() : ["-Context", options.Context])];
            report.Children.Add(await RunChildAsync("pwsh-" + mode.ToLowerInvariant(), n, () => ProcessRunner.RunAsync(pwsh, arguments, cwd, ChildTimeout)));
        }
    }

    /// <param name="expectedItems">Items every run must produce; negative: not known (the raw fetch of an existing cluster).</param>
    private async Task<ChildReport> RunChildAsync(string name, int expectedItems, Func<Task<ProcessOutcome>> start)
    {
        Breakdown.Settle();
        ClearRequests();
        var outcome = await start();
        var result = ProcessRunner.ParseResult(outcome, name);
        var (requests, failed, detail) = CountRequests();
        var child = new ChildReport(name, result, outcome.WallMs, requests, failed, detail);
        foreach (var run in result.Runs.Where(r => expectedItems >= 0 && r.Items != expectedItems).Take(1))
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

    private string[] KubectlTarget(string kubeconfig) =>
        options.Context is null ? ["--kubeconfig", kubeconfig] : ["--kubeconfig", kubeconfig, "--context", options.Context];

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
