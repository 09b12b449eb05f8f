using System.Management.Automation;
using System.Security.Cryptography.X509Certificates;
using IngressCerts.Commands.Infrastructure;
using IngressCerts.Engine.Inventory;
using IngressCerts.Engine.Kubernetes;
using IngressCerts.Engine.Validation;

namespace IngressCerts.Commands;

/// <summary>Proves that a certificate is in the Secret and, with -Live, served by the endpoint.</summary>
[Cmdlet(VerbsDiagnostic.Test, "IngressCertificate", HelpUri = HelpLinks.Cmdlets + "Test-IngressCertificate.md")]
[OutputType(typeof(bool), typeof(CertificateTestResult))]
public sealed class TestIngressCertificateCommand : KubernetesCmdlet
{
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(NamespaceCompleter))]
    public string? Namespace { get; set; }

    /// <summary>An Ingress (or another kind, with -Kind) to test every TLS reference of.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("IngressName")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(IngressOrGatewayNameCompleter))]
    public string? Name { get; set; }

    /// <summary>A Secret to test; piped inventory rows without one (DefaultCertificate) bind null and fail SecretPresent.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(SecretNameCompleter))]
    public string? SecretName { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true, DontShow = true)]
    public string? SecretNamespace { get; set; }

    /// <summary>
    /// The kind of -Name: Ingress (the default), Gateway, Route, IngressRoute or HTTPProxy; Secret tests the Secret
    /// -SecretName alone (Get's rows for unreferenced Secrets). Bound from Get-IngressCertificate objects.
    /// </summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateSet("Ingress", "Gateway", "Route", "IngressRoute", "HTTPProxy", "Secret", IgnoreCase = true)]
    public string? Kind { get; set; }

    /// <summary>
    /// The API group of -Kind, to tell an Istio Gateway (networking.istio.io) from a Gateway API one
    /// (gateway.networking.k8s.io, the default), or an IngressRoute of traefik.containo.us; bound from Get's objects.
    /// </summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ApiGroupCompleter))]
    public string? ApiGroup { get; set; }

    /// <summary>Only this listener of a Gateway (or server, by port name, of an Istio Gateway); bound from Get's objects (null for other kinds).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("ListenerName")]
    public string? Listener { get; set; }

    /// <summary>
    /// The namespace Istio's gateway workload runs in (e.g. istio-system), where it reads the Secrets that Istio
    /// Gateways' credentialName names; default: a piped row's SecretNamespace, else the Gateway's own namespace.
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(NamespaceCompleter))]
    public string? IstioGatewayNamespace { get; set; }

    /// <summary>Hosts to check (the certificate must cover them; -Live probes each).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Hosts")]
    public new string[]? Host { get; set; }

    /// <summary>The certificate expected in the Secret and on the wire (SHA-1 thumbprint).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Thumbprint { get; set; }

    /// <summary>The certificate expected in the Secret and on the wire.</summary>
    [Parameter]
    [ValidateNotNull]
    public X509Certificate2? Certificate { get; set; }

    /// <summary>Also connect to every host and compare the served certificate.</summary>
    [Parameter]
    public SwitchParameter Live { get; set; }

    /// <summary>host:port to probe instead of the Ingress's load balancer address.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Endpoint { get; set; }

    /// <summary>The DaysRemaining check fails when fewer days remain; the same idea and name as Get-IngressCertificate's.</summary>
    [Parameter]
    [Alias("MinimumDaysRemaining")]
    [ValidateRange(0, 36500)]
    public int ExpiringWithinDays { get; set; } = 30;

    [Parameter]
    public DateTime AsOf { get; set; }

    /// <summary>One result object per target instead of a single boolean.</summary>
    [Parameter]
    public SwitchParameter Detailed { get; set; }

    [Parameter]
    [ValidateRange(1, 1024)]
    public int ThrottleLimit { get; set; } = 32;

    [Parameter]
    [ValidateRange(1, 600)]
    public int TimeoutSeconds { get; set; } = 10;

    /// <summary>Extra trusted root certificates (PEM or DER files), e.g. an internal CA.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? TrustedRootPath { get; set; }

    /// <summary>The kube context; bound from piped Get/Publish results so each goes back to its own cluster.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ContextCompleter))]
    public string? Context { get; set; }

    private readonly List<(string? Context, TestTarget Target)> _targets = new();

    protected override void ProcessRecord()
    {
        if (Name is null && SecretName is null && (Host is null || Host.Length == 0))
        {
            WriteError(new ErrorRecord(new ArgumentException("Give -Namespace with -Name or -SecretName, or -Host, or pipe objects from Get-IngressCertificate or Publish-IngressCertificate."),
                "NoTarget", ErrorCategory.InvalidArgument, GivenInput()));
            return;
        }

        if ((KubernetesNames.CheckNamespace(nameof(Namespace), Namespace)
            ?? KubernetesNames.CheckNamespace(nameof(SecretNamespace), SecretNamespace)
            ?? KubernetesNames.CheckNamespace(nameof(IstioGatewayNamespace), IstioGatewayNamespace)
            ?? KubernetesNames.CheckObjectName(nameof(Name), Name)
            ?? KubernetesNames.CheckObjectName(nameof(SecretName), SecretName)) is { } invalid)
        {
            WriteError(invalid);
            return;
        }

        string? apiGroup = NullIfEmpty(ApiGroup);
        string kind = Kind ?? "Ingress";
        if (Name is not null && !string.Equals(kind, "Secret", StringComparison.OrdinalIgnoreCase) && ObjectLookup.KindGroupProblem(kind, apiGroup) is { } problem)
        {
            WriteError(new ErrorRecord(new ArgumentException(problem), "KindApiGroupMismatch", ErrorCategory.InvalidArgument, $"{kind} {Namespace}/{Name}"));
            return;
        }

        if ((Name is not null || SecretName is not null) && Namespace is null && SecretNamespace is null)
        {
            // As kubectl: the context's namespace.
            Namespace = Connect(ClusterContext(Context)).DefaultNamespace;
        }

        if (Name is null && SecretName is null && !Live)
        {
            WriteError(new ErrorRecord(new ArgumentException("Testing hosts alone needs -Live (and -Certificate or -Thumbprint to compare with)."),
                "HostNeedsLive", ErrorCategory.InvalidArgument, Host));
            return;
        }

        // A piped Istio row's SecretNamespace is where Get found the Secret: the workload namespace it was given.
        string? istioNamespace = IstioGatewayNamespace ?? (MyInvocation.BoundParameters.ContainsKey(nameof(SecretNamespace)) ? SecretNamespace : null);
        _targets.Add((ClusterContext(Context), new TestTarget(Namespace, Name, SecretNamespace ?? Namespace, NullIfEmpty(SecretName), Host, NullIfEmpty(Thumbprint), Certificate, Kind,
            apiGroup, NullIfEmpty(Listener), istioNamespace)));
    }

    /// <summary>What this record was given, bound or piped, as the TargetObject of an error about it; the token is left out.</summary>
    private Dictionary<string, object> GivenInput() =>
        MyInvocation.BoundParameters.Where(p => p.Key != nameof(Token)).ToDictionary(p => p.Key, p => p.Value);

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    protected override void EndProcessing()
    {
        if (_targets.Count == 0)
        {
            if (!Detailed)
            {
                WriteObject(false);
            }

            return;
        }

        var options = new TestOptions(EvaluationTime(AsOf), ExpiringWithinDays, Live, Endpoint, ThrottleLimit, TimeSpan.FromSeconds(TimeoutSeconds), LoadTrustedRoots(TrustedRootPath));

        // Piped objects may come from several clusters: each group is tested against its own.
        var results = new List<CertificateTestResult>();
        bool failedToRun = false;
        foreach (var group in _targets.GroupBy(t => t.Context))
        {
            var targets = group.Select(t => t.Target).ToList();
            bool needsCluster = targets.Any(t => t.Name is not null || t.SecretName is not null);
            ClusterConnection? connection = needsCluster ? Connect(group.Key) : null;
            try
            {
                results.AddRange(RunAsync(sink => new CertificateTester(connection, options, diagnostics: DiagnosticsRelay.Write, warning: w => sink.Post(() => WriteWarning(w)),
                        notServed: ex => sink.Post(() =>
                        {
                            WriteError(new ErrorRecord(ex, "ApiNotServed", ErrorCategory.NotInstalled, ex.Object));
                            failedToRun = true;
                        }))
                    .TestAsync(targets, CancellationToken)));
            }
            catch (KubeApiException ex)
            {
                WriteError(ToErrorRecord(ex, ex.Target));
                failedToRun = true;
            }
            catch (ArgumentException ex)
            {
                ThrowTerminatingError(new ErrorRecord(ex, "InvalidEndpoint", ErrorCategory.InvalidArgument, Endpoint));
            }
        }

        foreach (var result in results)
        {
            foreach (var failed in result.GetChecks().Where(c => !c.Passed))
            {
                WriteVerbose($"{result}: {failed}");
            }
        }

        if (Detailed)
        {
            WriteObject(results, enumerateCollection: true);
        }
        else
        {
            WriteObject(!failedToRun && results.All(r => r.Passed));
        }
    }
}
