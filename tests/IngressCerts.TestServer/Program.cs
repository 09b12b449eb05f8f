using System.Runtime.InteropServices;
using IngressCerts.TestServer.Seeding;

namespace IngressCerts.TestServer;

/// <summary>
/// Standalone mode, for scripts and PowerShell tests:
/// <c>dotnet run --project tests/IngressCerts.TestServer -- --kubeconfig-out PATH [--seed FILE]... [--port N] [--no-gateway-api] [--no-other-kinds] [--istio-versions v1,v1beta1,v1alpha3] [--model-namespace-defaults] [--admin-token T] [--request-log FILE] [--users FILE]...</c>.
/// Prints one line "READY https://127.0.0.1:PORT PATH" once listening, then serves until it is
/// killed, gets Ctrl+C/SIGTERM, or its stdin closes (stdin that is /dev/null, as for background
/// jobs, is not watched).
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        string? kubeconfig = null;
        var seeds = new List<string>();
        var usersFiles = new List<string>();
        string? requestLog = null;
        var options = new KubeApiServerOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            try
            {
                switch (args[i])
                {
                    case "--kubeconfig-out": kubeconfig = Next(); break;
                    case "--seed": seeds.Add(Next()); break;
                    case "--port": options = options with { Port = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture) }; break;
                    case "--no-gateway-api": options = options with { ServeGatewayApi = false }; break;
                    case "--no-other-kinds": options = options with { ServeOtherKinds = false }; break;
                    case "--istio-versions": options = options with { IstioGatewayVersions = Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) }; break;
                    case "--model-namespace-defaults": options = options with { ModelNamespaceDefaults = true }; break;
                    case "--admin-token": options = options with { AdminToken = Next() }; break;
                    case "--request-log": requestLog = Path.GetFullPath(Next()); break;
                    case "--users": usersFiles.Add(Next()); break;
                    default: throw new ArgumentException($"unknown argument {args[i]}");
                }
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException)
            {
                return Usage(ex.Message);
            }
        }
        if (kubeconfig is null) return Usage("--kubeconfig-out is required");

        await using var server = await KubeApiServer.StartAsync(options);
        server.RequestLog.MirrorPath = requestLog;
        foreach (var seed in seeds) server.Seed(SeedFile.Load(seed));
        foreach (var file in usersFiles)
        {
            foreach (var user in Auth.UsersFile.Load(file)) server.AddUser(user.Name, user.Token, user.Groups, user.Rules.ToArray());
        }
        kubeconfig = Path.GetFullPath(kubeconfig);
        server.WriteKubeconfig(kubeconfig);

        var stop = new TaskCompletionSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult(); });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.TrySetResult(); });
        if (!StdinIsDevNull()) _ = Task.Run(() => WatchStdin(stop));

        Console.Out.WriteLine($"READY {server.BaseAddress.GetLeftPart(UriPartial.Authority)} {kubeconfig}");
        Console.Out.Flush();
        await stop.Task;
        return 0;
    }

    private static void WatchStdin(TaskCompletionSource stop)
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
    }

    private static bool StdinIsDevNull()
    {
        try
        {
            var target = new FileInfo("/proc/self/fd/0").LinkTarget;
            return target == "/dev/null";
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static int Usage(string problem)
    {
        Console.Error.WriteLine(problem);
        Console.Error.WriteLine("usage: IngressCerts.TestServer --kubeconfig-out PATH [--seed FILE]... [--port N] [--no-gateway-api] [--no-other-kinds] [--istio-versions LIST] [--model-namespace-defaults] [--admin-token TOKEN] [--request-log FILE] [--users FILE]...");
        return 2;
    }
}
