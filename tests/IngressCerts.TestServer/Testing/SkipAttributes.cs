using Xunit;

namespace IngressCerts.TestServer.Testing;

/// <summary>
/// A fact that needs the in-process server (fault injection, request log, users with rules,
/// compaction, seeding): skipped, with the reason shown, when tests run against a real cluster.
/// xunit 2 has no dynamic skip, so the decision is made when the attribute is read.
/// </summary>
public sealed class ServerOnlyFactAttribute : FactAttribute
{
    public ServerOnlyFactAttribute()
    {
        if (TestCluster.RealClusterConfigured)
        {
            Skip = $"needs the in-process test server; {TestCluster.KubeconfigVariable} points at a real cluster";
        }
    }
}

/// <summary>A fact that runs kubectl; skipped when no kubectl is installed.</summary>
public sealed class KubectlFactAttribute : FactAttribute
{
    public KubectlFactAttribute()
    {
        if (Kubectl.Find() is null) Skip = "kubectl is not installed (not at /usr/bin/kubectl nor on PATH)";
    }
}

/// <summary>Locates kubectl.</summary>
public static class Kubectl
{
    public static string? Find()
    {
        if (File.Exists("/usr/bin/kubectl")) return "/usr/bin/kubectl";
        var names = OperatingSystem.IsWindows() ? new[] { "kubectl.exe" } : ["kubectl"];
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var name in names)
            {
                var candidate = Path.Combine(directory, name);
                if (File.Exists(candidate)) return candidate;
            }
        }
        return null;
    }
}
