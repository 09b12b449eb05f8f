using System.Management.Automation;
using IngressCerts.Commands.Infrastructure;
using IngressCerts.Engine.Kubernetes;
using IngressCerts.Engine.Publishing;

namespace IngressCerts.Commands;

/// <summary>
/// Lists the previous certificates kept for a Secret (its history entries), newest first: what Undo-IngressCertificate
/// restores, and what -Thumbprint chooses from. Reads only; never outputs key material.
/// </summary>
[Cmdlet(VerbsCommon.Get, "IngressCertificateHistory", HelpUri = HelpLinks.Cmdlets + "Get-IngressCertificateHistory.md")]
[OutputType(typeof(CertificateHistoryEntry))]
public sealed class GetIngressCertificateHistoryCommand : SecretCmdlet
{
    protected override void ProcessRecord()
    {
        if (!TryGetSecret(out string ns, out string target))
        {
            return;
        }

        var connection = Connect(ClusterContext(Context));
        IReadOnlyList<CertificateHistoryEntry>? entries;
        try
        {
            entries = RunAsync(_ => new SecretHistoryReader(connection).ListAsync(ns, SecretName!, CancellationToken));
        }
        catch (KubeApiException ex)
        {
            WriteError(ToErrorRecord(ex, target));
            return;
        }

        if (entries is null)
        {
            WriteError(RefusalRecord(new PublishRefusal("SecretNotFound", $"Secret {target} does not exist, and has no history."), target));
            return;
        }

        if (entries.Count == 0)
        {
            WriteVerbose($"Secret {target} has no history entries (it was never replaced by Publish-IngressCertificate, or was published with -HistoryLimit 0).");
        }

        foreach (var entry in entries)
        {
            WriteObject(entry);
        }
    }
}
