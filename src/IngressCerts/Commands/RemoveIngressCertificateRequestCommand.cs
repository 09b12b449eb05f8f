using System.Management.Automation;
using IngressCerts.Commands.Infrastructure;
using IngressCerts.Engine.Kubernetes;
using IngressCerts.Engine.Publishing;
using IngressCerts.Engine.Requests;

namespace IngressCerts.Commands;

/// <summary>
/// Cancels a pending request: deletes the Secret that holds its key. A certificate issued for it later can no longer
/// be completed, so this asks for confirmation (ConfirmImpact High).
/// </summary>
[Cmdlet(VerbsCommon.Remove, "IngressCertificateRequest", HelpUri = HelpLinks.Cmdlets + "Remove-IngressCertificateRequest.md", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(void))]
public sealed class RemoveIngressCertificateRequestCommand : SecretCmdlet
{
    protected override void ProcessRecord()
    {
        if (!TryGetSecret(out string ns, out string target))
        {
            return;
        }

        var connection = Connect(ClusterContext(Context));
        var store = new PendingRequestStore(connection, DiagnosticsRelay.Write);
        try
        {
            var pending = RunAsync(_ => store.GetAsync(ns, SecretName!, CancellationToken));
            if (pending is null)
            {
                WriteError(RefusalRecord(new PublishRefusal(PendingRequestStore.NotFound, $"No request is pending for Secret {target}; nothing was deleted."), target));
                return;
            }

            string description = $"Delete pending request {ns}/{pending.PendingSecretName} for Secret {target} (made {pending.CreatedAt:yyyy-MM-dd HH:mm} UTC, {pending.Key} key {pending.PublicKeySha256}); a certificate issued for it can then no longer be completed";
            if (!ShouldProcess($"{description} (context '{connection.ContextName}')", description + "?", "Remove-IngressCertificateRequest"))
            {
                return;
            }

            if (RunAsync(_ => store.CheckDeleteAsync(pending, "cancel the request", CancellationToken)) is { } refusal)
            {
                WriteError(RefusalRecord(refusal, target));
                return;
            }

            RunAsync(sink => store.DeleteAsync(pending, warning => sink.Post(() => WriteWarning(warning)), CancellationToken));
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
