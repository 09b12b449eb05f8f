using System.Management.Automation;
using IngressCerts.Commands.Infrastructure;
using IngressCerts.Engine.Kubernetes;
using IngressCerts.Engine.Publishing;

namespace IngressCerts.Commands;

/// <summary>
/// Undoes the last Publish-IngressCertificate of a Secret: removes the Ingress wiring it added, and restores the
/// certificate it replaced or deletes the Secret it created. Once undone, a further undo refuses (NothingToUndo).
/// With -Thumbprint it restores that history entry instead, with the same checks and writes.
/// </summary>
[Cmdlet(VerbsCommon.Undo, "IngressCertificate", HelpUri = HelpLinks.Cmdlets + "Undo-IngressCertificate.md", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(PublishResult))]
public sealed class UndoIngressCertificateCommand : SecretCmdlet
{
    /// <summary>The certificate of a history entry to restore (from Get-IngressCertificateHistory); without it, the last
    /// publish is undone. Not bound from the pipeline: a Get result's Thumbprint is the current certificate.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Thumbprint { get; set; }

    /// <summary>Undo even when a safety check refuses: cert-manager owns the Secret, it changed since the publish, an
    /// Ingress still uses it, the previous certificate expired, or moved hosts cannot be given back.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        if (!TryGetSecret(out string ns, out string target))
        {
            return;
        }

        var connection = Connect(ClusterContext(Context));
        var publisher = new Publisher(new ClusterWriter(connection), new PublishOptions(Force), DiagnosticsRelay.Write);
        UndoPlan plan;
        try
        {
            plan = RunAsync(_ => publisher.PlanUndoAsync(ns, SecretName!, Force, CancellationToken, Thumbprint));
        }
        catch (KubeApiException ex)
        {
            WriteError(ToErrorRecord(ex, target));
            return;
        }

        if (!ReportPlan(plan.Warnings, plan.Refusal, target))
        {
            return;
        }

        string description = string.Join("; ", plan.Describe());
        if (!ShouldProcess($"{description} (context '{connection.ContextName}')", description + "?", "Undo-IngressCertificate"))
        {
            return;
        }

        try
        {
            var outcome = RunAsync(sink => publisher.ApplyUndoAsync(plan, Force, CancellationToken, warning => sink.Post(() => WriteWarning(warning))));
            WriteObject(new PublishResult
            {
                Context = connection.ContextName,
                Namespace = ns,
                SecretName = SecretName!,
                IngressName = outcome.IngressName,
                GatewayName = outcome.GatewayName,
                Listeners = outcome.Listeners.ToArray(),
                Hosts = outcome.Hosts.ToArray(),
                Action = outcome.Action.ToString(),
                PreviousThumbprint = outcome.PreviousThumbprint,
                Thumbprint = outcome.Thumbprint,
                NotAfter = outcome.NotAfter,
            });
        }
        catch (PublishRefusedException ex)
        {
            WriteError(RefusalRecord(ex.Refusal, target));
        }
        catch (KubeApiException ex)
        {
            WriteError(ToErrorRecord(ex, target));
        }
    }
}
