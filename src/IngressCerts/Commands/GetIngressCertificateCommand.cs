using System.Diagnostics;
using System.Management.Automation;
using System.Security.Cryptography.X509Certificates;
using IngressCerts.Commands.Infrastructure;
using IngressCerts.Engine.Inventory;
using IngressCerts.Engine.Kubernetes;

namespace IngressCerts.Commands;

/// <summary>Lists every certificate that Ingresses and Gateways serve, with its state.</summary>
[Cmdlet(VerbsCommon.Get, "IngressCertificate", HelpUri = HelpLinks.Cmdlets + "Get-IngressCertificate.md", DefaultParameterSetName = ClusterSet)]
[OutputType(typeof(IngressCertificate))]
public sealed class GetIngressCertificateCommand : KubernetesCmdlet
{
    private const string ClusterSet = "Cluster";
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";

    /// <summary>Kube contexts to scan; wildcards allowed; several are scanned concurrently.</summary>
    [Parameter(ParameterSetName = ClusterSet)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ContextCompleter))]
    public string[]? Context { get; set; }

    [Parameter(ParameterSetName = ClusterSet)]
    [Alias("A")]
    public SwitchParameter AllNamespaces { get; set; }

    /// <summary>Namespaces to scan (wildcards resolved against the cluster); offline, a filter.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(NamespaceCompleter))]
    public string[]? Namespace { get; set; }

    /// <summary>Manifest files or folders (recursive); no cluster is contacted.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Path { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "FullName")]
    [ValidateNotNullOrEmpty]
    public string[]? LiteralPath { get; set; }

    /// <summary>Ingress or Gateway names; wildcards allowed.</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(IngressOrGatewayNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Only references that list a matching host; wildcards allowed.</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public new string[]? Host { get; set; }

    /// <summary>Only references with a finding of one of these statuses (any finding, not only the worst); Valid: none.</summary>
    [Parameter]
    [ValidateSet("SecretNotFound", "ReferenceNotPermitted", "Forbidden", "DefaultCertificate", "NoTls", "InvalidSecret", "KeyMismatch", "Expired",
        "NotYetValid", "HostMismatch", "IncompleteChain", "UntrustedRoot", "Expiring", "Valid", IgnoreCase = true)]
    public string[]? Status { get; set; }

    /// <summary>Days before expiry that count as Expiring (default 30); when given, also a filter.</summary>
    [Parameter]
    [Alias("MinimumDaysRemaining")]
    [ValidateRange(0, 36500)]
    public int ExpiringWithinDays { get; set; } = 30;

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Thumbprint { get; set; }

    /// <summary>Evaluate validity at this time instead of now.</summary>
    [Parameter]
    public DateTime AsOf { get; set; }

    /// <summary>Extra trusted root certificates (PEM or DER files), e.g. an internal CA.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? TrustedRootPath { get; set; }

    /// <summary>Also a NoTls row per Ingress or Gateway HTTP listener that serves hosts with no TLS at all.</summary>
    [Parameter]
    public SwitchParameter IncludeUnprotected { get; set; }

    /// <summary>Also a row per kubernetes.io/tls Secret that no Ingress or Gateway refers to, with its certificate's state.</summary>
    [Parameter]
    public SwitchParameter IncludeUnreferenced { get; set; }

    /// <summary>
    /// The namespace Istio's gateway workload runs in (e.g. istio-system), where it reads the Secrets that Istio
    /// Gateways' credentialName names; default: each Gateway's own namespace.
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(NamespaceCompleter))]
    public string? IstioGatewayNamespace { get; set; }

    private InventoryOptions? _options;
    private InventoryFilter? _filter;

    protected override void BeginProcessing()
    {
        if (KubernetesNames.CheckNamespace(nameof(IstioGatewayNamespace), IstioGatewayNamespace) is { } invalidIstio)
        {
            ThrowTerminatingError(invalidIstio);
        }

        _options = new InventoryOptions(EvaluationTime(AsOf), ExpiringWithinDays, LoadTrustedRoots(TrustedRootPath), IncludeUnprotected, IncludeUnreferenced, IstioGatewayNamespace);
        _filter = new InventoryFilter(
            Name,
            Host,
            Status,
            Thumbprint,
            MyInvocation.BoundParameters.ContainsKey(nameof(ExpiringWithinDays)) ? ExpiringWithinDays : null,
            ParameterSetName == ClusterSet ? null : Namespace);
    }

    private readonly List<string> _files = new();

    protected override void ProcessRecord()
    {
        foreach (string ns in Namespace ?? Array.Empty<string>())
        {
            if (KubernetesNames.CheckNamespace(nameof(Namespace), ns, wildcards: true) is { } invalid)
            {
                WriteError(invalid);
                return;
            }
        }

        if (ParameterSetName == ClusterSet)
        {
            ScanClusters();
        }
        else
        {
            CollectFiles(_files);
        }
    }

    // Files piped one by one (Get-ChildItem *.yaml | Get-IngressCertificate) are read together at the end, so a
    // Secret in one file resolves a reference in another.
    protected override void EndProcessing()
    {
        if (ParameterSetName != ClusterSet)
        {
            ScanFiles(_files);
        }
    }

    private void CollectFiles(List<string> files)
    {
        foreach (string path in Path ?? LiteralPath ?? Array.Empty<string>())
        {
            try
            {
                if (ParameterSetName == PathSet)
                {
                    files.AddRange(GetResolvedProviderPathFromPSPath(path, out _));
                }
                else
                {
                    string resolved = GetUnresolvedProviderPathFromPSPath(path);
                    if (!File.Exists(resolved) && !Directory.Exists(resolved))
                    {
                        throw new ItemNotFoundException($"Cannot find path '{resolved}' because it does not exist.");
                    }

                    files.Add(resolved);
                }
            }
            catch (Exception ex) when (ex is ItemNotFoundException or ProviderNotFoundException or System.Management.Automation.DriveNotFoundException)
            {
                WriteError(new ErrorRecord(ex, "PathNotFound", ErrorCategory.ObjectNotFound, path));
            }
        }
    }

    private void ScanFiles(List<string> files)
    {
        var objects = ManifestReader.ReadAll(files, WriteManifestError);

        var invalid = new List<ManifestError>();
        foreach (var item in new ManifestScanner(_options!).Scan(objects, invalid.Add))
        {
            if (_filter!.Matches(item))
            {
                WriteObject(item);
            }
        }

        invalid.ForEach(WriteManifestError);
    }

    private void ScanClusters()
    {
        // -Server connects without a kubeconfig: a -Context given with it goes to Connect, which refuses the pair.
        var contexts = Server is not null && Context is { Length: > 0 } ? Context : ResolveContexts(Context);
        // One context that cannot be set up stops the command; among several it is one error and the rest go on.
        IReadOnlyList<ClusterConnection> connections = contexts.Count == 1
            ? new List<ClusterConnection> { Connect(contexts[0]) }
            : DistinctClusters.Select(
                contexts.Select(c => Connect(c, terminating: false)).OfType<ClusterConnection>().ToList(),
                byDefaultNamespace: !AllNamespaces && Namespace is not { Length: > 0 },
                WriteVerbose);
        var stopwatch = Stopwatch.StartNew();
        RunAsync(async sink =>
        {
            var progress = new ProgressReporter(sink, this, stopwatch, connections.Count);
            await Task.WhenAll(connections.Select((connection, index) => ScanOneAsync(connection, index, sink, progress))).ConfigureAwait(false);
            progress.Complete();
        });
    }

    private async Task ScanOneAsync(ClusterConnection connection, int index, PipelineSink sink, ProgressReporter progress)
    {
        var reader = new ClusterReader(connection, message => sink.Post(() => WriteVerbose(message)), message => sink.Post(() => WriteWarning(message)));
        var scanner = new ClusterScanner(
            reader, _options!, message => sink.Post(() => WriteVerbose(message)), p => progress.Report(index, p), message => sink.Post(() => WriteWarning(message)));
        try
        {
            var namespaces = await ScanNamespacesAsync(scanner, connection, AllNamespaces, Namespace, sink).ConfigureAwait(false);

            await foreach (var item in scanner.ScanAsync(namespaces, CancellationToken).ConfigureAwait(false))
            {
                if (_filter!.Matches(item))
                {
                    sink.Post(() => WriteObject(item));
                }
            }
        }
        catch (KubeApiException ex)
        {
            // One cluster failing never stops the others.
            sink.Post(() => WriteError(ToErrorRecord(ex, connection.ContextName)));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            var error = new InvalidOperationException($"Scanning cluster '{connection.ContextName}' failed: {ex.Message}", ex);
            sink.Post(() => WriteError(new ErrorRecord(error, "ScanFailed", ErrorCategory.NotSpecified, connection.ContextName)));
        }
    }

    /// <summary>Write-Progress for scans that take longer than about a second, one line per cluster.</summary>
    private sealed class ProgressReporter
    {
        private const int ActivityIdBase = 7300;
        private readonly PipelineSink _sink;
        private readonly Cmdlet _cmdlet;
        private readonly Stopwatch _stopwatch;
        private readonly bool[] _shown;
        private long _lastReportTicks;

        public ProgressReporter(PipelineSink sink, Cmdlet cmdlet, Stopwatch stopwatch, int clusters)
        {
            _sink = sink;
            _cmdlet = cmdlet;
            _stopwatch = stopwatch;
            _shown = new bool[clusters];
        }

        public void Report(int index, ScanProgress progress)
        {
            long now = _stopwatch.ElapsedTicks;
            long last = Interlocked.Read(ref _lastReportTicks);
            if (_stopwatch.Elapsed < TimeSpan.FromSeconds(1) || now - last < Stopwatch.Frequency / 10)
            {
                return;
            }

            Interlocked.Exchange(ref _lastReportTicks, now);
            _shown[index] = true;
            var record = new ProgressRecord(ActivityIdBase + index, $"Scanning certificates in '{progress.Context}'",
                $"{progress.Activity}: {progress.PagesDone} pages, {progress.ReferencesDone} of {progress.ReferencesTotal} references")
            {
                PercentComplete = progress.ReferencesTotal == 0 ? -1 : Math.Min(100, 100 * progress.ReferencesDone / progress.ReferencesTotal),
            };
            _sink.Post(() => _cmdlet.WriteProgress(record));
        }

        public void Complete()
        {
            for (int i = 0; i < _shown.Length; i++)
            {
                if (_shown[i])
                {
                    var record = new ProgressRecord(ActivityIdBase + i, "Scanning certificates", "Done") { RecordType = ProgressRecordType.Completed };
                    _sink.Post(() => _cmdlet.WriteProgress(record));
                }
            }
        }
    }
}
