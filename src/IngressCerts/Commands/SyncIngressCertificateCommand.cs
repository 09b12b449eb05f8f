using System.Collections;
using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using IngressCerts.Commands.Infrastructure;
using IngressCerts.Engine.Inventory;
using IngressCerts.Engine.Kubernetes;
using IngressCerts.Engine.Publishing;
using IngressCerts.Engine.Requests;
using IngressCerts.Engine.Sync;

namespace IngressCerts.Commands;

/// <summary>
/// Renews what is due, creates what is missing, and leaves the rest alone, for the references Get-IngressCertificate
/// gives (piped, or selected with its parameters). Certificates come from a CA through -Issuer or from a drop folder
/// (-SourcePath); every renewal is a Publish. Runs coordinate through one Lease per target Secret, so overlapping
/// schedules renew each target once.
/// </summary>
[Cmdlet(VerbsData.Sync, "IngressCertificate", HelpUri = HelpLinks.Cmdlets + "Sync-IngressCertificate.md", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(SyncResult))]
public sealed class SyncIngressCertificateCommand : PublishingCmdlet
{
    /// <summary>References from Get-IngressCertificate.</summary>
    [Parameter(ValueFromPipeline = true)]
    [ValidateNotNull]
    public IngressCertificate? InputObject { get; set; }

    /// <summary>Without piped input: the kube context to scan (default: the current one).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(ContextCompleter))]
    public string? Context { get; set; }

    /// <summary>Without piped input: namespaces to scan (wildcards allowed).</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(NamespaceCompleter))]
    public string[]? Namespace { get; set; }

    [Parameter]
    [Alias("A")]
    public SwitchParameter AllNamespaces { get; set; }

    /// <summary>Without piped input: Ingress names (wildcards allowed).</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(IngressOrGatewayNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>The CA adapter: given an IngressCerts.CertificateRequest, returns the issued certificate, or nothing while it is pending.</summary>
    [Parameter]
    [ValidateNotNull]
    public ScriptBlock? Issuer { get; set; }

    /// <summary>A folder (or one file) of PFX or PEM files another system drops.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? SourcePath { get; set; }

    /// <summary>The password of the PFX files in -SourcePath.</summary>
    [Parameter]
    public SecureString? Password { get; set; }

    /// <summary>Renew certificates that expire within this many days.</summary>
    [Parameter]
    [ValidateRange(0, 3650)]
    public int RenewWithinDays { get; set; } = SyncPlanner.DefaultRenewWithinDays;

    /// <summary>How many targets are worked on at once.</summary>
    [Parameter]
    [ValidateRange(1, 64)]
    public int ThrottleLimit { get; set; } = 4;

    /// <summary>
    /// For due or broken Secrets that a cert-manager Certificate manages: ask cert-manager to re-issue it, as cmctl renew
    /// does (Issuing=True, reason ManuallyTriggered, on the Certificate's status), instead of skipping them. The Secret is
    /// never written. Without -Issuer and -SourcePath, only these are renewed.
    /// </summary>
    [Parameter]
    public SwitchParameter RenewCertManager { get; set; }

    /// <summary>How long a target's Lease lasts without renewal (a crashed run's targets are free again after it).</summary>
    [Parameter]
    [ValidateRange(5, 3600)]
    public int LeaseDurationSeconds { get; set; } = 60;

    private readonly List<IngressCertificate> _piped = new();

    // The errors of failed targets, written once every target was worked on: under -ErrorAction Stop (or
    // $ErrorActionPreference = 'Stop' in a runbook) the first one ends the command, and it must not end the others.
    private readonly List<ErrorRecord> _failures = new();
    private string? _sourcePath;
    private readonly string _holder = TargetLease.NewHolderIdentity();

    // Where the background work of the current RunAsync call posts (the drop folder, shared by every call, warns here).
    private volatile PipelineSink? _sink;

    protected override void BeginProcessing()
    {
        base.BeginProcessing();
        if ((Issuer is null) == (SourcePath is null) && !(RenewCertManager && Issuer is null))
        {
            ThrowTerminatingError(new ErrorRecord(
                new ArgumentException(Issuer is null
                    ? "Give where certificates come from: -Issuer (a script block that asks a CA) or -SourcePath (a folder of PFX or PEM files); or -RenewCertManager alone to renew only cert-manager's."
                    : "Give -Issuer or -SourcePath, not both: each run takes certificates from one source."),
                Issuer is null ? "SyncSourceMissing" : "SyncSourceAmbiguous", ErrorCategory.InvalidArgument, Issuer is null ? "-Issuer" : SourcePath));
        }

        if (Password is not null && SourcePath is null)
        {
            ThrowTerminatingError(new ErrorRecord(new ArgumentException("-Password is the password of the PFX files in -SourcePath; it has no use with -Issuer."),
                "PasswordWithoutSourcePath", ErrorCategory.InvalidArgument, "-Password"));
        }

        foreach (string ns in Namespace ?? [])
        {
            if (KubernetesNames.CheckNamespace(nameof(Namespace), ns, wildcards: true) is { } invalid)
            {
                ThrowTerminatingError(invalid);
            }
        }

        if (SourcePath is not null)
        {
            _sourcePath = GetUnresolvedProviderPathFromPSPath(SourcePath);
            if (!Directory.Exists(_sourcePath) && !File.Exists(_sourcePath))
            {
                ThrowTerminatingError(new ErrorRecord(new ItemNotFoundException($"-SourcePath '{_sourcePath}' does not exist."), "SourcePathNotFound", ErrorCategory.ObjectNotFound, SourcePath));
            }
        }
    }

    /// <summary>A stopped run releases its Leases and deletes the requests it made before the command ends, even on a busy machine.</summary>
    protected override TimeSpan EarlyExitWait => TimeSpan.FromSeconds(30);

    protected override void ProcessRecord()
    {
        if (InputObject is not null)
        {
            _piped.Add(InputObject);
        }
    }

    protected override void EndProcessing()
    {
        var byContext = _piped.Count > 0
            ? _piped.GroupBy(r => ClusterContext(r.Context)).Select(g => (Connection: Connect(g.Key), References: (IReadOnlyList<IngressCertificate>)g.ToList())).ToList()
            : [];
        if (_piped.Count == 0)
        {
            var connection = Connect(ClusterContext(Context));
            byContext.Add((connection, Scan(connection)));
        }

        var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        char[] password = SecureStrings.Use(Password, chars => chars.ToArray());
        try
        {
            // The drop folder is read once for the whole run, whatever the number of targets and contexts.
            var dropFolder = _sourcePath is null ? null
                : new DropFolderSource(_sourcePath, password, IncludeRoot, WarnFromFolder, DiagnosticsRelay.Write);
            foreach (var (connection, references) in byContext)
            {
                Sync(connection, references, dropFolder, counts);
            }
        }
        finally
        {
            Array.Clear(password);
        }

        WriteInformation(new InformationRecord(
            $"Sync-IngressCertificate: {counts.Values.Sum()} reference(s): {(counts.Count == 0 ? "none" : string.Join(", ", counts.Select(c => $"{c.Value} {c.Key}")))}.", "Sync-IngressCertificate"));

        // Only now, with every target done and its result written: an error that stops the pipeline stops nothing else.
        foreach (var failure in _failures)
        {
            WriteError(failure);
        }
    }

    private IReadOnlyList<IngressCertificate> Scan(ClusterConnection connection)
    {
        var filter = new InventoryFilter(Name);
        var options = new InventoryOptions(DateTimeOffset.UtcNow, RenewWithinDays, TrustedRoots);
        try
        {
            return RunAsync(async sink =>
            {
                var scanner = new ClusterScanner(new ClusterReader(connection, m => sink.Post(() => WriteVerbose(m))), options, m => sink.Post(() => WriteVerbose(m)));
                // A namespace that does not exist (a typo) is said as Get says it, before anything is worked on.
                var namespaces = await ScanNamespacesAsync(scanner, connection, AllNamespaces, Namespace, sink).ConfigureAwait(false);

                var found = new List<IngressCertificate>();
                await foreach (var item in scanner.ScanAsync(namespaces, CancellationToken).ConfigureAwait(false))
                {
                    if (filter.Matches(item))
                    {
                        found.Add(item);
                    }
                }

                return (IReadOnlyList<IngressCertificate>)found;
            });
        }
        catch (KubeApiException ex)
        {
            ThrowTerminatingError(ToErrorRecord(ex, connection.ContextName));
            throw;
        }
    }

    private void Sync(ClusterConnection connection, IReadOnlyList<IngressCertificate> references, DropFolderSource? dropFolder, SortedDictionary<string, int> counts)
    {
        var targets = new List<SyncTarget>();
        var certManagerTargets = new List<SyncTarget>();
        bool hasSource = Issuer is not null || SourcePath is not null;
        foreach (var planned in SyncPlanner.Targets(references, RenewWithinDays, DateTimeOffset.UtcNow, RenewCertManager))
        {
            var target = planned.Decision.IsDue && !hasSource
                ? planned with { Decision = new SyncDecision(SyncAction.Skipped, $"{planned.Decision.Reason} Not renewed: without -Issuer or -SourcePath this run renews only cert-manager's Certificates (-RenewCertManager).") }
                : planned;
            if (target.Decision.RenewsCertManager)
            {
                var reference = target.Reference;
                string what = $"Ask cert-manager to re-issue Certificate {target.Namespace}/{reference.CertManagerCertificate} for Secret {target} ({reference.Kind} {reference.Namespace}/{reference.Name}, context '{connection.ContextName}'): {target.Decision.Reason}";
                if (ShouldProcess(what, what + "?", "Sync-IngressCertificate"))
                {
                    certManagerTargets.Add(target);
                }

                continue;
            }

            if (target.Decision.IsDue)
            {
                // The drop folder is only read, so -WhatIf looks into it (as the run will choose); -Issuer is never called here.
                string source = Issuer is not null ? "a certificate from -Issuer" : $"the newest fitting certificate in '{_sourcePath}'";
                string choice = dropFolder is null ? string.Empty : " " + dropFolder.Preview(target);
                string ingresses = string.Join(", ", target.References.Select(r => $"{r.Kind} {r.Namespace}/{r.Name}").Distinct(StringComparer.Ordinal));
                string what = $"{(target.Decision.Action == SyncAction.Created ? "Create" : "Renew")} Secret {target} ({ingresses}, context '{connection.ContextName}') for {string.Join(", ", target.Hosts)} with {source}: {target.Decision.Reason}{choice}";
                if (!ShouldProcess(what, what + "?", "Sync-IngressCertificate"))
                {
                    continue;
                }
            }

            targets.Add(target);
        }

        var options = new SyncOptions(RenewWithinDays, new PublishOptions(Force, HistoryLimit),
            Verify ? new VerifyOptions(TimeSpan.FromSeconds(TimeoutSeconds), Endpoint, Rollback: !NoRollback) : null,
            TimeSpan.FromSeconds(LeaseDurationSeconds), _holder, TrustedRoots);
        bool warningsMayStop = WarningsMayStop();
        RunAsync(async sink =>
        {
            _sink = sink;
            if (certManagerTargets.Count > 0)
            {
                await new CertManagerRenewal(connection, DiagnosticsRelay.Write)
                    .RunAllAsync(certManagerTargets, ThrottleLimit, outcome => sink.Post(() => Report(outcome, counts)), CancellationToken).ConfigureAwait(false);
            }

            ISyncSource source = !hasSource ? new NoSource()
                : dropFolder ?? (ISyncSource)new IssuerSource(new PendingRequestStore(connection, DiagnosticsRelay.Write), (request, c) => AskIssuerAsync(sink, request, c), IncludeRoot, w => sink.Post(() => WriteWarningUnasked(w)));
            var callbacks = new PublishCallbacks { Warning = w => sink.Post(() => WriteWarningUnasked(w)), Delivered = warningsMayStop ? c => DeliveredAsync(sink, c) : null };
            var runner = new SyncRunner(connection, source, options, DiagnosticsRelay.Write);
            await runner.RunAllAsync(targets, ThrottleLimit, callbacks, outcome => sink.Post(() => Report(outcome, counts)), CancellationToken).ConfigureAwait(false);
        });
        _sink = null;
    }

    /// <summary>
    /// A warning of the drop folder: posted to the pipeline thread while targets are worked on, written at once when the
    /// folder is read on it (the -WhatIf text looks into the folder before any work starts).
    /// </summary>
    private void WarnFromFolder(string warning)
    {
        if (_sink is { } sink)
        {
            sink.Post(() => WriteWarningUnasked(warning));
        }
        else
        {
            WriteWarningUnasked(warning);
        }
    }

    /// <summary>
    /// Whether a warning stops this command (-WarningAction Stop or Inquire, or $WarningPreference so when it is not
    /// given): then each target waits, before its first write, until the warnings said so far were written.
    /// </summary>
    private bool WarningsMayStop()
    {
        object? preference = MyInvocation.BoundParameters.TryGetValue("WarningAction", out var given) ? given : GetVariableValue("WarningPreference");
        return LanguagePrimitives.TryConvertTo<ActionPreference>(preference, out var action) && action is ActionPreference.Stop or ActionPreference.Inquire;
    }

    /// <summary>Completes once everything posted to <paramref name="sink"/> so far has run on the pipeline thread (cancelled when the command stops first).</summary>
    private static Task DeliveredAsync(PipelineSink sink, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        sink.Post(() => done.TrySetResult());
        return done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>The source of a run with only -RenewCertManager: its due targets were planned as Skipped, so it is never asked.</summary>
    private sealed class NoSource : ISyncSource
    {
        public Task<SourceAnswer> ObtainAsync(SyncTarget target, CancellationToken cancellationToken) =>
            Task.FromResult(SourceAnswer.Refused(new PublishRefusal("SyncSourceMissing", $"{target}: no -Issuer or -SourcePath was given.")));
    }

    private void Report(SyncOutcome outcome, SortedDictionary<string, int> counts)
    {
        var result = outcome.Result;
        counts[result.Action] = counts.GetValueOrDefault(result.Action) + 1;
        if (result.ErrorId is not null && !outcome.Repeated)
        {
            string target = $"{result.Namespace}/{result.SecretName}";
            _failures.Add(outcome.Error is KubeApiException kube && result.ErrorId == kube.Kind.ToString()
                ? ToErrorRecord(kube, target)
                : RefusalRecord(outcome.Refusal ?? new PublishRefusal(result.ErrorId, result.Reason), target));
        }

        WriteObject(result);
    }

    /// <summary>
    /// Runs -Issuer on the pipeline thread (script blocks are bound to their runspace) and hands its answer back to the
    /// background work; the targets of the other workers go on meanwhile.
    /// </summary>
    private Task<IReadOnlyList<X509Certificate2>?> AskIssuerAsync(PipelineSink sink, CertificateSigningRequest request, CancellationToken cancellationToken)
    {
        var answer = new TaskCompletionSource<IReadOnlyList<X509Certificate2>?>(TaskCreationOptions.RunContinuationsAsynchronously);

        // Whether the block was started decides what a stop leaves: before it, the CA never saw the request (it goes);
        // once it runs, the CA may hold it (it stays pending: IssuerInterruptedException). 0 waiting, 1 started, 2 stopped first.
        int started = 0;
        var registration = cancellationToken.Register(() =>
        {
            if (Interlocked.CompareExchange(ref started, 2, 0) == 0)
            {
                answer.TrySetCanceled(cancellationToken);
            }
            else
            {
                answer.TrySetException(new IssuerInterruptedException(cancellationToken));
            }
        });
        _ = answer.Task.ContinueWith(_ => registration.Dispose(), TaskScheduler.Default);
        sink.Post(() =>
        {
            if (Interlocked.CompareExchange(ref started, 1, 0) != 0)
            {
                return;
            }

            try
            {
                var view = PSObject.AsPSObject(request);
                view.TypeNames.Insert(0, CertificateSigningRequest.PSTypeName);
                answer.TrySetResult(ReadIssued(Issuer!.Invoke(view), request));
            }
            catch (PublishRefusedException ex)
            {
                answer.TrySetException(ex);
            }
            catch (PipelineStoppedException)
            {
                // Ctrl+C while the script block ran: the run stops, it is not the CA's failure, and the CA may hold the request.
                answer.TrySetException(new IssuerInterruptedException(cancellationToken.IsCancellationRequested ? cancellationToken : new CancellationToken(true)));
            }
            catch (Exception ex) when (ex is RuntimeException or ArgumentException or NotSupportedException or InvalidOperationException)
            {
                answer.TrySetException(new PublishRefusedException(new PublishRefusal("IssuerFailed",
                    $"-Issuer failed for Secret {request.Namespace}/{request.SecretName}: {ex.Message} The request stays pending; the next run asks again.")));
            }
        });
        return answer.Task;
    }

    /// <summary>The certificates in what -Issuer returned; null when it returned nothing (still pending at the CA).</summary>
    private List<X509Certificate2>? ReadIssued(Collection<PSObject> output, CertificateSigningRequest request)
    {
        var certificates = new List<X509Certificate2>();
        foreach (var item in output)
        {
            AddIssued(item?.BaseObject, item, certificates, request);
        }

        return certificates.Count == 0 ? null : certificates;
    }

    private void AddIssued(object? value, PSObject? wrapper, List<X509Certificate2> certificates, CertificateSigningRequest request)
    {
        try
        {
            switch (value)
            {
                case null:
                    return;
                case X509Certificate2 certificate:
                    certificates.Add(certificate);
                    return;
                case X509Certificate2Collection collection:
                    certificates.AddRange(collection);
                    return;
                case FileInfo file:
                    certificates.AddRange(CertificateSourceReader.Read(file.FullName));
                    return;
                case string text when text.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal):
                    certificates.AddRange(CertificateSourceReader.Read(text));
                    return;
                case string path when !string.IsNullOrWhiteSpace(path):
                    certificates.AddRange(CertificateSourceReader.Read(GetUnresolvedProviderPathFromPSPath(path)));
                    return;
                case IEnumerable items and not string:
                    foreach (object? item in items)
                    {
                        AddIssued(item is PSObject p ? p.BaseObject : item, item as PSObject, certificates, request);
                    }

                    return;
            }

            // An object naming files, as Posh-ACME's certificate object does.
            var properties = (wrapper ?? PSObject.AsPSObject(value)).Properties;
            string? named = new[] { "FullChainFile", "CertFile", "CertificatePath", "Path" }
                .Select(n => properties[n]?.Value?.ToString()).FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));
            if (named is null)
            {
                throw new InvalidDataException($"-Issuer returned a {value.GetType().Name}, which is no certificate, PEM text, path, or object with a FullChainFile, CertFile or CertificatePath property.");
            }

            certificates.AddRange(CertificateSourceReader.Read(GetUnresolvedProviderPathFromPSPath(named)));
            if (properties["ChainFile"]?.Value?.ToString() is { Length: > 0 } chain && properties["FullChainFile"]?.Value is null)
            {
                certificates.AddRange(CertificateSourceReader.Read(GetUnresolvedProviderPathFromPSPath(chain)));
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException
            or ArgumentException or NotSupportedException or ItemNotFoundException or System.Management.Automation.DriveNotFoundException or ProviderNotFoundException)
        {
            throw new PublishRefusedException(new PublishRefusal("InvalidIssuerAnswer",
                $"What -Issuer returned for Secret {request.Namespace}/{request.SecretName} is not a certificate: {ex.Message} The request stays pending."));
        }
    }
}
