using System.Management.Automation;
using IngressCerts.Commands.Infrastructure;
using IngressCerts.Engine.Kubernetes;
using IngressCerts.Engine.Requests;

namespace IngressCerts.Commands;

/// <summary>
/// Lists the requests that wait for their certificate (made by New-IngressCertificateRequest): namespace, Secret,
/// hosts, age and key. Reads only; never outputs key material.
/// </summary>
[Cmdlet(VerbsCommon.Get, "IngressCertificateRequest", HelpUri = HelpLinks.Cmdlets + "Get-IngressCertificateRequest.md", DefaultParameterSetName = NamespaceSet)]
[OutputType(typeof(PendingCertificateRequest))]
public sealed class GetIngressCertificateRequestCommand : KubernetesCmdlet
{
    private const string NamespaceSet = "Namespace";
    private const string AllSet = "AllNamespaces";

    /// <summary>The namespace to list; default: the context's namespace, as kubectl.</summary>
    [Parameter(ParameterSetName = NamespaceSet, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(NamespaceCompleter))]
    public string? Namespace { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = AllSet)]
    public SwitchParameter AllNamespaces { get; set; }

    /// <summary>Only requests for these Secrets (wildcards).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? SecretName { get; set; }

    /// <summary>Kube contexts (wildcards); default: the current one.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ContextCompleter))]
    public string[]? Context { get; set; }

    protected override void ProcessRecord()
    {
        if (KubernetesNames.CheckNamespace(nameof(Namespace), Namespace) is { } invalid)
        {
            WriteError(invalid);
            return;
        }

        var names = SecretName?.Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToList();
        foreach (string? context in ResolveContexts(Context?.Select(c => ClusterContext(c)).OfType<string>().ToArray()))
        {
            var connection = Connect(context, terminating: Context is null);
            if (connection is null)
            {
                continue;
            }

            string? ns = AllNamespaces ? null : Namespace ?? connection.DefaultNamespace;
            IReadOnlyList<PendingRequest> pending;
            try
            {
                pending = RunAsync(_ => new PendingRequestStore(connection, DiagnosticsRelay.Write).ListAsync(ns, null, CancellationToken));
            }
            catch (KubeApiException ex)
            {
                WriteError(ToErrorRecord(ex, (object?)ns ?? connection.ContextName));
                continue;
            }

            var now = DateTimeOffset.UtcNow;
            foreach (var request in pending.Where(p => names is null || names.Any(n => n.IsMatch(p.SecretName))))
            {
                WriteObject(RequestViews.Listed(request, connection.ContextName, now));
            }
        }
    }
}
