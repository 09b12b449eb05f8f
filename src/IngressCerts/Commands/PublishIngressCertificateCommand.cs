using System.Management.Automation;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using IngressCerts.Commands.Infrastructure;
using IngressCerts.Engine.Certificates;
using IngressCerts.Engine.Inventory;
using IngressCerts.Engine.Kubernetes;
using IngressCerts.Engine.Publishing;
using k8s;
using k8s.Models;

namespace IngressCerts.Commands;

/// <summary>Puts a certificate and key into a kubernetes.io/tls Secret and, optionally, wires it into an Ingress.</summary>
[Cmdlet(VerbsData.Publish, "IngressCertificate", HelpUri = HelpLinks.Cmdlets + "Publish-IngressCertificate.md", DefaultParameterSetName = PfxSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(PublishResult), typeof(string))]
public sealed class PublishIngressCertificateCommand : PublishingCmdlet
{
    private const string CertificateSet = "Certificate";
    private const string PfxSet = "Pfx";
    private const string PemFileSet = "PemFile";
    private const string PemTextSet = "PemText";

    /// <summary>A certificate with its private key (e.g. from the Cert: drive).</summary>
    [Parameter(Mandatory = true, ParameterSetName = CertificateSet, ValueFromPipeline = true)]
    [ValidateNotNull]
    public X509Certificate2? Certificate { get; set; }

    /// <summary>More certificates of the chain, in any order.</summary>
    [Parameter(ParameterSetName = CertificateSet, ValueFromPipelineByPropertyName = true)]
    public X509Certificate2[]? Chain { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = PfxSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PfxFullChain", "PfxFile", "FullName")]
    [ValidateNotNullOrEmpty]
    public string? PfxPath { get; set; }

    [Parameter(ParameterSetName = PfxSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PfxPass")]
    public SecureString? Password { get; set; }

    /// <summary>The certificate (leaf or full chain) as a PEM or DER file.</summary>
    [Parameter(Mandatory = true, ParameterSetName = PemFileSet, ValueFromPipelineByPropertyName = true)]
    [Alias("FullChainFile", "CertFile")]
    [ValidateNotNullOrEmpty]
    public string? CertificatePath { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = PemFileSet, ValueFromPipelineByPropertyName = true)]
    [Alias("KeyFile")]
    [ValidateNotNullOrEmpty]
    public string? KeyPath { get; set; }

    [Parameter(ParameterSetName = PemFileSet, ValueFromPipelineByPropertyName = true)]
    [Alias("ChainFile")]
    public string? ChainPath { get; set; }

    /// <summary>The certificate (leaf or full chain) as PEM text.</summary>
    [Parameter(Mandatory = true, ParameterSetName = PemTextSet, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? CertificatePem { get; set; }

    /// <summary>The private key as PEM text: a SecureString (e.g. a Key Vault secret value) or a string.</summary>
    [Parameter(Mandatory = true, ParameterSetName = PemTextSet, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNull]
    public object? KeyPem { get; set; }

    [Parameter(ParameterSetName = PemTextSet, ValueFromPipelineByPropertyName = true)]
    public string? ChainPem { get; set; }

    /// <summary>The password of an encrypted PEM key (ENCRYPTED PRIVATE KEY); the key is published decrypted.</summary>
    [Parameter(ParameterSetName = PemFileSet)]
    [Parameter(ParameterSetName = PemTextSet)]
    public SecureString? KeyPassword { get; set; }

    /// <summary>The Secret's namespace (and the Ingress's); default: the context's namespace, as kubectl.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(NamespaceCompleter))]
    public string? Namespace { get; set; }

    /// <summary>The Secret to write; inventory rows without one (DefaultCertificate) bind null and get a clear error.</summary>
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

    /// <summary>Wire the Secret into this Ingress's spec.tls.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(IngressNameCompleter))]
    public string? IngressName { get; set; }

    /// <summary>Wire the Secret into this Gateway's HTTPS/TLS listeners (gateway.networking.k8s.io/v1) instead of an
    /// Ingress; bound from Get-IngressCertificate objects of Kind Gateway (null for other kinds).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [AllowNull]
    [AllowEmptyString]
    public string? GatewayName { get; set; }

    /// <summary>The Gateway's namespace; default: -Namespace (for piped Gateway objects, the Gateway's own).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(NamespaceCompleter))]
    public string? GatewayNamespace { get; set; }

    /// <summary>The listener to wire; default: the HTTPS/TLS listeners whose hostname covers -Host (or the certificate).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [AllowNull]
    [AllowEmptyString]
    public string? ListenerName { get; set; }

    /// <summary>Create or extend the ReferenceGrant that a Secret in another namespace than the Gateway needs.</summary>
    [Parameter]
    public SwitchParameter GrantReference { get; set; }

    /// <summary>Hosts to wire (and which the certificate must cover); default: the Ingress rule hosts it covers.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Hosts")]
    public new string[]? Host { get; set; }

    /// <summary>The kube context; bound from piped Get/Publish results so each goes back to its own cluster.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ContextCompleter))]
    public string? Context { get; set; }

    /// <summary>Write the Secret (and changed Ingress) as YAML for kubectl apply; change nothing.</summary>
    [Parameter]
    public SwitchParameter AsManifest { get; set; }

    /// <summary>With -AsManifest: manifest files to read the Ingress and Secret from instead of a cluster.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Path { get; set; }

    protected override void BeginProcessing()
    {
        base.BeginProcessing();
        if (Path is not null && !AsManifest)
        {
            ThrowTerminatingError(new ErrorRecord(new ArgumentException("-Path works with -AsManifest only: a publish to manifest files changes no cluster."),
                "PathWithoutAsManifest", ErrorCategory.InvalidArgument, Path));
        }
    }

    protected override void ProcessRecord()
    {
        if (string.IsNullOrWhiteSpace(SecretName))
        {
            WriteError(new ErrorRecord(
                new ArgumentException($"No Secret to publish to{(Namespace is null ? string.Empty : " in namespace '" + Namespace + "'")}: {SecretlessReference.Why(Kind ?? string.Empty, Findings, SecretWriter.Publish)}"),
                "NoSecretName", ErrorCategory.InvalidArgument, (object?)Namespace ?? IngressName ?? "-SecretName"));
            return;
        }

        // A name the API server cannot hold is refused before any request, naming it.
        string? gatewayName = string.IsNullOrEmpty(GatewayName) ? null : GatewayName;
        string? listenerName = string.IsNullOrEmpty(ListenerName) ? null : ListenerName;
        if ((KubernetesNames.CheckNamespace(nameof(Namespace), Namespace)
            ?? KubernetesNames.CheckNamespace(nameof(SecretNamespace), SecretNamespace)
            ?? KubernetesNames.CheckNamespace(nameof(GatewayNamespace), GatewayNamespace)
            ?? KubernetesNames.CheckObjectName(nameof(SecretName), SecretName)
            ?? KubernetesNames.CheckObjectName(nameof(IngressName), IngressName)
            ?? KubernetesNames.CheckObjectName(nameof(GatewayName), gatewayName)
            ?? KubernetesNames.CheckObjectName(nameof(ListenerName), listenerName)) is { } invalid)
        {
            WriteError(invalid);
            return;
        }

        if (GatewayTargetProblem(SecretName!, IngressName, gatewayName, listenerName, GrantReference, GatewayNamespace) is { } mismatch)
        {
            WriteError(mismatch);
            return;
        }

        // Piped Gateway objects carry the Gateway's namespace in Namespace and the Secret's in SecretNamespace.
        string? gatewayNamespace = GatewayNamespace ?? (SecretNamespace is not null ? Namespace : null);
        Namespace ??= SecretNamespace ?? (AsManifest && Path is not null ? "default" : Connect(ClusterContext(Context)).DefaultNamespace);
        string secretNamespace = SecretNamespace ?? Namespace;
        string targetName = $"{secretNamespace}/{SecretName}";
        if (IngressName is not null && secretNamespace != Namespace)
        {
            WriteError(new ErrorRecord(new ArgumentException($"An Ingress can only use a Secret in its own namespace; Secret {targetName} is not in '{Namespace}'."),
                "CrossNamespaceSecret", ErrorCategory.InvalidArgument, targetName));
            return;
        }

        string[]? hosts = null;
        if (Host is { Length: > 0 })
        {
            hosts = new string[Host.Length];
            for (int i = 0; i < Host.Length; i++)
            {
                if (!IngressHostName.TryNormalize(Host[i], out hosts[i], out string? problem))
                {
                    WriteError(new ErrorRecord(new ArgumentException($"Not publishing to Secret {targetName}: {problem}."),
                        "InvalidHost", ErrorCategory.InvalidArgument, targetName));
                    return;
                }
            }
        }

        var target = new PublishTarget(secretNamespace, SecretName!, IngressName, hosts)
        {
            GatewayName = gatewayName,
            GatewayNamespace = gatewayName is null ? null : gatewayNamespace ?? secretNamespace,
            ListenerName = listenerName,
            GrantReference = GrantReference,
        };
        using var bundle = BuildBundle(targetName);
        if (bundle is null)
        {
            return;
        }

        var now = DateTimeOffset.UtcNow;
        if (!CheckBundle(bundle, target, targetName, now))
        {
            return;
        }

        using var payload = new PublishPayload(bundle.Leaf, bundle.TlsCrtPem, bundle.GetTlsKeyPemBytes());
        if (AsManifest)
        {
            WriteManifest(target, payload, now, targetName);
            return;
        }

        if (PublishToCluster(Connect(ClusterContext(Context)), target, payload, targetName, "Publish-IngressCertificate") is { } published)
        {
            WriteObject(published);
        }
    }

    private CertificateBundle? BuildBundle(string targetName)
    {
        try
        {
            switch (ParameterSetName)
            {
                case CertificateSet:
                    return CertificateBundle.FromCertificate(Certificate!, Chain, IncludeRoot);
                case PfxSet:
                    string pfx = ResolveFile(PfxPath!);
                    return SecureStrings.Use(Password, chars => CertificateBundle.FromPfxFile(pfx, chars, IncludeRoot, CancellationToken));
                case PemFileSet:
                    string keyFile = ResolveFile(KeyPath!);
                    byte[] key = Unlock(File.ReadAllBytes(keyFile));
                    try
                    {
                        return CertificateBundle.FromPem(
                            File.ReadAllBytes(ResolveFile(CertificatePath!)),
                            key,
                            ChainPath is null ? default : File.ReadAllBytes(ResolveFile(ChainPath)),
                            IncludeRoot,
                            $"'{keyFile}' (-KeyPath)");
                    }
                    finally
                    {
                        Array.Clear(key);
                    }

                default:
                    return KeyPem switch
                    {
                        SecureString secure => FromPemWithSecureKey(secure),
                        PSObject { BaseObject: SecureString secure } => FromPemWithSecureKey(secure),
                        _ when KeyPassword is not null => FromPemKeyBytes(Encoding.UTF8.GetBytes(LanguagePrimitives.ConvertTo<string>(KeyPem))),
                        _ => CertificateBundle.FromPem(CertificatePem!, LanguagePrimitives.ConvertTo<string>(KeyPem), ChainPem, IncludeRoot, KeyPemSource),
                    };
            }
        }
        catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
        {
            // Ctrl+C while a PFX's keys were being derived: nothing was written.
            throw new PipelineStoppedException();
        }
        catch (Exception ex) when (ex is CertificateBundleException or System.Security.Cryptography.CryptographicException)
        {
            WriteError(new ErrorRecord(new InvalidDataException($"Cannot publish to Secret {targetName}: {ex.Message}", ex),
                "InvalidCertificateInput", ErrorCategory.InvalidData, targetName));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ItemNotFoundException)
        {
            WriteError(new ErrorRecord(ex, "CertificateFileNotFound", ErrorCategory.ObjectNotFound, targetName));
        }

        return null;
    }

    private const string KeyPemSource = "the key given as -KeyPem";

    // The key goes from the SecureString to bytes that are wiped after use; no string copy of it is made.
    private CertificateBundle FromPemWithSecureKey(SecureString secure) => SecureStrings.Use(secure, chars => FromPemKeyBytes(Encoding.UTF8.GetBytes(chars)));

    // Takes the key bytes over and wipes them (and their decrypted form) after use.
    private CertificateBundle FromPemKeyBytes(byte[] key)
    {
        byte[] bytes = Unlock(key);
        try
        {
            return CertificateBundle.FromPem(Encoding.UTF8.GetBytes(CertificatePem!), bytes, ChainPem is null ? default : Encoding.UTF8.GetBytes(ChainPem), IncludeRoot, KeyPemSource);
        }
        finally
        {
            Array.Clear(bytes);
        }
    }

    /// <summary>With -KeyPassword, the key decrypted (its encrypted form wiped); without, the key as given.</summary>
    private byte[] Unlock(byte[] key)
    {
        if (KeyPassword is null)
        {
            return key;
        }

        try
        {
            return SecureStrings.Use(KeyPassword, chars => EncryptedKeyReader.Decrypt(key, chars));
        }
        finally
        {
            Array.Clear(key);
        }
    }

    private string ResolveFile(string path)
    {
        string resolved = GetUnresolvedProviderPathFromPSPath(path);
        if (!File.Exists(resolved))
        {
            throw new ItemNotFoundException($"The file '{resolved}' does not exist.");
        }

        return resolved;
    }

    private void WriteManifest(PublishTarget target, PublishPayload payload, DateTimeOffset now, string targetName)
    {
        PublishState state;
        string context;
        if (Path is not null)
        {
            if (ReadStateFromFiles(target) is not { } read)
            {
                return;
            }

            state = read;
            context = string.Join(", ", Path);
        }
        else
        {
            var connection = Connect(ClusterContext(Context));
            context = connection.ContextName;
            try
            {
                var publisher = new Publisher(new ClusterWriter(connection), new PublishOptions(Force, HistoryLimit), DiagnosticsRelay.Write);
                state = RunAsync(_ => publisher.ReadStateAsync(target, CancellationToken));
            }
            catch (KubeApiException ex)
            {
                WriteError(ToErrorRecord(ex, targetName));
                return;
            }
        }

        var plan = PublishPlanner.Plan(target, state, payload, new PublishOptions(Force, HistoryLimit), now);
        if (!ReportPlan(plan.Warnings, plan.Refusal, targetName))
        {
            return;
        }

        // The manifest holds the key: -WhatIf says what it would hold and writes nothing.
        string description = ManifestWriter.Describe(plan);
        if (!ShouldProcess(description, description + "?", "Publish-IngressCertificate -AsManifest"))
        {
            return;
        }

        WriteVerbose($"Writing a manifest for Secret {targetName} ({payload.Thumbprint}) from {context}; nothing is changed in any cluster.");
        WriteObject(ManifestWriter.ToYaml(plan, payload));
    }

    // Null (with the errors written) when a file cannot be read or the target's objects in it cannot: either may hide
    // a Secret that must not be overwritten, so the publish does not go on as if it were absent.
    private PublishState? ReadStateFromFiles(PublishTarget target)
    {
        var files = new List<string>();
        foreach (string path in Path!)
        {
            try
            {
                files.AddRange(GetResolvedProviderPathFromPSPath(path, out _));
            }
            catch (Exception ex) when (ex is ItemNotFoundException or ProviderNotFoundException or System.Management.Automation.DriveNotFoundException)
            {
                WriteError(new ErrorRecord(ex, "PathNotFound", ErrorCategory.ObjectNotFound, path));
                return null;
            }
        }

        var read = ManifestState.Read(files, target);
        foreach (var problem in read.Problems)
        {
            WriteManifestError(problem);
        }

        return read.State;
    }
}
