using System.Collections.Concurrent;
using System.Management.Automation;
using System.Security.Cryptography.X509Certificates;
using IngressCerts.Engine.Certificates;
using IngressCerts.Engine.Kubernetes;
using IngressCerts.Engine.Publishing;

namespace IngressCerts.Commands.Infrastructure;

/// <summary>
/// A cmdlet that puts a certificate into the cluster: the parameters of a publish and the one way to carry it out
/// (<see cref="PublishOperation"/>: preflight, history, Ingress wiring, -WhatIf, -Verify with rollback). Publish- and
/// Complete-IngressCertificateRequest differ only in where the certificate and key come from.
/// </summary>
public abstract class PublishingCmdlet : KubernetesCmdlet
{
    /// <summary>Roots to trust besides the system's when judging the chain (PEM or DER files, wildcards): a private CA.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? TrustedRootPath { get; set; }

    /// <summary>Keep the self-signed root at the end of tls.crt (clients never need it).</summary>
    [Parameter]
    public SwitchParameter IncludeRoot { get; set; }

    /// <summary>Overwrite a Secret that cert-manager manages or that has another type.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Previous certificates kept for Undo-IngressCertificate (0 keeps none).</summary>
    [Parameter]
    [ValidateRange(0, 20)]
    public int HistoryLimit { get; set; } = 1;

    /// <summary>After the write, wait until every host serves the new certificate; roll back if it does not.</summary>
    [Parameter]
    public SwitchParameter Verify { get; set; }

    /// <summary>With -Verify: how long to wait for the endpoint to serve the new certificate.</summary>
    [Parameter]
    [ValidateRange(1, 3600)]
    public int TimeoutSeconds { get; set; } = 120;

    /// <summary>With -Verify: host:port to probe instead of the Ingress's load balancer address.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Endpoint { get; set; }

    /// <summary>With -Verify: keep the new certificate even when the endpoint never serves it.</summary>
    [Parameter]
    public SwitchParameter NoRollback { get; set; }

    private const int ProgressId = 0x1C;

    // Read once: every piped certificate is judged against the same roots.
    private X509Certificate2Collection? _trustedRoots;

    /// <summary>The certificates of -TrustedRootPath, read in BeginProcessing; null without it.</summary>
    protected X509Certificate2Collection? TrustedRoots => _trustedRoots;

    protected override void BeginProcessing() => _trustedRoots = LoadTrustedRoots(TrustedRootPath);

    /// <summary>Writes the bundle's warnings; false, with the first preflight failure written as an error, when it must not be published.</summary>
    protected bool CheckBundle(CertificateBundle bundle, PublishTarget target, string targetName, DateTimeOffset now)
    {
        foreach (string warning in _trustedRoots is null ? bundle.Warnings : bundle.WarningsTrusting(_trustedRoots))
        {
            WriteWarningUnasked($"{targetName}: {warning}");
        }

        var failures = bundle.Preflight(target.Hosts ?? Array.Empty<string>(), now);
        if (failures.Count > 0)
        {
            WriteError(new ErrorRecord(
                new InvalidOperationException($"Not publishing to Secret {targetName}: {string.Join("; ", failures.Select(f => f.Message))}."),
                failures[0].Id, failures[0].Id == PreflightCheckIds.WeakRsaKey ? ErrorCategory.SecurityError : ErrorCategory.InvalidData, targetName));
            return false;
        }

        return true;
    }

    /// <summary>Gateway parameters that do not go together, as the error to write; null when they do.</summary>
    internal static ErrorRecord? GatewayTargetProblem(string secretName, string? ingressName, string? gatewayName, string? listenerName, bool grantReference, string? gatewayNamespace)
    {
        if (gatewayName is not null && ingressName is not null)
        {
            return new ErrorRecord(new ArgumentException($"Give -IngressName or -GatewayName, not both: Secret {secretName} is wired into one of them per publish."),
                "IngressAndGateway", ErrorCategory.InvalidArgument, gatewayName);
        }

        if (gatewayName is null && (listenerName is not null || grantReference || gatewayNamespace is not null))
        {
            string which = listenerName is not null ? "-ListenerName" : grantReference ? "-GrantReference" : "-GatewayNamespace";
            return new ErrorRecord(new ArgumentException($"{which} works with -GatewayName only: it says how to wire Secret {secretName} into a Gateway."),
                "GatewayOptionWithoutGateway", ErrorCategory.InvalidArgument, which);
        }

        return null;
    }

    /// <summary>
    /// Publishes <paramref name="payload"/> to <paramref name="target"/> through <see cref="PublishOperation"/>, after
    /// ShouldProcess (whose text is the plan, plus <paramref name="alsoDoes"/>: what the caller does after a publish).
    /// The result, or null when the publish was refused, failed (the error written) or declined (-WhatIf). A result
    /// whose Action is RolledBack or whose Verified is false did not leave the new certificate in place.
    /// </summary>
    protected PublishResult? PublishToCluster(ClusterConnection connection, PublishTarget target, PublishPayload payload, string targetName, string action, string? alsoDoes = null)
    {
        var operation = new PublishOperation(new Publisher(new ClusterWriter(connection), new PublishOptions(Force, HistoryLimit), DiagnosticsRelay.Write));
        PublishPlan plan;
        try
        {
            plan = RunAsync(_ => operation.PlanAsync(target, payload, CancellationToken));
        }
        catch (KubeApiException ex)
        {
            WriteError(ToErrorRecord(ex, targetName));
            return null;
        }

        if (!ReportPlan(plan.Warnings, plan.Refusal, targetName))
        {
            return null;
        }

        var verify = Verify ? new VerifyOptions(TimeSpan.FromSeconds(TimeoutSeconds), Endpoint, Rollback: !NoRollback) : null;
        if (PublishOperation.CheckVerify(plan, verify) is { } cannot)
        {
            WriteError(new ErrorRecord(new ArgumentException(cannot.Message), cannot.Id, ErrorCategory.InvalidArgument, cannot.Id == "InvalidEndpoint" ? Endpoint : targetName));
            return null;
        }

        var lines = plan.Describe().ToList();
        if (!plan.HasChanges)
        {
            WriteVerbose($"Secret {targetName} already holds certificate {plan.Thumbprint}; nothing to write.");
        }

        if (alsoDoes is not null)
        {
            lines.Add(alsoDoes);
        }

        if (lines.Count > 0)
        {
            string description = string.Join("; ", lines);
            if (!ShouldProcess(description, description + "?", action))
            {
                return null;
            }
        }

        var unsaid = new ConcurrentQueue<string>();
        try
        {
            var outcome = RunAsync(sink => operation.RunAsync(plan, payload, verify, Callbacks(sink, targetName, unsaid), CancellationToken));
            if (verify is not null)
            {
                WriteProgress(new ProgressRecord(ProgressId, $"Verifying Secret {targetName}", "Done") { RecordType = ProgressRecordType.Completed });
            }

            var published = new PublishResult
            {
                Context = connection.ContextName,
                Namespace = plan.Target.Namespace,
                SecretName = plan.Target.SecretName,
                IngressName = plan.Target.IngressName,
                GatewayName = outcome.GatewayName,
                Listeners = outcome.Listeners.ToArray(),
                Hosts = outcome.Hosts.ToArray(),
                Action = outcome.Action.ToString(),
                PreviousThumbprint = outcome.PreviousThumbprint,
                Thumbprint = outcome.Thumbprint,
                NotAfter = outcome.NotAfter,
                Verified = outcome.Verified,
            };
            foreach (var observation in outcome.Observations)
            {
                WriteVerbose(observation.Message);
            }

            if (outcome.VerifyFailure is { } failure)
            {
                WriteError(new ErrorRecord(new TimeoutException(failure), "VerifyTimeout", ErrorCategory.OperationTimeout, targetName));
            }

            return published;
        }
        catch (PublishRefusedException ex)
        {
            WriteError(RefusalRecord(ex.Refusal, targetName));
        }
        catch (KubeApiException ex)
        {
            var record = ToErrorRecord(ex, targetName);
            if (ex.Kind == KubeErrorKind.Conflict)
            {
                record = new ErrorRecord(
                    new InvalidOperationException($"Secret {targetName} kept changing while publishing (another writer?); nothing was overwritten. Run the publish again. {ex.Message}", ex),
                    "PublishConflict", ErrorCategory.WriteError, targetName);
            }

            WriteError(record);
        }
        catch (PipelineStoppedException)
        {
            // Ctrl+C: the streams are closed now, so the state the publish left goes straight to the host.
            SayToHost(unsaid);
            throw;
        }

        return null;
    }

    /// <summary>
    /// What the engine reports goes to this cmdlet's streams; after Ctrl+C, when streams no longer take anything,
    /// warnings and the state left are kept for <see cref="SayToHost"/>.
    /// </summary>
    private PublishCallbacks Callbacks(PipelineSink sink, string targetName, ConcurrentQueue<string> unsaid)
    {
        var token = CancellationToken;
        return new PublishCallbacks
        {
            Warning = message =>
            {
                if (token.IsCancellationRequested)
                {
                    unsaid.Enqueue(message);
                }
                else
                {
                    sink.Post(() => WriteWarningUnasked(message));
                }
            },
            Progress = p => sink.Post(() => WriteProgress(new ProgressRecord(ProgressId, $"Verifying Secret {targetName}",
                $"{p.Served} of {p.Total} host(s) serve {p.Thumbprint}; waiting up to {p.Timeout.TotalSeconds:0} s")
            {
                PercentComplete = p.PercentComplete,
                SecondsRemaining = p.SecondsRemaining,
                CurrentOperation = p.Status,
            })),
            Interrupted = unsaid.Enqueue,
        };
    }

    private void SayToHost(ConcurrentQueue<string> unsaid)
    {
        while (unsaid.TryDequeue(out string? message))
        {
            try
            {
                Host.UI.WriteWarningLine(message);
            }
            catch (Exception ex) when (ex is PipelineStoppedException or InvalidOperationException or NotImplementedException)
            {
                // A host without a UI (a runspace in a service): nothing more can be said.
            }
        }
    }
}
