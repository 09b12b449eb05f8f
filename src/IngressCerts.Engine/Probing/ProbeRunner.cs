using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace IngressCerts.Engine.Probing;

/// <summary>How many probes run at once and how long each may take.</summary>
public sealed record ProbeRunnerOptions
{
    public const int DefaultMaxConcurrency = 32;

    /// <summary>Probes in flight at most; bounds sockets, handshakes and load on the probed controller.</summary>
    public int MaxConcurrency { get; init; } = DefaultMaxConcurrency;

    /// <summary>Budget for each probe (DNS, connect and handshake together).</summary>
    public TimeSpan Timeout { get; init; } = TlsProbe.DefaultTimeout;
}

/// <summary>
/// Runs many probes concurrently under a throttle and streams each result as soon as it is ready
/// (completion order, not request order: use <see cref="ProbeRequest.Tag"/> or the endpoint and SNI to match up).
/// </summary>
/// <remarks>
/// Cancellation contract: when the caller's token fires, no new probe starts, the ones in flight are told to stop
/// (they return within milliseconds), their results are discarded, and the enumeration throws
/// <see cref="OperationCanceledException"/>. Results already yielded stand. Breaking out of the enumeration early
/// stops the remaining probes the same way, without an exception. Either way no socket outlives the enumeration.
/// </remarks>
public sealed class ProbeRunner
{
    private readonly ITlsProbe _probe;

    public ProbeRunner()
        : this(new TlsProbe())
    {
    }

    public ProbeRunner(ITlsProbe probe, ProbeRunnerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(probe);
        options ??= new ProbeRunnerOptions();
        if (options.MaxConcurrency < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxConcurrency, "MaxConcurrency must be at least 1.");
        }

        if (options.Timeout <= TimeSpan.Zero && options.Timeout != System.Threading.Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Timeout, "Timeout must be positive.");
        }

        _probe = probe;
        Options = options;
    }

    public ProbeRunnerOptions Options { get; }

    /// <summary>Starts probing when enumerated; see the class remarks for cancellation.</summary>
    /// <param name="requests">Read lazily, one at a time, as throttle slots free up.</param>
    public IAsyncEnumerable<ProbeResult> RunAsync(IEnumerable<ProbeRequest> requests, CancellationToken cancellationToken = default)
    {
        // Checked here, not in the iterator, so a null argument fails at the call rather than at the first MoveNext.
        ArgumentNullException.ThrowIfNull(requests);
        return RunCoreAsync(requests, cancellationToken);
    }

    private async IAsyncEnumerable<ProbeResult> RunCoreAsync(
        IEnumerable<ProbeRequest> requests, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();

        // Cancelled by the caller's token, or by us when the consumer stops early.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        // Unbounded: probes finish as fast as the network allows even if the consumer (a PowerShell pipeline)
        // is slow; a result is small, and the count is bounded by the request list.
        var results = Channel.CreateUnbounded<ProbeResult>(new UnboundedChannelOptions { SingleReader = true });
        var producer = ProduceAsync(requests, results.Writer, stop.Token);
        try
        {
            await foreach (var result in results.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                // The reader does not check the token while items are waiting; check it so cancellation is prompt.
                cancellationToken.ThrowIfCancellationRequested();
                yield return result;
            }

            // Surfaces a failure of the request sequence or of a custom probe.
            await producer.ConfigureAwait(false);
        }
        finally
        {
            stop.Cancel();
            try
            {
                await producer.ConfigureAwait(false);
            }
            catch
            {
                // Already surfaced through the channel, or the cancellation we just asked for.
            }
        }
    }

    private async Task ProduceAsync(IEnumerable<ProbeRequest> requests, ChannelWriter<ProbeResult> writer, CancellationToken stop)
    {
        try
        {
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = Options.MaxConcurrency, CancellationToken = stop };
            await Parallel.ForEachAsync(requests, parallel, async (request, token) =>
            {
                var result = await _probe.ProbeAsync(request, Options.Timeout, token).ConfigureAwait(false);

                // After a stop, in-flight probes come back Cancelled: those are an artefact of stopping, not findings.
                if (!token.IsCancellationRequested)
                {
                    writer.TryWrite(result);
                }
            }).ConfigureAwait(false);
            writer.TryComplete();
        }
        catch (Exception ex)
        {
            writer.TryComplete(ex);
            throw;
        }
    }
}
