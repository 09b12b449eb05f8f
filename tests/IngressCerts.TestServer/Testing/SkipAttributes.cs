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

/// <summary>
/// A fact that needs the Gateway API (gateway.networking.k8s.io/v1). The in-process server serves it; a real cluster
/// only when the Gateway API CRDs are installed. xunit 2 has no dynamic skip, so when the attribute is read it asks
/// the real cluster's discovery (once per run) and skips, with the reason shown, when the group version is 404.
/// </summary>
public sealed class GatewayApiFactAttribute : FactAttribute
{
    public const string GroupVersion = "gateway.networking.k8s.io/v1";

    public GatewayApiFactAttribute()
    {
        if (TestCluster.RealClusterConfigured && !TestCluster.RealClusterServes(GroupVersion))
        {
            Skip = $"the cluster {TestCluster.KubeconfigVariable} points at does not serve {GroupVersion} (the Gateway API CRDs are not installed)";
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

/// <summary>
/// A fact that needs a custom resource API (e.g. "route.openshift.io/v1"): the in-process server serves the other
/// controllers' kinds; a real cluster only when their CRDs are installed. Skipped, with the reason shown, otherwise
/// (asked once per run, like <see cref="GatewayApiFactAttribute"/>).
/// </summary>
public sealed class ServedFactAttribute : FactAttribute
{
    public ServedFactAttribute(string groupVersion)
    {
        if (TestCluster.RealClusterConfigured && !TestCluster.RealClusterServes(groupVersion))
        {
            Skip = $"the cluster {TestCluster.KubeconfigVariable} points at does not serve {groupVersion} (its CRDs are not installed)";
        }
    }
}
