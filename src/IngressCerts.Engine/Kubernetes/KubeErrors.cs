using System.Security.Authentication;

namespace IngressCerts.Engine.Kubernetes;

/// <summary>Why a Kubernetes operation failed, in the terms a cmdlet turns into an ErrorId.</summary>
public enum KubeErrorKind
{
    KubeConfigNotFound,
    KubeConfigInvalid,
    ContextNotFound,
    ClusterUnreachable,
    Unauthorized,
    Forbidden,
    NotFound,
    AlreadyExists,
    Conflict,
    Invalid,
    Expired,
    TooManyRequests,
    ServerError,
    BadRequest,

    /// <summary>The server's certificate is trusted but names another server: nothing was sent to it.</summary>
    ServerNameMismatch,
    Other,
}

/// <summary>The connection could not be set up (no config, bad config, unknown context).</summary>
public sealed class KubeConfigurationException : Exception
{
    public KubeConfigurationException(KubeErrorKind kind, string message, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
    }

    public KubeErrorKind Kind { get; }
}

/// <summary>
/// An API request failed. The message names the cluster, the user and the verb so that an admin with many
/// contexts sees at once which credentials lack which right.
/// </summary>
public sealed class KubeApiException : Exception
{
    public KubeApiException(
        KubeErrorKind kind,
        int statusCode,
        string message,
        string verb,
        string resource,
        string? @namespace,
        string? name,
        string cluster,
        string user,
        Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
        StatusCode = statusCode;
        Verb = verb;
        Resource = resource;
        Namespace = @namespace;
        Name = name;
        Cluster = cluster;
        User = user;
    }

    public KubeErrorKind Kind { get; }

    /// <summary>HTTP status code, or 0 when no answer came.</summary>
    public int StatusCode { get; }

    public string Verb { get; }

    public string Resource { get; }

    public string? Namespace { get; }

    public string? Name { get; }

    public string Cluster { get; }

    public string User { get; }

    /// <summary>The object the request was about, as namespace/name, or the resource when it was a list.</summary>
    public string Target => Name is null
        ? (Namespace is null ? Resource : $"{Resource} in namespace {Namespace}")
        : (Namespace is null ? $"{Resource}/{Name}" : $"{Resource} {Namespace}/{Name}");
}

/// <summary>
/// The API server's certificate chains to a trusted CA but is made out to other names: the server answering is not
/// the one the URL (or tls-server-name) names. Nothing was sent to it.
/// </summary>
public sealed class ServerNameMismatchException : AuthenticationException
{
    public ServerNameMismatchException(string server, string expectedName, IReadOnlyList<string> certificateNames)
        : base($"The certificate of the API server at {server} does not name '{expectedName}'; it names {string.Join(", ", certificateNames)}. " +
            "Another server with a certificate from the same CA may be in the way. If the API server is reached by another name, " +
            "set tls-server-name on the kubeconfig's cluster to a name its certificate holds.")
    {
        Server = server;
        ExpectedName = expectedName;
        CertificateNames = certificateNames;
    }

    public string Server { get; }

    public string ExpectedName { get; }

    public IReadOnlyList<string> CertificateNames { get; }

    /// <summary>The mismatch among an exception's inner exceptions (the HTTP handler wraps what the TLS check throws).</summary>
    public static ServerNameMismatchException? Find(Exception? exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is ServerNameMismatchException mismatch)
            {
                return mismatch;
            }
        }

        return null;
    }
}
