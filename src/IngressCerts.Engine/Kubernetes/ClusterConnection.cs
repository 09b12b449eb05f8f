using k8s;

namespace IngressCerts.Engine.Kubernetes;

/// <summary>A ready client for one cluster context, with the names errors and results report.</summary>
public sealed class ClusterConnection
{
    internal ClusterConnection(IKubernetes client, string contextName, string clusterName, string userName, string server, RequestPolicyHandler policy, bool insecure, string defaultNamespace)
    {
        Client = client;
        ContextName = contextName;
        ClusterName = clusterName;
        UserName = userName;
        Server = server;
        Policy = policy;
        SkipsTlsVerification = insecure;
        DefaultNamespace = defaultNamespace;
    }

    internal IKubernetes Client { get; }

    /// <summary>The kube context, or the server URL when connected with -Server.</summary>
    public string ContextName { get; }

    public string ClusterName { get; }

    public string UserName { get; }

    public string Server { get; }

    /// <summary>True when the kubeconfig asked for insecure-skip-tls-verify.</summary>
    public bool SkipsTlsVerification { get; }

    /// <summary>The context's namespace, else "default", as kubectl uses when no namespace is given.</summary>
    public string DefaultNamespace { get; }

    internal RequestPolicyHandler Policy { get; }

    /// <summary>HTTP requests sent through this connection so far (retries included).</summary>
    public long RequestCount => Policy.RequestCount;
}
