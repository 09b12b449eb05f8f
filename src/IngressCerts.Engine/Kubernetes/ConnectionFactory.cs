using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s;
using k8s.Exceptions;
using k8s.KubeConfigModels;

namespace IngressCerts.Engine.Kubernetes;

/// <summary>
/// Resolves <see cref="ConnectionOptions"/> into clients the way kubectl does: explicit server, else kubeconfig
/// files, else the pod's service account. Never falls back to localhost.
/// </summary>
public sealed class ConnectionFactory
{
    /// <summary>The process-wide factory; its cache lives as long as the PowerShell session.</summary>
    public static ConnectionFactory Shared { get; } = new();

    // Cache of clients per configuration and context. Keys include the kubeconfig files' write times so an edited
    // kubeconfig takes effect without restarting the session; a token appears only as a hash.
    private readonly ConcurrentDictionary<string, ClusterConnection> _cache = new(StringComparer.Ordinal);

    private readonly Func<string, string?> _environment;
    private readonly string? _home;
    private readonly TimeProvider _clock;

    /// <param name="environment">Reads environment variables (KUBECONFIG, in-cluster variables); tests give their own.</param>
    /// <param name="homeDirectory">Where ~/.kube/config is looked for.</param>
    /// <param name="clock">Decides when an exec plugin's credential nears expiry; tests move it instead of waiting.</param>
    public ConnectionFactory(Func<string, string?>? environment = null, string? homeDirectory = null, TimeProvider? clock = null)
    {
        _environment = environment ?? Environment.GetEnvironmentVariable;
        _home = homeDirectory ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>Context names from the kubeconfig files in effect (for tab completion and wildcards).</summary>
    public IReadOnlyList<string> ListContexts(IReadOnlyList<string>? kubeConfigPaths)
    {
        var files = KubeConfigLocator.Locate(kubeConfigPaths, _environment("KUBECONFIG"), _home);
        if (files.Count == 0)
        {
            return Array.Empty<string>();
        }

        var config = LoadKubeConfig(files);
        return config.Contexts?.Select(c => c.Name).Where(n => !string.IsNullOrEmpty(n)).ToList() ?? new List<string>();
    }

    /// <summary>The kubeconfig's current-context, or null.</summary>
    public string? CurrentContext(IReadOnlyList<string>? kubeConfigPaths)
    {
        var files = KubeConfigLocator.Locate(kubeConfigPaths, _environment("KUBECONFIG"), _home);
        return files.Count == 0 ? null : LoadKubeConfig(files).CurrentContext;
    }

    /// <summary>Returns a (cached) connection for the options.</summary>
    /// <exception cref="KubeConfigurationException">No configuration found, or it is invalid.</exception>
    public ClusterConnection Connect(ConnectionOptions options)
    {
        if (!string.IsNullOrEmpty(options.Server))
        {
            return ConnectToServer(options);
        }

        string? variable = _environment("KUBECONFIG");
        var files = KubeConfigLocator.Locate(options.KubeConfigPaths, variable, _home);
        if (files.Count > 0)
        {
            return ConnectWithKubeConfig(files, options.Context);
        }

        if (IsInCluster())
        {
            return _cache.GetOrAdd("in-cluster", _ => Build(KubernetesClientConfiguration.InClusterConfig(), "in-cluster", "in-cluster", "serviceaccount"));
        }

        throw new KubeConfigurationException(KubeErrorKind.KubeConfigNotFound, NotFoundMessage(variable));
    }

    /// <summary>
    /// Why no configuration was found. When KUBECONFIG is set, its files are named: none of them exists (kubectl skips
    /// such entries, and does not fall back to ~/.kube/config), which is most often a typo or a file not yet made.
    /// </summary>
    private static string NotFoundMessage(string? variable)
    {
        var named = string.IsNullOrWhiteSpace(variable) ? []
            : variable.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return named.Length == 0
            ? "No Kubernetes configuration was found: give -KubeConfigPath, set KUBECONFIG, create ~/.kube/config, " +
              "run inside a pod with a service account, or give -Server with -Token."
            : $"No Kubernetes configuration was found: KUBECONFIG names {string.Join(", ", named.Select(n => $"'{n}'"))}, " +
              $"{(named.Length == 1 ? "which does not exist" : "none of which exists")} (~/.kube/config is not read while KUBECONFIG is set). " +
              "Correct or unset KUBECONFIG, give -KubeConfigPath, or give -Server with -Token.";
    }

    private bool IsInCluster() =>
        !string.IsNullOrEmpty(_environment("KUBERNETES_SERVICE_HOST"))
        && !string.IsNullOrEmpty(_environment("KUBERNETES_SERVICE_PORT"))
        && File.Exists("/var/run/secrets/kubernetes.io/serviceaccount/token");

    private ClusterConnection ConnectToServer(ConnectionOptions options)
    {
        if (!Uri.TryCreate(options.Server, UriKind.Absolute, out var uri) || (uri.Scheme != "https" && uri.Scheme != "http"))
        {
            throw new KubeConfigurationException(KubeErrorKind.KubeConfigInvalid, $"The server '{options.Server}' is not an http(s) URL.");
        }

        if (uri.Scheme == Uri.UriSchemeHttp && !string.IsNullOrEmpty(options.Token))
        {
            throw PlainHttpRefusal(options.Server!, "a token");
        }

        string key = string.Join('\n', "server", uri.AbsoluteUri, options.CertificateAuthority ?? string.Empty, Hash(options.Token));
        return _cache.GetOrAdd(key, _ =>
        {
            var config = new KubernetesClientConfiguration { Host = uri.AbsoluteUri.TrimEnd('/') };
            if (!string.IsNullOrEmpty(options.Token))
            {
                config.AccessToken = options.Token;
            }

            if (!string.IsNullOrEmpty(options.CertificateAuthority))
            {
                try
                {
                    config.SslCaCerts = CertificateSourceReader.Read(options.CertificateAuthority);
                }
                catch (InvalidDataException ex)
                {
                    throw new KubeConfigurationException(KubeErrorKind.KubeConfigInvalid, "-CertificateAuthority: " + ex.Message, ex);
                }
            }

            return Build(config, uri.AbsoluteUri.TrimEnd('/'), uri.Host, string.IsNullOrEmpty(options.Token) ? "anonymous" : "token");
        });
    }

    private ClusterConnection ConnectWithKubeConfig(IReadOnlyList<string> files, string? context)
    {
        string key = string.Join('\n', files.Select(f => f + "@" + File.GetLastWriteTimeUtc(f).Ticks)) + "\ncontext=" + context;
        if (_cache.TryGetValue(key, out var cached) && !cached.NeedsNewCredential(_clock.GetUtcNow()))
        {
            return cached;
        }

        var kubeConfig = LoadKubeConfig(files);
        string contextName = context ?? kubeConfig.CurrentContext ?? string.Empty;
        if (string.IsNullOrEmpty(contextName))
        {
            throw new KubeConfigurationException(
                KubeErrorKind.ContextNotFound,
                $"The kubeconfig ({string.Join(", ", files)}) has no current-context; give -Context.");
        }

        var ctx = kubeConfig.Contexts?.FirstOrDefault(c => c.Name == contextName)
            ?? throw new KubeConfigurationException(
                KubeErrorKind.ContextNotFound,
                $"The context '{contextName}' is not in the kubeconfig ({string.Join(", ", files)}).");

        RefuseCredentialsOverPlainHttp(kubeConfig, ctx);
        ClusterConnection connection;
        try
        {
            var exec = TakeExecPlugin(kubeConfig, ctx);
            ExecCredential? execCredential = null;
            if (exec is not null)
            {
                execCredential = ExecCredentialPlugin.RunAsync(exec.Plugin, CancellationToken.None).GetAwaiter().GetResult();
                UseCredential(exec.Credentials, execCredential);
            }

            var config = KubernetesClientConfiguration.BuildConfigFromConfigObject(kubeConfig, contextName);
            if (exec is not null && execCredential!.Token is not null)
            {
                config.TokenProvider = new ExecTokenCache(execCredential, ct => ExecCredentialPlugin.RunAsync(exec.Plugin, ct), _clock);
            }

            // A client certificate from the plugin sits in the client's TLS handler, which cannot swap it: the
            // connection is rebuilt (running the plugin again) once the certificate nears its expiry.
            DateTimeOffset? renewAfter = execCredential is { HasClientCertificate: true, Expires: { } expires }
                ? expires - ExecTokenCache.RenewalMargin
                : null;

            // Inside the try: the client reads the client certificate and key here, and bad ones are bad input.
            connection = Build(config, contextName, ctx.ContextDetails?.Cluster ?? contextName, ctx.ContextDetails?.User ?? "(none)", renewAfter);
        }
        catch (Exception ex) when (ex is KubeConfigException or ArgumentException or FormatException or CryptographicException or IOException)
        {
            throw new KubeConfigurationException(
                KubeErrorKind.KubeConfigInvalid,
                $"The kubeconfig context '{contextName}' cannot be used: {ex.Message}",
                ex);
        }

        return _cache.AddOrUpdate(key, connection, (_, existing) => existing.NeedsNewCredential(_clock.GetUtcNow()) ? connection : existing);
    }

    /// <summary>
    /// Refuses a context whose server is plain http while its user has credentials, as -Server http:// with -Token is
    /// refused: they would cross the network in clear. Checked before an exec plugin runs, so that none is fetched.
    /// Names are found as the library finds them (ignoring case).
    /// </summary>
    private static void RefuseCredentialsOverPlainHttp(K8SConfiguration kubeConfig, Context ctx)
    {
        string? clusterName = ctx.ContextDetails?.Cluster;
        string? server = kubeConfig.Clusters?.FirstOrDefault(c => string.Equals(c.Name, clusterName, StringComparison.OrdinalIgnoreCase))?.ClusterEndpoint?.Server;
        if (!Uri.TryCreate(server, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp)
        {
            return;
        }

        string? userName = ctx.ContextDetails?.User;
        var user = kubeConfig.Users?.FirstOrDefault(u => string.Equals(u.Name, userName, StringComparison.OrdinalIgnoreCase))?.UserCredentials;
        bool hasCredentials = user is not null
            && (!string.IsNullOrEmpty(user.Token) || !string.IsNullOrEmpty(user.UserName) || !string.IsNullOrEmpty(user.Password)
                || user.ExternalExecution is not null || user.AuthProvider is not null);
        if (hasCredentials)
        {
            throw PlainHttpRefusal(server!, $"the credentials of kubeconfig user '{userName}' (context '{ctx.Name}')");
        }
    }

    private static KubeConfigurationException PlainHttpRefusal(string server, string what) =>
        new(KubeErrorKind.KubeConfigInvalid, $"Refusing to send {what} to '{server}' over plain http: use the server's https address.");

    /// <summary>The context's user entry and its exec plugin, if it has one.</summary>
    private sealed record ExecUser(UserCredentials Credentials, ExternalExecution Plugin);

    /// <summary>
    /// Detaches the exec plugin from the context's user so that the client library does not run it while building
    /// the configuration: its own token provider would then run it a second time for the first request, and each
    /// run of a cloud CLI costs seconds. The configuration was loaded for this connection alone, so changing it is
    /// safe. The user is found as the library finds it (names compared ignoring case).
    /// </summary>
    private static ExecUser? TakeExecPlugin(K8SConfiguration kubeConfig, Context ctx)
    {
        string? userName = ctx.ContextDetails?.User;
        if (string.IsNullOrWhiteSpace(userName))
        {
            return null;
        }

        var credentials = kubeConfig.Users?.FirstOrDefault(u => string.Equals(u.Name, userName, StringComparison.OrdinalIgnoreCase))?.UserCredentials;
        if (credentials?.ExternalExecution is not { } plugin)
        {
            return null;
        }

        credentials.ExternalExecution = null;
        return new ExecUser(credentials, plugin);
    }

    /// <summary>Puts the plugin's answer where the library applies it, with the precedence the library gives exec credentials.</summary>
    private static void UseCredential(UserCredentials credentials, ExecCredential credential)
    {
        credentials.Token = credential.Token;
        credentials.ClientCertificateData = credential.HasClientCertificate ? Base64(credential.ClientCertificatePem!) : null;
        credentials.ClientKeyData = credential.HasClientCertificate ? Base64(credential.ClientKeyPem!) : null;
    }

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    /// <summary>Loads and merges kubeconfig files as kubectl does: the first file to define a name wins.</summary>
    private static K8SConfiguration LoadKubeConfig(IReadOnlyList<string> files)
    {
        K8SConfiguration? merged = null;
        foreach (string file in files)
        {
            K8SConfiguration one;
            try
            {
                // An empty file reads as no configuration at all, as kubectl reads it: no contexts.
                one = KubeConfigReader.Read(File.ReadAllText(file)) ?? new K8SConfiguration();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                throw new KubeConfigurationException(
                    KubeErrorKind.KubeConfigInvalid,
                    $"The kubeconfig '{file}' cannot be read: {ex.Message}",
                    ex);
            }

            AnchorRelativePaths(one, Path.GetDirectoryName(file)!);
            if (merged is null)
            {
                merged = one;
                continue;
            }

            merged.CurrentContext ??= one.CurrentContext;
            merged.Contexts = MergeByName(merged.Contexts, one.Contexts, c => c.Name);
            merged.Clusters = MergeByName(merged.Clusters, one.Clusters, c => c.Name);
            merged.Users = MergeByName(merged.Users, one.Users, u => u.Name);
        }

        return merged ?? new K8SConfiguration();
    }

    private static List<T> MergeByName<T>(IEnumerable<T>? first, IEnumerable<T>? second, Func<T, string> name)
    {
        var result = (first ?? Enumerable.Empty<T>()).ToList();
        var seen = new HashSet<string>(result.Select(name), StringComparer.Ordinal);
        result.AddRange((second ?? Enumerable.Empty<T>()).Where(item => seen.Add(name(item))));
        return result;
    }

    // Files named in a kubeconfig are relative to that kubeconfig, which merging would otherwise lose.
    private static void AnchorRelativePaths(K8SConfiguration config, string directory)
    {
        string? Anchor(string? path) =>
            string.IsNullOrEmpty(path) || Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(directory, path));

        foreach (var cluster in config.Clusters ?? Enumerable.Empty<Cluster>())
        {
            if (cluster.ClusterEndpoint is { } endpoint)
            {
                endpoint.CertificateAuthority = Anchor(endpoint.CertificateAuthority);
            }
        }

        foreach (var user in config.Users ?? Enumerable.Empty<User>())
        {
            if (user.UserCredentials is { } credentials)
            {
                credentials.ClientCertificate = Anchor(credentials.ClientCertificate);
                credentials.ClientKey = Anchor(credentials.ClientKey);
            }
        }
    }

    private static ClusterConnection Build(KubernetesClientConfiguration config, string context, string cluster, string user, DateTimeOffset? renewAfter = null)
    {
        var identity = ServerIdentityCheck.Install(config);
        var policy = new RequestPolicyHandler();
        var client = new KubeClient(config, policy);
        string defaultNamespace = string.IsNullOrEmpty(config.Namespace) ? "default" : config.Namespace;
        return new ClusterConnection(client, context, cluster, user, identity.Server, policy, identity.SkipsVerification, defaultNamespace, renewAfter, config.TlsServerName);
    }

    private static string Hash(string? secret) =>
        string.IsNullOrEmpty(secret) ? string.Empty : Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
}
