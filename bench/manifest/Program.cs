using System.Diagnostics;
using System.Globalization;
using IngressCerts.Bench.Manifest;
using IngressCerts.Engine.Inventory;

// Manifest-reading benchmark: generates the dumps, then reads each in a fresh child process (so that each peak
// working set is that read's alone) through ManifestReader and ManifestScanner, as Get-IngressCertificate -Path does.
// Prints figures only; nothing here asserts.
if (args is ["child", var childFile])
{
    return Child.Run(childFile);
}

int pairs = Option("--pairs", 10_000);
int smallMb = Option("--small-mb", 0);
string dir = Path.GetFullPath(OptionText("--dir", Path.Combine("out", "bench", "manifest")));
Directory.CreateDirectory(dir);

Console.WriteLine("IngressCerts manifest-reading benchmark");
Console.WriteLine($"machine: {Environment.ProcessorCount} cores, load average {LoadAverage()} at start, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}");
var files = new List<string>();
var generate = Stopwatch.StartNew();
if (pairs > 0)
{
    var (yaml, json) = Dumps.WritePairs(dir, pairs);
    files.Add(yaml);
    files.Add(json);
}

if (smallMb > 0)
{
    files.Add(Dumps.WriteSmallDocuments(dir, smallMb));
}

Console.Error.WriteLine($"generated {files.Count} files in {generate.Elapsed.TotalSeconds:F1} s under {dir}");
Console.WriteLine();
Console.WriteLine($"{"file",-22} {"MB",7} {"kept",7} {"refs",7} {"read s",7} {"MB/s",6} {"CPU s",6} {"MB/CPU s",8} {"read+scan s",11} {"peak WS read",12} {"peak WS all",11} {"budget",8} {"ratio",6}");
foreach (string file in files)
{
    var result = Child.Start(file);
    double mb = new FileInfo(file).Length / 1048576.0;
    double budget = 2 * mb + 200; // the issue's target: peak working set <= 2 x file size + 200 MB
    Console.WriteLine($"{Path.GetFileName(file),-22} {mb,7:F1} {result.Kept,7} {result.References,7} {result.ReadSeconds,7:F2} {mb / result.ReadSeconds,6:F1} {result.ReadCpuSeconds,6:F2} {mb / result.ReadCpuSeconds,8:F1} {result.TotalSeconds,11:F2} "
        + $"{result.PeakReadMb,9:F0} MB {result.PeakAllMb,8:F0} MB {budget,5:F0} MB {result.PeakAllMb / budget,6:F2}"
        + (result.Error is null ? string.Empty : $"  ERROR {result.Error}"));
}

Console.WriteLine();
Console.WriteLine("ratio = peak WS (read + scan) / (2 x file size + 200 MB); the target is <= 1. The child's working set before reading was about "
    + $"{Child.Start(null).PeakAllMb:F0} MB (runtime and engine loaded, nothing read).");
Console.WriteLine($"load average at end: {LoadAverage()}");
return 0;

int Option(string name, int fallback) => int.Parse(OptionText(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

string OptionText(string name, string fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}

static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

/// <summary>One read in a process of its own; the parent reads its one result line.</summary>
internal static class Child
{
    public sealed record Result(int Kept, int References, double ReadSeconds, double TotalSeconds, double PeakReadMb, double PeakAllMb, double ReadCpuSeconds, string? Error);

    public static Result Start(string? file)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(typeof(Child).Assembly.Location);
        start.ArgumentList.Add("child");
        start.ArgumentList.Add(file ?? string.Empty);
        using var process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        string? line = output.Split('\n').LastOrDefault(l => l.StartsWith("RESULT\t", StringComparison.Ordinal));
        if (line is null)
        {
            return new Result(0, 0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, $"child exited {process.ExitCode} without a result");
        }

        var f = line.Split('\t');
        double D(int i) => double.Parse(f[i], CultureInfo.InvariantCulture);
        return new Result(int.Parse(f[1], CultureInfo.InvariantCulture), int.Parse(f[2], CultureInfo.InvariantCulture), D(3), D(4), D(5), D(6), D(7), f[8].Length == 0 ? null : f[8]);
    }

    public static int Run(string file)
    {
        int kept = 0, references = 0;
        string error = string.Empty;
        var stopwatch = Stopwatch.StartNew();
        double read = 0, peakRead = Peak(), cpu = 0;
        if (file.Length > 0)
        {
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var (objects, problem) = ManifestReader.ReadFile(file);
            read = stopwatch.Elapsed.TotalSeconds;
            cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
            peakRead = Peak();
            kept = objects.Count;
            error = problem?.Message.Replace('\t', ' ').Replace('\n', ' ') ?? string.Empty;
            references = new ManifestScanner(new InventoryOptions(DateTimeOffset.UtcNow)).Scan(objects).Count();
        }

        double total = stopwatch.Elapsed.TotalSeconds;
        Console.WriteLine(string.Join('\t', "RESULT", kept, references, read.ToString("R", CultureInfo.InvariantCulture),
            total.ToString("R", CultureInfo.InvariantCulture), peakRead.ToString("R", CultureInfo.InvariantCulture), Peak().ToString("R", CultureInfo.InvariantCulture), cpu.ToString("R", CultureInfo.InvariantCulture), error));
        return 0;
    }

    private static double Peak()
    {
        using var self = Process.GetCurrentProcess();
        return self.PeakWorkingSet64 / 1048576.0;
    }
}
