using IngressCerts.Engine.Kubernetes;

namespace IngressCerts.Engine.Publishing;

/// <summary>
/// How the write path tells a write that failed from one whose answer was lost, and how it words what was written.
/// </summary>
internal static class WriteFailures
{
    /// <summary>How long a read-back after a lost answer may take, also when the caller has cancelled.</summary>
    public static readonly TimeSpan ReadBackBudget = TimeSpan.FromSeconds(30);

    /// <summary>
    /// True when the write may have been carried out although it failed: a 5xx, no answer (reset, timeout), an
    /// answer that could not be read, or a cancellation while the request was under way. Only reading the object
    /// again tells. A 4xx is a decision the server made before writing anything.
    /// </summary>
    public static bool OutcomeUnknown(Exception ex) =>
        ex is OperationCanceledException
        || ex is KubeApiException { Kind: KubeErrorKind.ServerError or KubeErrorKind.ClusterUnreachable or KubeErrorKind.Other };

    /// <summary>The same failure with <paramref name="note"/> (what was written, what was not, how to undo it) added.</summary>
    public static Exception WithNote(Exception ex, string? note)
    {
        if (string.IsNullOrEmpty(note))
        {
            return ex;
        }

        return ex switch
        {
            KubeApiException k => new KubeApiException(k.Kind, k.StatusCode, $"{k.Message} {note}", k.Verb, k.Resource, k.Namespace, k.Name, k.Cluster, k.User, k),
            PublishRefusedException r => new PublishRefusedException(r.Refusal with { Message = $"{r.Refusal.Message} {note}" }),
            _ => ex,
        };
    }

    /// <summary>Why the answer was lost, in a few words, for "the update was applied; the reply was lost (...)".</summary>
    public static string Why(Exception ex) => ex switch
    {
        OperationCanceledException => "the request was cancelled",
        KubeApiException { StatusCode: > 0 } k => $"HTTP {k.StatusCode}",
        KubeApiException k => k.Message,
        _ => ex.Message,
    };

    /// <summary>A token for a read-back: bounded, and not cancelled by the caller's Ctrl+C (the state must be known).</summary>
    public static CancellationTokenSource ReadBackToken() => new(ReadBackBudget);
}
