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
