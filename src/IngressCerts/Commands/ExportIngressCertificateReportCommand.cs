using System.Management.Automation;
using System.Text;
using IngressCerts.Engine.Reporting;
using IngressCerts.Commands.Infrastructure;

namespace IngressCerts.Commands;

/// <summary>
/// Writes a report (HTML, Markdown, Prometheus text or JSON) of what Get-, Test- (and any object with the same
/// property names) put on the pipeline. Each object becomes one small row as it arrives; the report is written at
/// the end, to -Path or as one string to the output.
/// </summary>
[Cmdlet(VerbsData.Export, "IngressCertificateReport", HelpUri = HelpLinks.Cmdlets + "Export-IngressCertificateReport.md")]
[OutputType(typeof(string))]
public sealed class ExportIngressCertificateReportCommand : PSCmdlet
{
    /// <summary>An IngressCertificate, a CertificateTestResult, or an object with their property names.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    public PSObject? InputObject { get; set; }

    [Parameter(Mandatory = true, Position = 0)]
    public ReportFormat Format { get; set; }

    /// <summary>The file to write (replaced if it exists); without it the report is written to the output.</summary>
    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Title { get; set; } = "Ingress certificates";

    /// <summary>The time the report describes (days left, expired, timeline); default now. Give Get's -AsOf here too.</summary>
    [Parameter]
    public DateTime AsOf { get; set; }

    private readonly List<ReportRow> _rows = new();
    private string? _file;

    protected override void BeginProcessing()
    {
        if (Path is null)
        {
            return;
        }

        // Checked before any input is read: a report that cannot be written should not cost the scan first.
        try
        {
            _file = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path, out ProviderInfo provider, out _);
            if (provider.ImplementingType != typeof(Microsoft.PowerShell.Commands.FileSystemProvider))
            {
                ThrowTerminatingError(new ErrorRecord(
                    new ArgumentException($"Cannot write the report to '{Path}': it is a {provider.Name} path, not a file."), "ReportPathInvalid", ErrorCategory.InvalidArgument, Path));
            }
        }
        catch (Exception ex) when (ex is ProviderNotFoundException or System.Management.Automation.DriveNotFoundException or NotSupportedException or PSInvalidOperationException)
        {
            ThrowTerminatingError(new ErrorRecord(ex, "ReportPathInvalid", ErrorCategory.InvalidArgument, Path));
        }

        if (Directory.Exists(_file))
        {
            ThrowTerminatingError(new ErrorRecord(
                new IOException($"Cannot write the report to '{_file}': it is a directory."), "ReportPathIsDirectory", ErrorCategory.InvalidArgument, Path));
        }

        string? folder = System.IO.Path.GetDirectoryName(_file);
        if (string.IsNullOrEmpty(folder) || !Directory.Exists(folder))
        {
            ThrowTerminatingError(new ErrorRecord(
                new DirectoryNotFoundException($"Cannot write the report to '{_file}': the folder '{folder}' does not exist."), "ReportFolderNotFound", ErrorCategory.ObjectNotFound, Path));
        }
    }

    protected override void ProcessRecord()
    {
        var row = InputObject?.BaseObject switch
        {
            IngressCertificate reference => ReportRows.From(reference),
            CertificateTestResult result => ReportRows.From(result),
            _ => ReportRows.FromProperties(InputObject!, InputObject!.TypeNames.FirstOrDefault() ?? string.Empty, Member),
        };
        if (row is null)
        {
            WriteError(new ErrorRecord(
                new ArgumentException($"Cannot report on a {InputObject?.BaseObject.GetType().Name}: give the output of Get-IngressCertificate or Test-IngressCertificate, or objects with a Name (or SecretName or Host) and a Status (or Passed) property."),
                "UnsupportedReportInput",
                ErrorCategory.InvalidType,
                InputObject));
            return;
        }

        _rows.Add(row);
    }

    protected override void EndProcessing()
    {
        DateTimeOffset asOf = MyInvocation.BoundParameters.ContainsKey(nameof(AsOf))
            ? new DateTimeOffset(AsOf.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(AsOf, DateTimeKind.Local) : AsOf)
            : DateTimeOffset.UtcNow;
        var document = new ReportDocument(Title, asOf, _rows);
        if (_file is null)
        {
            var text = new StringWriter();
            ReportWriter.Write(Format, document, text);
            WriteObject(text.ToString());
            return;
        }

        WriteFile(document, _file);
    }

    // Written beside the target and moved over it, so a failure never leaves half a report where the last one was.
    private void WriteFile(ReportDocument document, string file)
    {
        string temporary = file + ".tmp-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            using (var writer = new StreamWriter(temporary, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)))
            {
                ReportWriter.Write(Format, document, writer);
            }

            File.Move(temporary, file, overwrite: true);
            WriteVerbose($"Wrote a {Format} report of {document.Rows.Count} references to '{file}'.");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            TryDelete(temporary);
            WriteError(new ErrorRecord(new IOException($"Cannot write the report to '{file}': {ex.Message}", ex), "ReportWriteFailed", ErrorCategory.WriteError, Path));
        }
    }

    private static void TryDelete(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Nothing more to do: the error about the write is what the user needs.
        }
    }

    // A property of a PowerShell object, unwrapped; also reads the members of nested objects (a finding's Id).
    private static object? Member(object target, string name)
    {
        var value = PSObject.AsPSObject(target).Properties[name]?.Value;
        return value is PSObject wrapped ? wrapped.BaseObject : value;
    }
}
