using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace IngressCerts.Bench.Inventory;

internal sealed record ProcessOutcome(int ExitCode, string Stdout, string Stderr, long StdoutBytes, double WallMs);

/// <summary>Starts the bench's child processes (engine child, pwsh, kubectl), each bounded by a timeout.</summary>
internal static class ProcessRunner
{
    public static async Task<ProcessOutcome> RunAsync(
        string fileName, IEnumerable<string> arguments, string? workingDirectory, TimeSpan timeout, bool discardStdout = false)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        // The children must not pick up a kubeconfig, context or PowerShell profile of the machine by accident.
        info.Environment.Remove("KUBECONFIG");
        info.Environment["POWERSHELL_TELEMETRY_OPTOUT"] = "1";
        info.Environment["POWERSHELL_UPDATECHECK"] = "Off";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";

        var stopwatch = Stopwatch.StartNew();
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {fileName}");
        process.StandardInput.Close();
        var counter = new CountingStream(discardStdout ? null : new MemoryStream());
        var stdout = process.StandardOutput.BaseStream.CopyToAsync(counter);
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"{fileName} did not finish within {timeout.TotalSeconds:0} s");
        }

        await stdout;
        stopwatch.Stop();
        string text = counter.Inner is MemoryStream memory ? Encoding.UTF8.GetString(memory.ToArray()) : string.Empty;
        return new ProcessOutcome(process.ExitCode, text, await stderr, counter.Count, stopwatch.Elapsed.TotalMilliseconds);
    }

    /// <summary>The child's "RESULT {json}" line.</summary>
    public static ChildResult ParseResult(ProcessOutcome outcome, string what)
    {
        string? line = outcome.Stdout.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.StartsWith(ChildMode.ResultPrefix, StringComparison.Ordinal));
        if (outcome.ExitCode != 0 || line is null)
        {
            throw new InvalidOperationException(
                $"{what} failed (exit code {outcome.ExitCode}).\n--- stdout ---\n{Tail(outcome.Stdout)}\n--- stderr ---\n{Tail(outcome.Stderr)}");
        }

        return JsonSerializer.Deserialize<ChildResult>(line[ChildMode.ResultPrefix.Length..], ChildMode.Json)
            ?? throw new InvalidOperationException($"{what} printed an empty result");
    }

    private static string Tail(string text) => text.Length <= 4000 ? text : "..." + text[^4000..];

    /// <summary>Counts what passes through; keeps it only when given a stream to keep it in (kubectl's 50 MB of JSON is dropped).</summary>
    private sealed class CountingStream(Stream? inner) : Stream
    {
        public Stream? Inner { get; } = inner;

        public long Count { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => Count;

        public override long Position { get => Count; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count)
        {
            Count += count;
            Inner?.Write(buffer, offset, count);
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Count += buffer.Length;
            Inner?.Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Write(buffer, offset, count);
            return Task.CompletedTask;
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
