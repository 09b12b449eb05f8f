namespace IngressCerts.TestServer.Faults;

/// <summary>What an injected fault does to the request it hits.</summary>
public abstract record FaultKind
{
    /// <summary>429 with Retry-After, as API Priority and Fairness answers.</summary>
    public static FaultKind TooManyRequests(int retryAfterSeconds = 1) => new TooManyRequestsFault(retryAfterSeconds);

    /// <summary>500 InternalError Status.</summary>
    public static FaultKind InternalError(string message = "injected fault") => new InternalErrorFault(message);

    /// <summary>503 ServiceUnavailable Status.</summary>
    public static FaultKind ServiceUnavailable() => new ServiceUnavailableFault();

    /// <summary>The connection is aborted without an answer.</summary>
    public static FaultKind DropConnection() => new DropConnectionFault();

    /// <summary>The request waits this long (or until the client gives up), then is served normally.</summary>
    public static FaultKind Stall(TimeSpan duration) => new StallFault(duration);

    /// <summary>403 Forbidden Status, as an authorizer's denial, before anything is done.</summary>
    public static FaultKind Forbidden() => new ForbiddenFault();

    /// <summary>409 Conflict Status ("the object has been modified"), before anything is done.</summary>
    public static FaultKind Conflict() => new ConflictFault();

    /// <summary>
    /// The request is carried out (the write is committed), then the reply is lost: the client gets
    /// <paramref name="reply"/> instead of the answer. What a client sees when a proxy or the network
    /// fails after the apiserver has already stored the change.
    /// </summary>
    public static FaultKind AppliedThen(LostReply reply) => new AppliedThenFault(reply);
}

/// <summary>How the reply of an <see cref="AppliedThenFault"/> is lost.</summary>
public enum LostReply
{
    /// <summary>504 Timeout Status, as the apiserver sends when its own deadline passes.</summary>
    GatewayTimeout,

    /// <summary>The connection is aborted without an answer.</summary>
    ConnectionReset,

    /// <summary>No answer until the client gives up (or the server stops).</summary>
    NoAnswer,
}

public sealed record TooManyRequestsFault(int RetryAfterSeconds) : FaultKind;

public sealed record InternalErrorFault(string Message) : FaultKind;

public sealed record ServiceUnavailableFault : FaultKind;

public sealed record DropConnectionFault : FaultKind;

public sealed record StallFault(TimeSpan Duration) : FaultKind;

public sealed record ForbiddenFault : FaultKind;

public sealed record ConflictFault : FaultKind;

public sealed record AppliedThenFault(LostReply Reply) : FaultKind;
