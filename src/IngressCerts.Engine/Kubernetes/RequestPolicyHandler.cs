using System.Net;

namespace IngressCerts.Engine.Kubernetes;

/// <summary>
/// Retries what the API server asks to be retried (429 with Retry-After, 503) and what is safe to retry
/// (reads after a 500 or a dropped connection), and counts requests so scans can report their cost.
/// Writes are retried only on 429, which the server sends before doing anything.
/// </summary>
internal sealed class RequestPolicyHandler : DelegatingHandler
{
    private const int MaxAttempts = 4;
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(10);
    private long _requestCount;

    public long RequestCount => Interlocked.Read(ref _requestCount);

    // The handler is shared by every cmdlet that uses a cached connection, so notices go to the current flow's
    // listener rather than to one fixed sink.
    private static void Diagnostics(string message) => DiagnosticsRelay.Write(message);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        bool isRead = request.Method == HttpMethod.Get;
        for (int attempt = 1; ; attempt++)
        {
            Interlocked.Increment(ref _requestCount);
            HttpResponseMessage response;
            try
            {
                response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException ex) when (isRead && attempt < MaxAttempts && !cancellationToken.IsCancellationRequested
                && ServerNameMismatchException.Find(ex) is null)
            {
                Diagnostics($"{request.Method} {request.RequestUri?.PathAndQuery}: {ex.Message}; retrying ({attempt}/{MaxAttempts - 1}).");
                await Task.Delay(Backoff(attempt), cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (attempt >= MaxAttempts || !ShouldRetry(response.StatusCode, isRead))
            {
                return response;
            }

            TimeSpan delay = RetryAfter(response) ?? Backoff(attempt);
            Diagnostics($"{request.Method} {request.RequestUri?.PathAndQuery}: HTTP {(int)response.StatusCode}; retrying in {delay.TotalSeconds:0.##} s ({attempt}/{MaxAttempts - 1}).");
            response.Dispose();
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        }
    }

    private static bool ShouldRetry(HttpStatusCode status, bool isRead) => status switch
    {
        HttpStatusCode.TooManyRequests => true,
        HttpStatusCode.ServiceUnavailable => isRead,
        HttpStatusCode.InternalServerError => isRead,
        HttpStatusCode.GatewayTimeout => isRead,
        _ => false,
    };

    private static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        TimeSpan? delay = header?.Delta ?? (header?.Date is { } date ? date - DateTimeOffset.UtcNow : null);
        if (delay is null)
        {
            return null;
        }

        return delay.Value < TimeSpan.Zero ? TimeSpan.Zero : (delay.Value > MaxDelay ? MaxDelay : delay.Value);
    }

    private static TimeSpan Backoff(int attempt) => TimeSpan.FromMilliseconds(200 * (1 << (attempt - 1)));
}
