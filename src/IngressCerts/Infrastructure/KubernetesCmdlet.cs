using System.Management.Automation;
using System.Runtime.InteropServices;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using IngressCerts.Engine.Inventory;
using IngressCerts.Engine.Kubernetes;
using IngressCerts.Engine.Publishing;

namespace IngressCerts.Commands.Infrastructure;

/// <summary>The connection parameters every cluster cmdlet offers, resolved the way kubectl resolves them.</summary>
public abstract class KubernetesCmdlet : AsyncCmdlet
{
    /// <summary>Kubeconfig files; default $env:KUBECONFIG, else ~/.kube/config.</summary>
    [Parameter(ValueFromPipelineByPropertyName = false)]
    [Alias("KubeConfig")]
    public string[]? KubeConfigPath { get; set; }

    /// <summary>API server URL for a connection without kubeconfig (runbooks).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Server { get; set; }

    /// <summary>CA for -Server: a file path or PEM text.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? CertificateAuthority { get; set; }

    /// <summary>
    /// Bearer token for -Server, e.g. an AKS managed-identity access token: a SecureString, a string, or what
    /// Get-AzAccessToken returns (its Token a SecureString or a string).
    /// </summary>
    [Parameter]
    [TokenTransformation]
    public SecureString? Token { get; set; }

    /// <summary>Resolved kubeconfig paths (PowerShell paths made absolute), or null for the default search.</summary>
    protected IReadOnlyList<string>? ResolvedKubeConfigPaths =>
        KubeConfigPath?.Select(p => SessionState.Path.GetUnresolvedProviderPathFromPSPath(p)).ToList();

    /// <summary>Retries during API calls go to this cmdlet's verbose stream, exec credential plugins' stderr (redacted) to its debug stream.</summary>
    protected override IDisposable? OnBackgroundWorkStarting(PipelineSink sink) =>
        DiagnosticsRelay.Route(message => sink.Post(() => WriteVerbose(message)), message => sink.Post(() => WriteDebug(message)));

    /// <summary>Connects to one context (null: the current one); set-up failures terminate the cmdlet.</summary>
    protected ClusterConnection Connect(string? context) => Connect(context, terminating: true)!;

    /// <summary>
    /// The context a piped or given -Context names, or null for the current one. Objects from an offline
    /// inventory carry their manifest file as Context, and -Server connections carry the server URL: neither is
    /// a kube context.
    /// </summary>
    protected string? ClusterContext(string? context) =>
        string.IsNullOrEmpty(context) || Server is not null || File.Exists(context) ? null : context;

    /// <summary>
    /// Connects to one context; with <paramref name="terminating"/> false a context that cannot be set up is one
    /// non-terminating error and null, so a multi-cluster scan goes on with the others.
    /// </summary>
    protected ClusterConnection? Connect(string? context, bool terminating)
    {
        if (Server is not null && context is not null)
        {
            ThrowTerminatingError(new ErrorRecord(
                new ArgumentException("-Server and -Context cannot be used together: -Server connects without a kubeconfig."),
                "ServerWithContext", ErrorCategory.InvalidArgument, context));
        }

        if (Server is null && (Token is not null || CertificateAuthority is not null))
        {
            ThrowTerminatingError(new ErrorRecord(
                new ArgumentException("-Token and -CertificateAuthority need -Server."),
                "TokenWithoutServer", ErrorCategory.InvalidArgument, Token is not null ? "-Token" : CertificateAuthority));
        }

        // Building a configuration may run an exec credential plugin right here, on the pipeline thread.
        var early = new System.Collections.Concurrent.ConcurrentQueue<(bool Debug, string Message)>();
        try
        {
            using var route = DiagnosticsRelay.Route(message => early.Enqueue((false, message)), message => early.Enqueue((true, message)));
            var connection = ConnectionFactory.Shared.Connect(new ConnectionOptions(
                ResolvedKubeConfigPaths,
                context,
                Server,
                CertificateAuthority is null || CertificateAuthority.Contains("-----BEGIN", StringComparison.Ordinal)
                    ? CertificateAuthority
                    : SessionState.Path.GetUnresolvedProviderPathFromPSPath(CertificateAuthority),
                Token is null ? null : Unprotect(Token)));
            FlushDiagnostics(early);
            if (connection.SkipsTlsVerification)
            {
                WriteWarning($"The kubeconfig for context '{connection.ContextName}' sets insecure-skip-tls-verify: the server's identity is not checked.");
            }

            return connection;
        }
        catch (KubeConfigurationException ex)
        {
            FlushDiagnostics(early);
            var record = new ErrorRecord(ex, ex.Kind.ToString(), CategoryOf(ex.Kind), ConnectionTarget(context));
            if (terminating)
            {
                ThrowTerminatingError(record);
            }

            WriteError(record);
            return null;
        }
    }

    /// <summary>What a connection error names: the context, else the server, else the kubeconfig files in effect.</summary>
    private object ConnectionTarget(string? context) =>
        context ?? Server ?? (ResolvedKubeConfigPaths is { Count: > 0 } paths ? string.Join(Path.PathSeparator, paths) : "(the default kubeconfig)");

    private void FlushDiagnostics(System.Collections.Concurrent.ConcurrentQueue<(bool Debug, string Message)> messages)
    {
        while (messages.TryDequeue(out var message))
        {
            if (message.Debug)
            {
                WriteDebug(message.Message);
            }
            else
            {
                WriteVerbose(message.Message);
            }
        }
    }

    /// <summary>Every context the kubeconfig names that matches one of the patterns (wildcards allowed).</summary>
    protected IReadOnlyList<string?> ResolveContexts(string[]? patterns)
    {
        if (patterns is null || patterns.Length == 0 || Server is not null)
        {
            return new string?[] { null };
        }

        IReadOnlyList<string> known;
        try
        {
            known = ConnectionFactory.Shared.ListContexts(ResolvedKubeConfigPaths);
        }
        catch (KubeConfigurationException ex)
        {
            ThrowTerminatingError(new ErrorRecord(ex, ex.Kind.ToString(), CategoryOf(ex.Kind), patterns));
            throw;
        }

        var result = new List<string?>();
        foreach (string pattern in patterns)
        {
            if (!WildcardPattern.ContainsWildcardCharacters(pattern))
            {
                result.Add(pattern);
                continue;
            }

            var wildcard = new WildcardPattern(pattern, WildcardOptions.IgnoreCase);
            var matches = known.Where(wildcard.IsMatch).ToList();
            if (matches.Count == 0)
            {
                WriteError(new ErrorRecord(
                    new ItemNotFoundException($"No kubeconfig context matches '{pattern}'."),
                    "ContextNotFound", ErrorCategory.ObjectNotFound, pattern));
            }

            result.AddRange(matches);
        }

        return result.Distinct().ToList();
    }

    /// <summary>-AsOf when the user gave it (a date without kind is local time, as Get-Date gives), else now.</summary>
    protected DateTimeOffset EvaluationTime(DateTime asOf) =>
        MyInvocation.BoundParameters.ContainsKey("AsOf")
            ? new DateTimeOffset(asOf.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(asOf, DateTimeKind.Local) : asOf)
            : DateTimeOffset.UtcNow;

    /// <summary>One non-terminating InvalidManifest error naming the file.</summary>
    protected void WriteManifestError(ManifestError error) =>
        WriteError(new ErrorRecord(new InvalidDataException($"Cannot read manifest '{error.File}': {error.Message}"), "InvalidManifest", ErrorCategory.InvalidData, error.File));

    /// <summary>Certificates from -TrustedRootPath (PEM or DER files, wildcards); a bad path terminates.</summary>
    protected X509Certificate2Collection? LoadTrustedRoots(string[]? paths)
    {
        if (paths is null)
        {
            return null;
        }

        var roots = new X509Certificate2Collection();
        foreach (string path in paths)
        {
            try
            {
                foreach (string file in GetResolvedProviderPathFromPSPath(path, out _))
                {
                    roots.AddRange(CertificateSourceReader.Read(file));
                }
            }
            catch (Exception ex) when (ex is ItemNotFoundException or InvalidDataException)
            {
                ThrowTerminatingError(new ErrorRecord(
                    new ArgumentException($"-TrustedRootPath '{path}' holds no readable certificate: {ex.Message}", ex),
                    "InvalidTrustedRoot", ErrorCategory.InvalidArgument, path));
            }
        }

        return roots;
    }

    /// <summary>The ErrorRecord for a failed API call: its ErrorId is the failure kind.</summary>
    protected static ErrorRecord ToErrorRecord(KubeApiException ex, object? target) =>
        new(ex, ex.Kind.ToString(), CategoryOf(ex.Kind), target ?? ex.Target);

    protected static ErrorCategory CategoryOf(KubeErrorKind kind) => kind switch
    {
        KubeErrorKind.Unauthorized => ErrorCategory.AuthenticationError,
        KubeErrorKind.Forbidden => ErrorCategory.PermissionDenied,
        KubeErrorKind.NotFound or KubeErrorKind.ContextNotFound or KubeErrorKind.KubeConfigNotFound => ErrorCategory.ObjectNotFound,
        KubeErrorKind.AlreadyExists => ErrorCategory.ResourceExists,
        KubeErrorKind.Conflict => ErrorCategory.WriteError,
        KubeErrorKind.Invalid or KubeErrorKind.BadRequest => ErrorCategory.InvalidData,
        KubeErrorKind.ClusterUnreachable => ErrorCategory.ConnectionError,
        KubeErrorKind.TooManyRequests or KubeErrorKind.ServerError => ErrorCategory.ResourceUnavailable,
        KubeErrorKind.KubeConfigInvalid => ErrorCategory.InvalidData,
        KubeErrorKind.ServerNameMismatch => ErrorCategory.SecurityError,
        _ => ErrorCategory.NotSpecified,
    };

    private static string Unprotect(SecureString secure)
    {
        IntPtr pointer = Marshal.SecureStringToGlobalAllocUnicode(secure);
        try
        {
            return Marshal.PtrToStringUni(pointer) ?? string.Empty;
        }
        finally
        {
            Marshal.ZeroFreeGlobalAllocUnicode(pointer);
        }
    }

    /// <summary>
    /// Writes a publish or undo plan's warnings and, when the plan refuses, its refusal as an error; true when the
    /// plan may go ahead.
    /// </summary>
    protected bool ReportPlan(IEnumerable<string> warnings, PublishRefusal? refusal, string target)
    {
        foreach (string warning in warnings)
        {
            WriteWarning(warning);
        }

        if (refusal is not null)
        {
            WriteError(RefusalRecord(refusal, target));
            return false;
        }

        return true;
    }

    /// <summary>
    /// The namespaces a scan of <paramref name="connection"/> covers: null for all (-AllNamespaces), the context's own
    /// without -Namespace, else the patterns resolved, each that names no namespace reported as NamespaceNotFound
    /// (through <paramref name="sink"/>) while the scan goes on with the rest. Get and Sync scan alike.
    /// </summary>
    protected async Task<IReadOnlyList<string>?> ScanNamespacesAsync(ClusterScanner scanner, ClusterConnection connection, bool allNamespaces, string[]? patterns, PipelineSink sink)
    {
        if (allNamespaces)
        {
            return null;
        }

        if (patterns is not { Length: > 0 })
        {
            return [connection.DefaultNamespace];
        }

        var scope = await scanner.ResolveNamespacesAsync(patterns, CancellationToken).ConfigureAwait(false);
        foreach (string missing in scope.Missing)
        {
            sink.Post(() => WriteError(NamespaceNotFound(missing, connection.ContextName)));
        }

        return scope.Namespaces;
    }

    /// <summary>A -Namespace that names no namespace of the cluster (a typo, most often: <see cref="NamespaceScope.Missing"/>).</summary>
    private static ErrorRecord NamespaceNotFound(string name, string context) => new(
        new ItemNotFoundException($"Namespace '{name}' does not exist in cluster '{context}'."),
        "NamespaceNotFound",
        ErrorCategory.ObjectNotFound,
        name);

    /// <summary>A refusal as an ErrorRecord: its stable id, a category that fits it, and the target it names.</summary>
    protected static ErrorRecord RefusalRecord(PublishRefusal refusal, string target) => new(
        new InvalidOperationException(refusal.Message),
        refusal.Id,
        refusal.Id switch
        {
            "IngressNotFound" or "SecretNotFound" or "NoHistory" or "NamespaceNotFound" or "HistoryEntryNotFound" or "GatewayNotFound" or "NoMatchingListener" => ErrorCategory.ObjectNotFound,
            "ReferenceGrantRequired" => ErrorCategory.PermissionDenied,
            "HostNotCovered" => ErrorCategory.InvalidData,
            "RequestNotFound" => ErrorCategory.ObjectNotFound,
            "RequestAlreadyPending" or "PendingNameTaken" => ErrorCategory.ResourceExists,
            "CertificateKeyMismatch" or "CertificateExpired" or "CertificateNotYetValid" => ErrorCategory.InvalidData,
            "SecretInUse" => ErrorCategory.ResourceBusy,
            "NoCertificateAvailable" or "CertManagerCertificateNotFound" => ErrorCategory.ObjectNotFound,
            "InvalidIssuerAnswer" or "CertificateUnusable" => ErrorCategory.InvalidData,
            "LeaseLost" => ErrorCategory.ResourceUnavailable,
            "PublishConflict" => ErrorCategory.WriteError,
            "VerifyTimeout" => ErrorCategory.OperationTimeout,
            WritePreflight.ErrorId => ErrorCategory.PermissionDenied,
            _ => ErrorCategory.InvalidOperation,
        },
        target);
}
