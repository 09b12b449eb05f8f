using k8s;

namespace IngressCerts.Engine.Kubernetes;

/// <summary>
/// Sends what kubeconfig exec credential plugins (kubelogin, aws eks get-token, gke-gcloud-auth-plugin) write to
/// stderr to whoever is listening in the current async flow: in PowerShell, the verbose stream of the cmdlet that
/// caused the plugin to run. The client library reports it through one static event, hence this relay.
/// </summary>
public static class ExecPluginDiagnostics
{
    private static readonly AsyncLocal<Action<string>?> s_current = new();
    private static int s_subscribed;

    /// <summary>Routes plugin stderr lines to <paramref name="sink"/> until the returned scope is disposed.</summary>
    public static IDisposable Route(Action<string> sink)
    {
        if (Interlocked.Exchange(ref s_subscribed, 1) == 0)
        {
            KubernetesClientConfiguration.ExecStdError += (_, e) =>
            {
                if (!string.IsNullOrWhiteSpace(e.Data))
                {
                    s_current.Value?.Invoke("exec credential plugin: " + e.Data);
                }
            };
        }

        var previous = s_current.Value;
        s_current.Value = sink;
        return new Scope(previous);
    }

    private sealed class Scope : IDisposable
    {
        private readonly Action<string>? _previous;

        public Scope(Action<string>? previous) => _previous = previous;

        public void Dispose() => s_current.Value = _previous;
    }
}
