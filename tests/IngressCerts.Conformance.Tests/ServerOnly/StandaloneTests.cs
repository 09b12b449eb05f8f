using System.Diagnostics;
using System.Text.RegularExpressions;
using IngressCerts.TestServer.Testing;

namespace IngressCerts.Conformance.Tests.ServerOnly;

/// <summary>The standalone server: READY line, kubeconfig, --seed, and shutdown when stdin closes.</summary>
public sealed partial class StandaloneTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("standalone-test-").FullName;

    [GeneratedRegex(@"^READY (https://127\.0\.0\.1:\d+) (.+)$")]
    private static partial Regex ReadyLine();

    [ServerOnlyFact]
    public async Task Standalone_server_prints_READY_serves_its_seed_and_stops_when_stdin_closes()
    {
        var kubeconfig = Path.Combine(_directory, "kubeconfig");
        var seed = Path.Combine(_directory, "seed.yaml");
        File.WriteAllText(seed, """
            apiVersion: v1
            kind: Secret
            metadata: {name: seeded, namespace: standalone}
            type: kubernetes.io/tls
            stringData: {tls.crt: cert, tls.key: key}
            """);
        using var process = Start("--kubeconfig-out", kubeconfig, "--seed", seed, "--no-gateway-api");
        try
        {
            var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            var match = ReadyLine().Match(line ?? "");
            Assert.True(match.Success, $"first line was: {line}");
            Assert.Equal(kubeconfig, match.Groups[2].Value);

            using var http = KubeHttp.FromKubeconfig(kubeconfig);
            Assert.Equal(match.Groups[1].Value + "/", http.BaseAddress.ToString());
            var secret = await http.GetAsync("/api/v1/namespaces/standalone/secrets/seeded");
            Assert.Equal(200, secret.StatusCode);
            Assert.Equal("Y2VydA==", secret.Object["data"]!["tls.crt"]!.GetValue<string>());
            Assert.Equal(404, (await http.GetAsync("/apis/gateway.networking.k8s.io/v1")).StatusCode);

            process.StandardInput.Close();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }

    [ServerOnlyFact]
    public async Task Standalone_server_refuses_a_command_line_without_kubeconfig_out()
    {
        using var process = Start("--port", "0");
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(2, process.ExitCode);
        Assert.Contains("--kubeconfig-out is required", await process.StandardError.ReadToEndAsync());
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>Runs the server assembly built next to the tests (what dotnet run would run).</summary>
    private static Process Start(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "IngressCerts.TestServer.dll"));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        return Process.Start(start)!;
    }
}
