using System.Globalization;

namespace IngressCerts.Bench.Inventory;

/// <summary>The bench's command line. Every knob has a default that keeps a whole run within about five minutes on two cores.</summary>
internal sealed record BenchOptions
{
    public int Namespaces { get; init; } = 1000;

    public int IngressesPerNamespace { get; init; } = 10;

    /// <summary>
    /// Distinct leaf certificates in the fleet, reused round-robin. 8 is a fleet of copied wildcard Secrets; as many as
    /// there are Secrets (0 means that) is a fleet where every Secret has its own certificate and key, as cert-manager
    /// issues them.
    /// </summary>
    public int Certificates { get; init; } = 8;

    /// <summary>
    /// RSA-2048 root and intermediate, so that every leaf carries an RSA signature, as from Let's Encrypt's R10/R11
    /// (cert-manager's default RSA keys) and most public CAs; by default the whole fleet is ECDSA P-256.
    /// </summary>
    public bool RsaIssuer { get; init; }

    /// <summary>The seeding options these settings describe.</summary>
    public IngressCerts.TestServer.Seeding.BulkSeedOptions Seed => new()
    {
        Namespaces = Namespaces,
        IngressesPerNamespace = IngressesPerNamespace,
        CertificatePoolSize = Certificates == 0 ? References : Math.Min(Certificates, References),
        RsaIssuer = RsaIssuer,
    };

    /// <summary>Measured runs (after one warm-up) of the inventory and the raw fetch; the median is reported.</summary>
    public int Runs { get; init; } = 3;

    /// <summary>Measured runs of the naive baseline (10,000 sequential GETs, the slowest variant).</summary>
    public int NaiveRuns { get; init; } = 3;

    public int KubectlRuns { get; init; } = 1;

    /// <summary>Runs inside each separate process (engine child, pwsh child); the first is the cold one.</summary>
    public int ChildRuns { get; init; } = 10;

    /// <summary>The built module's manifest (out/IngressCerts/IngressCerts.psd1); without it the cmdlet is not measured.</summary>
    public string? ModulePath { get; init; }

    /// <summary>How to start PowerShell: a pwsh executable, or pwsh.dll (run with dotnet). Null: `dotnet pwsh` in <see cref="RepositoryRoot"/>.</summary>
    public string? Pwsh { get; init; }

    public string? Kubectl { get; init; }

    public string? RepositoryRoot { get; init; }

    public string? JsonOut { get; init; }

    /// <summary>An existing cluster to measure instead of the seeded test server (nothing is seeded, requests are not counted).</summary>
    public string? KubeConfig { get; init; }

    /// <summary>The context of <see cref="KubeConfig"/>; null: its current context.</summary>
    public string? Context { get; init; }

    public bool SkipPwsh { get; init; }

    public bool SkipKubectl { get; init; }

    public bool SkipNaive { get; init; }

    public bool SkipBreakdown { get; init; }

    /// <summary>
    /// Serve the other controllers' kinds (Routes, IngressRoutes, Istio Gateways, HTTPProxies), empty. Off by default:
    /// the targets hold for a fleet whose cluster does not serve them, the usual case.
    /// </summary>
    public bool ServeOtherKinds { get; init; }

    public int References => Namespaces * IngressesPerNamespace;

    public const string Usage = """
        usage: IngressCerts.Bench.Inventory [options]
          --namespaces N         namespaces in the fleet (1000)
          --per-namespace N      Ingresses (each with its TLS Secret) per namespace (10)
          --certificates N       distinct leaf certificates, reused round-robin (8); 0: one per Secret
          --issuer ecdsa|rsa     key type of the root and intermediate, so of the leaves' signatures (ecdsa)
          --runs N               measured runs of inventory and raw fetch, after one warm-up (3)
          --naive-runs N         measured runs of the naive baseline (3; 0 skips it)
          --kubectl-runs N       measured runs of kubectl, after filling its discovery cache (1; 0 skips it)
          --child-runs N         runs inside each separate process: 1 cold, 2-5 warm, 6+ steady (10)
          --module PATH          out/IngressCerts/IngressCerts.psd1: measure Get-IngressCertificate in a pwsh child
          --pwsh PATH            pwsh executable or pwsh.dll (default: `dotnet pwsh` in --repo)
          --repo PATH            repository root, for `dotnet pwsh` (default: found from the current directory)
          --kubectl PATH         kubectl (default: kubectl on PATH; skipped when there is none)
          --json PATH            also write every figure as JSON
          --kubeconfig PATH      measure an existing cluster instead of seeding the test server (its fleet as it is;
                                 fleet options are ignored and requests are not counted)
          --context NAME         the kubeconfig's context (default: its current context)
          --skip-pwsh | --skip-kubectl | --skip-naive | --skip-breakdown
          --other-kinds          serve the other controllers' kinds (empty); by default their APIs are not served

        IngressCerts.Bench.Inventory serve KUBECONFIG_OUT [--namespaces N] [--per-namespace N] [--certificates N] [--issuer ecdsa|rsa]
          only the seeded server, for profiling a client by hand; prints READY URL KUBECONFIG, stops when stdin closes
        IngressCerts.Bench.Inventory child inventory|raw|bytes KUBECONFIG RUNS [CONTEXT]
          one measured client process (what the bench starts itself); prints RESULT {json}
        IngressCerts.Bench.Inventory child dump KUBECONFIG OUT.json [CONTEXT]
          one inventory, every result's status, findings and facts written sorted (compare two builds with cmp)
        IngressCerts.Bench.Inventory child breakdown KUBECONFIG [CONTEXT]
          the breakdown alone, against any cluster
        """;

    public static BenchOptions Parse(string[] args)
    {
        var o = new BenchOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int NextInt(int min)
            {
                string name = args[i];
                int value = int.Parse(Next(), CultureInfo.InvariantCulture);
                return value >= min ? value : throw new ArgumentException($"{name} must be at least {min}");
            }

            o = args[i] switch
            {
                "--namespaces" => o with { Namespaces = NextInt(1) },
                "--per-namespace" => o with { IngressesPerNamespace = NextInt(1) },
                "--certificates" => o with { Certificates = NextInt(0) },
                "--issuer" => o with { RsaIssuer = Next() switch
                {
                    "rsa" => true,
                    "ecdsa" => false,
                    var other => throw new ArgumentException($"--issuer is rsa or ecdsa, not {other}"),
                } },
                "--runs" => o with { Runs = NextInt(1) },
                "--naive-runs" => o with { NaiveRuns = NextInt(0) },
                "--kubectl-runs" => o with { KubectlRuns = NextInt(0) },
                "--child-runs" => o with { ChildRuns = NextInt(1) },
                "--module" => o with { ModulePath = Path.GetFullPath(Next()) },
                "--pwsh" => o with { Pwsh = Next() },
                "--repo" => o with { RepositoryRoot = Path.GetFullPath(Next()) },
                "--kubectl" => o with { Kubectl = Next() },
                "--json" => o with { JsonOut = Path.GetFullPath(Next()) },
                "--kubeconfig" => o with { KubeConfig = Path.GetFullPath(Next()) },
                "--context" => o with { Context = Next() },
                "--skip-pwsh" => o with { SkipPwsh = true },
                "--skip-kubectl" => o with { SkipKubectl = true },
                "--skip-naive" => o with { SkipNaive = true },
                "--skip-breakdown" => o with { SkipBreakdown = true },
                "--other-kinds" => o with { ServeOtherKinds = true },
                _ => throw new ArgumentException($"unknown argument {args[i]}"),
            };
        }

        return o;
    }
}
