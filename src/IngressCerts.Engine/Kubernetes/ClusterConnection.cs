using k8s;

namespace IngressCerts.Engine.Kubernetes;

/// <summary>A ready client for one cluster context, with the names errors and results report.</summary>
public sealed class ClusterConnection
{
    private readonly DateTimeOffset? _renewAfter;

    internal ClusterConnection(IKubernetes client, string contextName, string clusterName, string userName, string server, RequestPolicyHandler policy, bool insecure, string defaultNamespace, DateTimeOffset? renewAfter = null, string? tlsServerName = null)
    {
        TlsServerName = string.IsNullOrWhiteSpace(tlsServerName) ? null : tlsServerName.Trim();
        Client = client;
        ContextName = contextName;
        ClusterName = clusterName;
        UserName = userName;
        Server = server;
        Policy = policy;
        SkipsTlsVerification = insecure;
        DefaultNamespace = defaultNamespace;
        _renewAfter = renewAfter;
    }

    internal IKubernetes Client { get; }

    /// <summary>The kube context, or the server URL when connected with -Server.</summary>
    public string ContextName { get; }

    public string ClusterName { get; }

    public string UserName { get; }

    public string Server { get; }

    /// <summary>The cluster's tls-server-name, when its kubeconfig sets one.</summary>
    public string? TlsServerName { get; }

    /// <summary>
    /// "Cluster 'context' (server)" for messages; a -Server connection, whose context name is its URL, names the
    /// URL once.
    /// </summary>
    public string Description =>
        string.Equals(ContextName.TrimEnd('/'), Server.TrimEnd('/'), StringComparison.OrdinalIgnoreCase)
            ? $"Cluster '{ContextName}'"
            : $"Cluster '{ContextName}' ({Server})";

    /// <summary>True when the kubeconfig asked for insecure-skip-tls-verify.</summary>
    public bool SkipsTlsVerification { get; }

    /// <summary>The context's namespace, else "default", as kubectl uses when no namespace is given.</summary>
    public string DefaultNamespace { get; }

    internal RequestPolicyHandler Policy { get; }

    /// <summary>
    /// True once a client certificate from an exec credential plugin nears its expiry: the certificate is part of
    /// the client's TLS set-up, so only a new connection (and a new run of the plugin) renews it. Tokens are renewed
    /// in place and never make a connection stale.
    /// </summary>
    internal bool NeedsNewCredential(DateTimeOffset now) => _renewAfter is { } after && now >= after;

    /// <summary>HTTP requests sent through this connection so far (retries included).</summary>
    public long RequestCount => Policy.RequestCount;
}
