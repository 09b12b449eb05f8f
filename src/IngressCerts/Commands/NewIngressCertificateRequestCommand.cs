using System.Management.Automation;
using IngressCerts.Commands.Infrastructure;
using IngressCerts.Engine.Inventory;
using IngressCerts.Engine.Kubernetes;
using IngressCerts.Engine.Publishing;
using IngressCerts.Engine.Requests;

namespace IngressCerts.Commands;

/// <summary>
/// Makes a new key pair and a PKCS#10 CSR for one TLS Secret. The key waits in the cluster (a Secret of type
/// ingresscerts.io/pending-key beside the target) until Complete-IngressCertificateRequest publishes the certificate
/// a CA issued for it; it is never written to disk or output.
/// </summary>
[Cmdlet(VerbsCommon.New, "IngressCertificateRequest", HelpUri = HelpLinks.Cmdlets + "New-IngressCertificateRequest.md", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(CertificateSigningRequest))]
public sealed class NewIngressCertificateRequestCommand : KubernetesCmdlet
{
    /// <summary>The Secret's namespace; default: the context's namespace, as kubectl.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(NamespaceCompleter))]
    public string? Namespace { get; set; }

    /// <summary>The TLS Secret the certificate will go to; inventory rows without one bind null and get a clear error.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [AllowNull]
    [AllowEmptyString]
    [ArgumentCompleter(typeof(SecretNameCompleter))]
    public string? SecretName { get; set; }

    /// <summary>Set by Get-IngressCertificate objects whose Secret lives elsewhere (Gateway cross-namespace refs).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true, DontShow = true)]
    public string? SecretNamespace { get; set; }

    /// <summary>Set by Get-IngressCertificate objects: with <see cref="Findings"/>, why a row names no Secret (passthrough, inline, ACME).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true, DontShow = true)]
    public string? Kind { get; set; }

    /// <summary>Set by Get-IngressCertificate objects: the ids of their findings.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true, DontShow = true)]
    public string[]? Findings { get; set; }

    /// <summary>The Ingress to wire the certificate into when the request is completed; its hosts are the default hosts.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(IngressNameCompleter))]
    public string? IngressName { get; set; }

    /// <summary>The Gateway whose HTTPS/TLS listeners Complete-IngressCertificateRequest wires the certificate into;
    /// bound from Get-IngressCertificate objects of Kind Gateway (null for other kinds).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [AllowNull]
    [AllowEmptyString]
    public string? GatewayName { get; set; }

    /// <summary>The Gateway's namespace; default: -Namespace (for piped Gateway objects, the Gateway's own).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(NamespaceCompleter))]
    public string? GatewayNamespace { get; set; }

    /// <summary>The listener to wire; default: the HTTPS/TLS listeners whose hostname covers the hosts.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [AllowNull]
    [AllowEmptyString]
    public string? ListenerName { get; set; }

    /// <summary>Let Complete create or extend the ReferenceGrant that a Secret in another namespace than the Gateway needs.</summary>
    [Parameter]
    public SwitchParameter GrantReference { get; set; }

    /// <summary>The hosts (DNS names or IP addresses) the certificate must cover: the CSR's SANs.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Hosts")]
    public new string[]? Host { get; set; }

    /// <summary>The CSR's subject as an X.500 name; default CN=the first host.</summary>
    [Parameter]
    [ValidateNotNull]
    public string? Subject { get; set; }

    /// <summary>RSA or ECDSA; default: the current certificate's algorithm (piped), else ECDSA.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? KeyAlgorithm { get; set; }

    /// <summary>2048, 3072 or 4096 (RSA), or P-256 or P-384 (ECDSA); default: the current certificate's size (piped), else P-256.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? KeySize { get; set; }

    /// <summary>Also write the CSR (and only the CSR) to this file.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? OutFile { get; set; }

    /// <summary>Replace a request already pending for the Secret (its key is deleted).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>The kube context; bound from piped Get results so each goes back to its own cluster.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ContextCompleter))]
    public string? Context { get; set; }

    // -KeyAlgorithm and -KeySize given on the command line are the user's choice; bound from a piped object they are
    // the current certificate's key, which is only the default (and may be one a request cannot make: Ed25519, RSA 1024).
    private string? _chosenAlgorithm;
    private string? _chosenSize;

    protected override void BeginProcessing()
    {
        _chosenAlgorithm = KeyAlgorithm;
        _chosenSize = KeySize;
    }

    protected override void ProcessRecord()
    {
        if (string.IsNullOrWhiteSpace(SecretName))
        {
            WriteError(new ErrorRecord(
                new ArgumentException($"No Secret to make a request for{(Namespace is null ? string.Empty : " in namespace '" + Namespace + "'")}: {SecretlessReference.Why(Kind ?? string.Empty, Findings, SecretWriter.Request)}"),
                "NoSecretName", ErrorCategory.InvalidArgument, (object?)Namespace ?? IngressName ?? "-SecretName"));
            return;
        }

        string? gatewayName = string.IsNullOrEmpty(GatewayName) ? null : GatewayName;
        string? listenerName = string.IsNullOrEmpty(ListenerName) ? null : ListenerName;
        if ((KubernetesNames.CheckNamespace(nameof(Namespace), Namespace)
            ?? KubernetesNames.CheckNamespace(nameof(SecretNamespace), SecretNamespace)
            ?? KubernetesNames.CheckNamespace(nameof(GatewayNamespace), GatewayNamespace)
            ?? KubernetesNames.CheckObjectName(nameof(SecretName), SecretName)
            ?? KubernetesNames.CheckObjectName(nameof(IngressName), IngressName)
            ?? KubernetesNames.CheckObjectName(nameof(GatewayName), gatewayName)
            ?? KubernetesNames.CheckObjectName(nameof(ListenerName), listenerName)
            ?? PublishingCmdlet.GatewayTargetProblem(SecretName!, IngressName, gatewayName, listenerName, GrantReference, GatewayNamespace)) is { } invalid)
        {
            WriteError(invalid);
            return;
        }

        var spec = RequestKeySpec.Resolve(_chosenAlgorithm, _chosenSize, _chosenAlgorithm is null ? KeyAlgorithm : null, _chosenSize is null ? ParseSize(KeySize) : null, out string? keyProblem);
        if (spec is null)
        {
            WriteError(new ErrorRecord(new ArgumentException($"No request made for Secret {SecretName}: {keyProblem}."), "InvalidKeySpec", ErrorCategory.InvalidArgument, (object?)_chosenSize ?? _chosenAlgorithm));
            return;
        }

        var connection = Connect(ClusterContext(Context));
        string ns = SecretNamespace ?? Namespace ?? connection.DefaultNamespace;
        string target = $"{ns}/{SecretName}";
        if (IngressName is not null && Namespace is not null && ns != Namespace)
        {
            WriteError(new ErrorRecord(new ArgumentException($"An Ingress can only use a Secret in its own namespace; Secret {target} is not in '{Namespace}'."),
                "CrossNamespaceSecret", ErrorCategory.InvalidArgument, target));
            return;
        }

        var subject = Subject is null ? null : SubjectName.Parse(Subject, out string? subjectProblem) ?? Fail(subjectProblem);
        if (Subject is not null && subject is null)
        {
            return;
        }

        // Piped Gateway objects carry the Gateway's namespace in Namespace and the Secret's in SecretNamespace.
        var gateway = gatewayName is null ? null
            : new RequestGateway(GatewayNamespace ?? (SecretNamespace is not null ? Namespace : null) ?? ns, gatewayName, listenerName, GrantReference);
        IReadOnlyList<string>? ingressHosts = null;
        IReadOnlyList<string>? listenerHosts = null;
        if (gateway is not null)
        {
            try
            {
                var found = RunAsync(_ => new ClusterWriter(connection).GetGatewayApiObjectAsync("v1", "gateways", gateway.Namespace, gateway.Name, CancellationToken));
                if (found is null)
                {
                    WriteError(RefusalRecord(new PublishRefusal("GatewayNotFound", $"Gateway {gateway.Namespace}/{gateway.Name} does not exist; no request was made for Secret {target}."), target));
                    return;
                }

                listenerHosts = GatewayWiring.ListenerHostnames(found, listenerName);
            }
            catch (KubeApiException ex)
            {
                WriteError(ToErrorRecord(ex, target));
                return;
            }
        }

        if (IngressName is not null)
        {
            try
            {
                var ingress = RunAsync(_ => new ClusterWriter(connection).GetIngressAsync(ns, IngressName, CancellationToken));
                if (ingress is null)
                {
                    WriteError(RefusalRecord(new PublishRefusal("IngressNotFound", $"Ingress {ns}/{IngressName} does not exist; no request was made for Secret {target}."), target));
                    return;
                }

                ingressHosts = (ingress.Spec?.Rules ?? []).Select(r => r.Host)
                    .Concat((ingress.Spec?.Tls ?? []).SelectMany(t => t.Hosts ?? []))
                    .Where(h => !string.IsNullOrEmpty(h)).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            }
            catch (KubeApiException ex)
            {
                WriteError(ToErrorRecord(ex, target));
                return;
            }
        }

        var hosts = RequestHosts.Parse(Host is { Length: > 0 } ? Host : ingressHosts ?? listenerHosts ?? [], out string? hostProblem);
        if (hosts is null)
        {
            WriteError(new ErrorRecord(new ArgumentException($"No request made for Secret {target}: {hostProblem}."),
                Host is { Length: > 0 } ? "InvalidHost" : "NoHost", ErrorCategory.InvalidArgument, target));
            return;
        }

        if (ingressHosts is not null && hosts.All.Where(h => !ingressHosts.Contains(h, StringComparer.OrdinalIgnoreCase)).ToList() is { Count: > 0 } unknown)
        {
            WriteError(new ErrorRecord(
                new ArgumentException($"No request made for Secret {target}: Ingress {ns}/{IngressName} serves no host {string.Join(", ", unknown)} (it serves {(ingressHosts.Count == 0 ? "none" : string.Join(", ", ingressHosts))}); the certificate could not be wired for it."),
                "HostNotInIngress", ErrorCategory.InvalidArgument, target));
            return;
        }

        subject ??= SubjectName.Default(hosts);
        string description = $"Create {spec.WithArticle()} key and a request for {string.Join(", ", hosts.All)} (subject '{subject.Name}'), kept as pending Secret {ns}/{PendingRequestSecret.NameFor(SecretName!)}{(gateway is null ? string.Empty : $" for {gateway}")}{(Force ? ", replacing a request pending for it" : string.Empty)}";
        if (!ShouldProcess($"Secret {target} (context '{connection.ContextName}'): {description}", description + "?", "New-IngressCertificateRequest"))
        {
            return;
        }

        using var key = RequestKey.Create(spec, subject, hosts);
        PendingRequest made;
        try
        {
            var store = new PendingRequestStore(connection, DiagnosticsRelay.Write);
            made = RunAsync(sink => store.CreateAsync(ns, SecretName!, IngressName, key, Force, warning => sink.Post(() => WriteWarning(warning)), CancellationToken, gateway: gateway));
        }
        catch (PublishRefusedException ex)
        {
            WriteError(RefusalRecord(ex.Refusal, target));
            return;
        }
        catch (KubeApiException ex)
        {
            WriteError(ToErrorRecord(ex, target));
            return;
        }

        if (OutFile is not null)
        {
            string path = GetUnresolvedProviderPathFromPSPath(OutFile);
            try
            {
                File.WriteAllText(path, key.CsrPem);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                WriteError(new ErrorRecord(new IOException($"The request for Secret {target} was made and is pending, but its CSR could not be written to '{path}': {ex.Message} The Csr property holds it.", ex),
                    "OutFileNotWritten", ErrorCategory.WriteError, path));
            }
        }

        var output = PSObject.AsPSObject(RequestViews.Made(made, connection.ContextName));
        output.TypeNames.Insert(0, CertificateSigningRequest.PSTypeName);
        WriteObject(output);

        System.Security.Cryptography.X509Certificates.X500DistinguishedName? Fail(string? problem)
        {
            WriteError(new ErrorRecord(new ArgumentException($"No request made for Secret {SecretName}: {problem}."), "InvalidSubject", ErrorCategory.InvalidArgument, Subject));
            return null;
        }
    }

    private static int? ParseSize(string? size) => int.TryParse(size, out int n) ? n : null;
}
