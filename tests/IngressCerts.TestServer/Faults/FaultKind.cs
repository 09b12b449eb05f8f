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
}

public sealed record TooManyRequestsFault(int RetryAfterSeconds) : FaultKind;

public sealed record InternalErrorFault(string Message) : FaultKind;

public sealed record ServiceUnavailableFault : FaultKind;

public sealed record DropConnectionFault : FaultKind;

public sealed record StallFault(TimeSpan Duration) : FaultKind;
