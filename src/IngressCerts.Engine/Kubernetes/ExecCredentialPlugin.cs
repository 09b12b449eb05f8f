using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;
using k8s;
using k8s.Exceptions;
using k8s.KubeConfigModels;

namespace IngressCerts.Engine.Kubernetes;

/// <summary>
/// What an exec credential plugin answered: a bearer token, or a client certificate and key, and until when.
/// Holds secrets, so it is a class whose <see cref="ToString"/> names only the kind of credential.
/// </summary>
internal sealed class ExecCredential
{
    public ExecCredential(string? token, string? clientCertificatePem, string? clientKeyPem, DateTimeOffset? expires)
    {
        Token = token;
        ClientCertificatePem = clientCertificatePem;
        ClientKeyPem = clientKeyPem;
        Expires = expires;
    }

    public string? Token { get; }

    public string? ClientCertificatePem { get; }

    public string? ClientKeyPem { get; }

    /// <summary>status.expirationTimestamp; null when the plugin gave none, meaning the credential does not expire.</summary>
    public DateTimeOffset? Expires { get; }

    public bool HasClientCertificate => !string.IsNullOrEmpty(ClientCertificatePem) && !string.IsNullOrEmpty(ClientKeyPem);

    public override string ToString() =>
        $"ExecCredential({(Token is null ? "client certificate" : "token")}{(Expires is { } e ? ", expires " + e.ToString("O") : string.Empty)})";
}

/// <summary>
/// Runs a kubeconfig exec credential plugin (kubelogin, aws eks get-token, gke-gcloud-auth-plugin) once.
/// </summary>
/// <remarks>
/// The process is set up by the client library's public <see cref="KubernetesClientConfiguration.CreateRunnableExternalProcess"/>
/// (command, args, env, KUBERNETES_EXEC_INFO), so a plugin sees what it saw before. Supervising it here rather than
/// through <see cref="KubernetesClientConfiguration.ExecuteExternalCommand"/> is what lets a failure say what happened
/// (exit code, timeout, missing token) without the library's stack traces, lets a hung plugin be killed and Ctrl+C
/// stop it, and never puts what the plugin wrote to stdout (the credential) into a message. Failures are
/// <see cref="KubeConfigException"/>s, as the library's were, so callers map them as before.
/// </remarks>
internal static class ExecCredentialPlugin
{
    /// <summary>Runs the plugin and reads its ExecCredential; stderr lines go, redacted, to <see cref="DiagnosticsRelay"/>'s debug listener.</summary>
    /// <exception cref="KubeConfigException">The plugin is misconfigured, fails, times out or answers no credential.</exception>
    public static async Task<ExecCredential> RunAsync(ExternalExecution exec, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(exec.Command))
        {
            throw new KubeConfigException("The exec credential plugin of the kubeconfig user names no command.");
        }

        if (string.IsNullOrWhiteSpace(exec.ApiVersion))
        {
            throw new KubeConfigException($"The exec credential plugin '{exec.Command}' has no apiVersion in the kubeconfig.");
        }

        // Passing a stderr handler is what makes the library redirect stderr; attaching it is left to the caller.
        EventHandler<DataReceivedEventArgs> relay = (_, e) => DiagnosticsRelay.WritePluginMessage(e.Data);
        using var process = KubernetesClientConfiguration.CreateRunnableExternalProcess(exec, relay);
        process.ErrorDataReceived += (sender, e) => relay(sender, e);
        try
        {
            process.Start();
        }
        catch (Exception ex) when (ex is Win32Exception or InvalidOperationException)
        {
            string hint = string.IsNullOrWhiteSpace(exec.InstallHint) ? string.Empty : " " + exec.InstallHint.Trim();
            throw new KubeConfigException($"The exec credential plugin '{exec.Command}' could not be started: {ex.Message}{hint}");
        }

        process.BeginErrorReadLine();
        string output;
        TimeSpan timeout = KubernetesClientConfiguration.ExecTimeout;
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            if (timeout != Timeout.InfiniteTimeSpan)
            {
                deadline.CancelAfter(timeout);
            }

            try
            {
                var reading = process.StandardOutput.ReadToEndAsync(deadline.Token);
                await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
                output = await reading.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                Kill(process);
                cancellationToken.ThrowIfCancellationRequested();
                throw new KubeConfigException($"The exec credential plugin '{exec.Command}' did not answer within {timeout.TotalSeconds:0} s and was stopped.");
            }
        }

        if (process.ExitCode != 0)
        {
            throw new KubeConfigException(
                $"The exec credential plugin '{exec.Command}' failed with exit code {process.ExitCode}; what it wrote to stderr is in the debug stream (-Debug), with token-like strings redacted.");
        }

        return Read(exec, output);
    }

    /// <summary>Reads the ExecCredential JSON; messages never quote the output, which holds the credential.</summary>
    private static ExecCredential Read(ExternalExecution exec, string output)
    {
        string plugin = $"The exec credential plugin '{exec.Command}'";
        if (string.IsNullOrWhiteSpace(output))
        {
            throw new KubeConfigException($"{plugin} wrote no ExecCredential to its standard output.");
        }

        ExecCredentialResponse? response;
        try
        {
            response = KubernetesJson.Deserialize<ExecCredentialResponse>(output);
        }
        catch (JsonException ex)
        {
            throw new KubeConfigException($"{plugin} wrote output that is not an ExecCredential (invalid JSON at line {ex.LineNumber + 1}{(string.IsNullOrEmpty(ex.Path) ? string.Empty : ", " + ex.Path)}).");
        }
        catch (FormatException)
        {
            throw new KubeConfigException($"{plugin} wrote a status.expirationTimestamp that is not an RFC 3339 time.");
        }

        if (response is null)
        {
            throw new KubeConfigException($"{plugin} wrote no ExecCredential to its standard output.");
        }

        if (!string.Equals(response.ApiVersion, exec.ApiVersion, StringComparison.Ordinal))
        {
            throw new KubeConfigException($"{plugin} answered in apiVersion '{response.ApiVersion}', but the kubeconfig asks for '{exec.ApiVersion}'.");
        }

        var status = response.Status;
        if (status is null || !status.IsValid())
        {
            throw new KubeConfigException($"{plugin} returned neither a token nor a client certificate with its key (status.token, or status.clientCertificateData and status.clientKeyData).");
        }

        DateTimeOffset? expires = status.ExpirationTimestamp is { } at
            ? new DateTimeOffset(DateTime.SpecifyKind(at.Kind == DateTimeKind.Local ? at.ToUniversalTime() : at, DateTimeKind.Utc))
            : null;
        return new ExecCredential(
            string.IsNullOrEmpty(status.Token) ? null : status.Token,
            string.IsNullOrEmpty(status.ClientCertificateData) ? null : status.ClientCertificateData,
            string.IsNullOrEmpty(status.ClientKeyData) ? null : status.ClientKeyData,
            expires);
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (Exception ex) when (ex is InvalidOperationException or Win32Exception or NotSupportedException)
        {
            // It exited meanwhile, or cannot be stopped: there is nothing more to do.
        }
    }
}
