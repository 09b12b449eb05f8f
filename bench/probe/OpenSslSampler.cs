using System.Diagnostics;
using IngressCerts.Engine.Probing;

namespace IngressCerts.Bench.Probe;

/// <summary>
/// Times <c>openssl s_client</c> against a sample of the fleet's hosts, one process per host, as a shell script
/// looping over hosts would. Only ever pointed at the fleet's loopback endpoints.
/// </summary>
internal static class OpenSslSampler
{
    public static bool IsAvailable { get; } =
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, "openssl")));

    /// <returns>Wall time for the sample and how many handshakes openssl reported as successful (exit code 0).</returns>
    public static async Task<(TimeSpan Elapsed, int Succeeded)> RunAsync(IEnumerable<ProbeRequest> sample)
    {
        var succeeded = 0;
        var stopwatch = Stopwatch.StartNew();
        foreach (var request in sample)
        {
            var start = new ProcessStartInfo("openssl")
            {
                ArgumentList = { "s_client", "-brief", "-connect", request.Endpoint.ToString(), "-servername", request.Sni! },
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var process = Process.Start(start)!;

            // End of input: s_client hangs up right after the handshake, as the probe does.
            process.StandardInput.Close();
            var drainOut = process.StandardOutput.ReadToEndAsync();
            var drainErr = process.StandardError.ReadToEndAsync();
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await process.WaitForExitAsync(limit.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
            }

            await Task.WhenAll(drainOut, drainErr);
            if (process.HasExited && process.ExitCode == 0)
            {
                succeeded++;
            }
        }

        return (stopwatch.Elapsed, succeeded);
    }
}
