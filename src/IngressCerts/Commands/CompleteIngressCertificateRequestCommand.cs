using System.Management.Automation;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using IngressCerts.Commands.Infrastructure;
using IngressCerts.Engine.Certificates;
using IngressCerts.Engine.Kubernetes;
using IngressCerts.Engine.Publishing;
using IngressCerts.Engine.Requests;

namespace IngressCerts.Commands;

/// <summary>
/// Publishes the certificate a CA issued for a pending request, with the key that waited in the cluster, through
/// exactly the path Publish-IngressCertificate takes; then deletes the pending request. It finds the request by the
/// certificate's public key (or by -Namespace and -SecretName), from any process or machine.
/// </summary>
[Cmdlet(VerbsLifecycle.Complete, "IngressCertificateRequest", HelpUri = HelpLinks.Cmdlets + "Complete-IngressCertificateRequest.md", DefaultParameterSetName = PathSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(PublishResult))]
public sealed class CompleteIngressCertificateRequestCommand : PublishingCmdlet
{
    private const string PathSet = "Path";
    private const string PemSet = "Pem";
    private const string CertificateSet = "Certificate";

    /// <summary>The issued certificate (leaf or full chain) as a PEM or DER file.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("FullChainFile", "CertFile", "FullName")]
    [ValidateNotNullOrEmpty]
    public string? CertificatePath { get; set; }

    /// <summary>More certificates of the chain, as a file.</summary>
    [Parameter(ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("ChainFile")]
    [ValidateNotNullOrEmpty]
    public string? ChainPath { get; set; }

    /// <summary>The issued certificate (leaf or full chain) as PEM text.</summary>
    [Parameter(Mandatory = true, ParameterSetName = PemSet, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? CertificatePem { get; set; }

    /// <summary>More certificates of the chain, as PEM text.</summary>
    [Parameter(ParameterSetName = PemSet, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? ChainPem { get; set; }

    /// <summary>The issued certificate as an X509Certificate2 (no private key needed), e.g. from the pipeline.</summary>
    [Parameter(Mandatory = true, ParameterSetName = CertificateSet, ValueFromPipeline = true)]
    [ValidateNotNull]
    public X509Certificate2? Certificate { get; set; }

    /// <summary>More certificates of the chain.</summary>
    [Parameter(ParameterSetName = CertificateSet, ValueFromPipelineByPropertyName = true)]
    public X509Certificate2[]? Chain { get; set; }

    /// <summary>Where to look for the request; default: the certificate's key is looked up in all namespaces (else the context's).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(NamespaceCompleter))]
    public string? Namespace { get; set; }

    /// <summary>The TLS Secret whose request this certificate completes; default: the request whose key the certificate has.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(SecretNameCompleter))]
    public string? SecretName { get; set; }

    /// <summary>Wire into this Ingress instead of the Ingress or Gateway the request names.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(IngressNameCompleter))]
    public string? IngressName { get; set; }

    /// <summary>Wire into this Gateway's HTTPS/TLS listeners instead of the Ingress or Gateway the request names.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? GatewayName { get; set; }

    /// <summary>The Gateway's namespace; default: the request's.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(NamespaceCompleter))]
    public string? GatewayNamespace { get; set; }

    /// <summary>The Gateway listener to wire; default: those whose hostname covers the request's hosts.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ListenerName { get; set; }

    /// <summary>Create or extend the ReferenceGrant a Secret in another namespace than the Gateway needs.</summary>
    [Parameter]
    public SwitchParameter GrantReference { get; set; }

    /// <summary>The kube context; bound from piped request objects so each goes back to its own cluster.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ContextCompleter))]
    public string? Context { get; set; }

    protected override void ProcessRecord()
    {
        if ((KubernetesNames.CheckNamespace(nameof(Namespace), Namespace)
            ?? KubernetesNames.CheckObjectName(nameof(SecretName), SecretName)
            ?? KubernetesNames.CheckObjectName(nameof(IngressName), IngressName)
            ?? KubernetesNames.CheckNamespace(nameof(GatewayNamespace), GatewayNamespace)
            ?? KubernetesNames.CheckObjectName(nameof(GatewayName), GatewayName)
            ?? KubernetesNames.CheckObjectName(nameof(ListenerName), ListenerName)
            ?? GatewayTargetProblem(SecretName ?? "(the request's)", IngressName, GatewayName, ListenerName, GrantReference, GatewayNamespace)) is { } invalid)
        {
            WriteError(invalid);
            return;
        }

        var certificates = ReadCertificates();
        if (certificates is null)
        {
            return;
        }

        var leafGuess = RequestCompletion.Leaf(certificates);
        object input = (object?)CertificatePath ?? leafGuess.Subject;
        var connection = Connect(ClusterContext(Context));
        var store = new PendingRequestStore(connection, DiagnosticsRelay.Write);
        PendingRequest pending;
        X509Certificate2 leaf;
        try
        {
            if (SecretName is not null)
            {
                string ns = Namespace ?? connection.DefaultNamespace;
                pending = RunAsync(_ => store.GetAsync(ns, SecretName, CancellationToken))
                    ?? throw new PublishRefusedException(new PublishRefusal(PendingRequestStore.NotFound,
                        $"No request is pending for Secret {ns}/{SecretName} (never made, cancelled, or completed already); nothing was written."));
                leaf = RequestCompletion.Match(certificates, [pending])?.Leaf ?? leafGuess;
            }
            else
            {
                var candidates = RunAsync(_ => FindAsync(store, connection));
                (leaf, pending) = RequestCompletion.Match(certificates, candidates)
                    ?? throw new PublishRefusedException(new PublishRefusal(PendingRequestStore.NotFound,
                        $"No request is pending for the key of certificate '{leafGuess.Subject}' ({leafGuess.Thumbprint}, public key SHA-256 {PublicKeyHash.Of(leafGuess)}) in {(Namespace is null ? "any namespace this user may list" : "namespace '" + Namespace + "'")}: the CA signed another key, or the request was completed or cancelled. Nothing was written."));
            }
        }
        catch (PublishRefusedException ex)
        {
            WriteError(RefusalRecord(ex.Refusal, input.ToString()!));
            return;
        }
        catch (KubeApiException ex)
        {
            WriteError(ToErrorRecord(ex, input));
            return;
        }

        string targetName = $"{pending.Namespace}/{pending.SecretName}";
        var now = DateTimeOffset.UtcNow;
        if (RequestCompletion.Check(leaf, pending, now) is { } refusal)
        {
            WriteError(RefusalRecord(refusal, targetName));
            return;
        }

        // Only hosts an Ingress can carry are wired; IP addresses stay in the certificate alone.
        var wired = pending.Hosts.Where(h => IngressHostName.TryNormalize(h, out _, out _)).ToList();
        // -IngressName or -GatewayName given here win; else the Gateway or Ingress the request names.
        var stored = IngressName is null && GatewayName is null ? pending.Gateway : null;
        string? gatewayName = GatewayName ?? stored?.Name;
        var target = new PublishTarget(pending.Namespace, pending.SecretName, gatewayName is null ? IngressName ?? pending.IngressName : null, wired.Count == 0 ? null : wired)
        {
            GatewayName = gatewayName,
            GatewayNamespace = gatewayName is null ? null : GatewayNamespace ?? stored?.Namespace ?? pending.Namespace,
            ListenerName = GatewayName is null ? stored?.Listener : ListenerName,
            GrantReference = GrantReference || (stored?.GrantReference ?? false),
        };
        using var bundle = BuildBundle(store, pending, leaf, certificates, targetName);
        if (bundle is null || !CheckBundle(bundle, target, targetName, now))
        {
            return;
        }

        using var payload = new PublishPayload(bundle.Leaf, bundle.TlsCrtPem, bundle.GetTlsKeyPemBytes());
        string deletes = $"Delete pending request {pending.Namespace}/{pending.PendingSecretName} (its key is now in Secret {targetName})";
        var published = PublishToCluster(connection, target, payload, targetName, "Complete-IngressCertificateRequest", deletes);
        if (published is null)
        {
            return;
        }

        if (published.Action != nameof(PublishAction.RolledBack) && published.Verified != false)
        {
            RemovePending(store, pending, targetName);
        }
        else
        {
            WriteVerbose($"The request for Secret {targetName} stays pending: the certificate was not kept.");
        }

        WriteObject(published);
    }

    // The publish is done: a pending Secret left behind only holds a copy of the key now in the TLS Secret. A second
    // Complete-IngressCertificateRequest with the same certificate publishes nothing new and removes it.
    private void RemovePending(PendingRequestStore store, PendingRequest pending, string targetName)
    {
        try
        {
            RunAsync(sink => store.DeleteAsync(pending, warning => sink.Post(() => WriteWarning(warning)), CancellationToken));
        }
        catch (Exception ex) when (ex is KubeApiException or PublishRefusedException)
        {
            WriteWarning($"Secret {targetName} was published, but its pending request {pending.Namespace}/{pending.PendingSecretName} could not be deleted ({ex.Message}). " +
                $"It holds a copy of the key now in use: Remove-IngressCertificateRequest -Namespace {pending.Namespace} -SecretName {pending.SecretName} deletes it, and so does running this command again.");
        }
    }

    /// <summary>Pending requests where the certificate's may be: -Namespace, else all namespaces, else (not allowed to list them all) the context's.</summary>
    private async Task<IReadOnlyList<PendingRequest>> FindAsync(PendingRequestStore store, ClusterConnection connection)
    {
        if (Namespace is not null)
        {
            return await store.ListAsync(Namespace, null, CancellationToken).ConfigureAwait(false);
        }

        try
        {
            return await store.ListAsync(null, null, CancellationToken).ConfigureAwait(false);
        }
        catch (KubeApiException ex) when (ex.Kind == KubeErrorKind.Forbidden)
        {
            DiagnosticsRelay.Write($"{ex.Message} Looking in namespace '{connection.DefaultNamespace}' only.");
            return await store.ListAsync(connection.DefaultNamespace, null, CancellationToken).ConfigureAwait(false);
        }
    }

    private List<X509Certificate2>? ReadCertificates()
    {
        try
        {
            var all = new List<X509Certificate2>();
            switch (ParameterSetName)
            {
                case PathSet:
                    all.AddRange(CertificateSourceReader.Read(ResolveFile(CertificatePath!)));
                    if (ChainPath is not null)
                    {
                        all.AddRange(CertificateSourceReader.Read(ResolveFile(ChainPath)));
                    }

                    break;
                case PemSet:
                    all.AddRange(CertificateSourceReader.Read(RequirePem(CertificatePem!)));
                    if (ChainPem is not null)
                    {
                        all.AddRange(CertificateSourceReader.Read(RequirePem(ChainPem)));
                    }

                    break;
                default:
                    all.Add(Certificate!);
                    all.AddRange(Chain ?? []);
                    break;
            }

            return all;
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            WriteError(new ErrorRecord(new InvalidDataException($"Cannot complete a request with this certificate: {ex.Message}", ex),
                "InvalidCertificateInput", ErrorCategory.InvalidData, (object?)CertificatePath ?? "-CertificatePem"));
        }
        catch (ItemNotFoundException ex)
        {
            WriteError(new ErrorRecord(ex, "CertificateFileNotFound", ErrorCategory.ObjectNotFound, CertificatePath ?? ChainPath));
        }

        return null;
    }

    // PEM text only: a string that is no PEM is not read as a file name here (that is -CertificatePath).
    private static string RequirePem(string text) =>
        text.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal) ? text : throw new InvalidDataException("the text holds no PEM CERTIFICATE block.");

    private string ResolveFile(string path)
    {
        string resolved = GetUnresolvedProviderPathFromPSPath(path);
        return File.Exists(resolved) ? resolved : throw new ItemNotFoundException($"The file '{resolved}' does not exist.");
    }

    /// <summary>The certificates with the key that waited in the cluster; the key's bytes are wiped once the bundle holds them.</summary>
    private CertificateBundle? BuildBundle(PendingRequestStore store, PendingRequest pending, X509Certificate2 leaf, List<X509Certificate2> certificates, string targetName)
    {
        try
        {
            return RunAsync(_ => RequestCompletion.BuildBundleAsync(store, pending, leaf, certificates, IncludeRoot, CancellationToken));
        }
        catch (PublishRefusedException ex)
        {
            WriteError(RefusalRecord(ex.Refusal, targetName));
        }
        catch (KubeApiException ex)
        {
            WriteError(ToErrorRecord(ex, targetName));
        }
        catch (Exception ex) when (ex is CertificateBundleException or CryptographicException)
        {
            WriteError(new ErrorRecord(new InvalidDataException($"Cannot complete the request for Secret {targetName}: {ex.Message}", ex),
                "InvalidCertificateInput", ErrorCategory.InvalidData, targetName));
        }

        return null;
    }
}
