using IngressCerts.TestServer;
using IngressCerts.TestServer.Seeding;

namespace IngressCerts.Bench.Inventory;

/// <summary>
/// `IngressCerts.Bench.Inventory serve KUBECONFIG_OUT [--namespaces N] [--per-namespace N] [--certificates N]`: the seeded fleet alone,
/// for profiling a client by hand (dotnet-trace on pwsh, kubectl, curl). Prints "READY URL KUBECONFIG" and serves
/// until stdin closes or Ctrl+C.
/// </summary>
internal static class ServeMode
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length < 2)
        {
            Console.Error.WriteLine("usage: IngressCerts.Bench.Inventory serve KUBECONFIG_OUT [--namespaces N] [--per-namespace N] [--certificates N]");
            return 2;
        }

        var options = BenchOptions.Parse(args[2..]);
        await using var server = await KubeApiServer.StartAsync(new KubeApiServerOptions { CompactionInterval = null, ServeOtherKinds = options.ServeOtherKinds });
        int seeded = server.SeedIngressFleet(options.Seed);
        string kubeconfig = Path.GetFullPath(args[1]);
        server.WriteKubeconfig(kubeconfig);
        Console.Error.WriteLine($"seeded {seeded:N0} objects");
        Console.Out.WriteLine($"READY {server.BaseAddress.GetLeftPart(UriPartial.Authority)} {kubeconfig}");
        Console.Out.Flush();

        var stop = new TaskCompletionSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.TrySetResult();
        };
        _ = Task.Run(() =>
        {
            try
            {
                using var stdin = Console.OpenStandardInput();
                var buffer = new byte[256];
                while (stdin.Read(buffer, 0, buffer.Length) > 0)
                {
                }
            }
            catch (IOException)
            {
            }

            stop.TrySetResult();
        });
        await stop.Task;
        Console.Error.WriteLine($"served {server.RequestLog.Count:N0} requests");
        return 0;
    }
}
