using System.Management.Automation;
using IngressCerts.Commands.Infrastructure;
using IngressCerts.Engine.Kubernetes;
using IngressCerts.Engine.Publishing;

namespace IngressCerts.Commands;

/// <summary>Restores the previous certificate of a Secret that Publish-IngressCertificate replaced.</summary>
[Cmdlet(VerbsCommon.Undo, "IngressCertificate", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(PublishResult))]
public sealed class UndoIngressCertificateCommand : KubernetesCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? Namespace { get; set; }

    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? SecretName { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true, DontShow = true)]
    public string? SecretNamespace { get; set; }

    /// <summary>The kube context; bound from piped Get/Publish results so each goes back to its own cluster.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ContextCompleter))]
    public string? Context { get; set; }

    /// <summary>Restore even into a Secret that cert-manager manages.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        string ns = SecretNamespace ?? Namespace!;
        string target = $"{ns}/{SecretName}";
        var connection = Connect(ClusterContext(Context));
        var publisher = new Publisher(new ClusterWriter(connection), new PublishOptions(Force), DiagnosticsRelay.Write);
        if (!ShouldProcess($"Restore the previous certificate of Secret {target} in '{connection.ContextName}'", $"Restore the previous certificate of Secret {target}?", "Undo-IngressCertificate"))
        {
            return;
        }

        try
        {
            var outcome = RunAsync(_ => publisher.UndoAsync(ns, SecretName!, Force, CancellationToken));
            WriteObject(new PublishResult
            {
                Context = connection.ContextName,
                Namespace = ns,
                SecretName = SecretName!,
                Action = outcome.Action.ToString(),
                PreviousThumbprint = outcome.PreviousThumbprint,
                Thumbprint = outcome.Thumbprint,
                NotAfter = outcome.NotAfter,
            });
        }
        catch (PublishRefusedException ex)
        {
            WriteError(PublishIngressCertificateCommand.RefusalRecord(ex.Refusal, target));
        }
        catch (KubeApiException ex)
        {
            WriteError(ToErrorRecord(ex, target));
        }
    }
}
