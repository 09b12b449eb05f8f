namespace IngressCerts.Engine.Kubernetes;

/// <summary>
/// Sends diagnostics that arise deep inside shared objects (a cached connection's retry handler; what kubeconfig
/// exec credential plugins such as kubelogin or aws eks get-token write to stderr, when a connection's token is
/// renewed during some later request) to whoever listens in the current async flow: in PowerShell, the verbose
/// and debug streams of the cmdlet whose request caused them.
/// </summary>
public static class DiagnosticsRelay
{
    private static readonly AsyncLocal<Listener?> s_current = new();

    /// <summary>Sends a message to the verbose listener of the current flow, if any.</summary>
    public static void Write(string message) => s_current.Value?.Verbose(message);

    /// <summary>
    /// Sends one line an exec credential plugin wrote to stderr (sign-in prompts, warnings) to the debug listener
    /// only, with token-like strings redacted: a plugin may log anything, the credential it fetched included.
    /// Blank lines are dropped. The process's stderr reader runs in the flow that started the plugin, so the line
    /// reaches that cmdlet.
    /// </summary>
    public static void WritePluginMessage(string? line)
    {
        if (!string.IsNullOrWhiteSpace(line) && s_current.Value?.Debug is { } debug)
        {
            debug("exec credential plugin: " + CredentialRedactor.Redact(line));
        }
    }

    /// <summary>Routes messages to <paramref name="verbose"/> and <paramref name="debug"/> until the returned scope is disposed.</summary>
    public static IDisposable Route(Action<string> verbose, Action<string>? debug = null)
    {
        var previous = s_current.Value;
        s_current.Value = new Listener(verbose, debug);
        return new Scope(previous);
    }

    private sealed record Listener(Action<string> Verbose, Action<string>? Debug);

    private sealed class Scope : IDisposable
    {
        private readonly Listener? _previous;

        public Scope(Listener? previous) => _previous = previous;

        public void Dispose() => s_current.Value = _previous;
    }
}
