using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;

namespace IngressCerts.Engine.Tests.Probing;

/// <summary>
/// Runs <c>openssl s_client</c> as an independent witness of what a server puts on the wire.
/// Only ever pointed at the tests' own loopback endpoints.
/// </summary>
internal static partial class OpenSslClient
{
    public static bool IsAvailable { get; } = FindOnPath("openssl");

    /// <summary>SHA-1 thumbprints of the certificates the server sent for <paramref name="sni"/>, leaf first, in wire order.</summary>
    public static async Task<string[]> ShowCertsAsync(string address, string sni)
    {
        var start = new ProcessStartInfo("openssl")
        {
            ArgumentList = { "s_client", "-connect", address, "-servername", sni, "-showcerts" },
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;

        // End of input makes s_client hang up right after the handshake, sending nothing.
        process.StandardInput.Close();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var output = process.StandardOutput.ReadToEndAsync(limit.Token);
        _ = process.StandardError.ReadToEndAsync(limit.Token);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return PemBlock().Matches(await output)
            .Select(m => X509CertificateLoader.LoadCertificate(Convert.FromBase64String(m.Groups[1].Value)).Thumbprint)
            .ToArray();
    }

    private static bool FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, name)));

    [GeneratedRegex("-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\\s]+)-----END CERTIFICATE-----")]
    private static partial Regex PemBlock();
}
