namespace IngressCerts.Engine.Kubernetes;

/// <summary>
/// Sends diagnostics that arise deep inside shared objects (a cached connection's retry handler; what kubeconfig
/// exec credential plugins such as kubelogin or aws eks get-token write to stderr, when a connection's token is
/// renewed during some later request) to whoever listens in the current async flow: in PowerShell, the verbose
/// stream of the cmdlet whose request caused them.
/// </summary>
public static class DiagnosticsRelay
{
    private static readonly AsyncLocal<Action<string>?> s_current = new();

    /// <summary>Sends a message to the listener of the current flow, if any.</summary>
    public static void Write(string message) => s_current.Value?.Invoke(message);

    /// <summary>
    /// Sends one line an exec credential plugin wrote to stderr (sign-in prompts, warnings); blank lines are dropped.
    /// The process's stderr reader runs in the flow that started the plugin, so the line reaches that cmdlet.
    /// </summary>
    public static void WritePluginMessage(string? line)
    {
        if (!string.IsNullOrWhiteSpace(line))
        {
            Write("exec credential plugin: " + line);
        }
    }

    /// <summary>Routes messages to <paramref name="sink"/> until the returned scope is disposed.</summary>
    public static IDisposable Route(Action<string> sink)
    {
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
