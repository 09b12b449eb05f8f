using System.Collections.Concurrent;
using System.Management.Automation;

namespace IngressCerts.Commands.Infrastructure;

/// <summary>
/// A cmdlet whose work runs asynchronously on the thread pool while everything PowerShell sees (objects, errors,
/// verbose, progress) is written from the pipeline thread, as PowerShell requires. Ctrl+C cancels the token that
/// every engine call receives.
/// </summary>
public abstract class AsyncCmdlet : PSCmdlet, IDisposable
{
    // How many pipeline actions may wait before the background work blocks: keeps memory bounded when the
    // downstream command (Export-Csv, Out-GridView) is slower than the cluster.
    private const int QueueCapacity = 1000;

    private readonly CancellationTokenSource _stopping = new();
    private CancellationTokenSource? _call;

    /// <summary>
    /// The token of the work in progress: cancelled by Ctrl+C, and when this one call leaves early. Each call gets
    /// its own, so one failed record does not cancel the records after it.
    /// </summary>
    protected CancellationToken CancellationToken => _call?.Token ?? _stopping.Token;

    protected override void StopProcessing() => _stopping.Cancel();

    /// <summary>
    /// Runs <paramref name="work"/> off the pipeline thread and drains what it posts to the sink on this thread
    /// until the work is done.
    /// </summary>
    protected void RunAsync(Func<PipelineSink, Task> work)
    {
        using var call = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        _call = call;
        using var queue = new BlockingCollection<Action>(QueueCapacity);
        var sink = new PipelineSink(queue, call.Token);
        var task = Task.Run(async () =>
        {
            try
            {
                using var scope = OnBackgroundWorkStarting(sink);
                await work(sink).ConfigureAwait(false);
            }
            finally
            {
                queue.CompleteAdding();
            }
        });

        bool completed = false;
        try
        {
            foreach (var action in queue.GetConsumingEnumerable(_stopping.Token))
            {
                action();
            }

            task.GetAwaiter().GetResult();
            completed = true;
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        finally
        {
            if (!completed)
            {
                // Leaving early (Ctrl+C, Select-Object -First, an error): stop this call's background work and let
                // it finish before the queue it writes to goes away.
                call.Cancel();
                try
                {
                    task.Wait(EarlyExitWait);
                }
                catch (AggregateException)
                {
                    // Its failure is moot: the call is already ending for another reason.
                }
            }

            _call = null;
        }
    }

    /// <summary>
    /// Writes a warning that never stops the command for want of an answer. Under -Debug (without -WarningAction)
    /// PowerShell's runtime turns a compiled cmdlet's warning preference into Inquire: it writes the warning, then
    /// asks whether to continue. A host that cannot ask (pwsh -NonInteractive, a runbook worker, a job) throws
    /// instead, which would end the command over a warning already written. There the answer is taken as
    /// Continue, as PowerShell itself does for debug messages when it cannot prompt; an interactive host still asks.
    /// </summary>
    protected void WriteWarningUnasked(string message)
    {
        try
        {
            WriteWarning(message);
        }
        catch (PSInvalidOperationException) when (MyInvocation.BoundParameters.ContainsKey("Debug") && !MyInvocation.BoundParameters.ContainsKey("WarningAction"))
        {
            // The warning is out; only the prompt after it could not be shown.
        }
    }

    /// <summary>How long leaving early waits for the cancelled background work to clean up (release what it holds).</summary>
    protected virtual TimeSpan EarlyExitWait => TimeSpan.FromSeconds(5);

    /// <summary>Called on the background flow before the work starts; what it returns is disposed after.</summary>
    protected virtual IDisposable? OnBackgroundWorkStarting(PipelineSink sink) => null;

    /// <summary>Like <see cref="RunAsync(Func{PipelineSink, Task})"/>, returning the work's result.</summary>
    protected T RunAsync<T>(Func<PipelineSink, Task<T>> work)
    {
        T result = default!;
        RunAsync(async sink => { result = await work(sink).ConfigureAwait(false); });
        return result;
    }

    public void Dispose()
    {
        _stopping.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>What the background work may ask the pipeline thread to do.</summary>
    protected sealed class PipelineSink
    {
        private readonly BlockingCollection<Action> _queue;
        private readonly CancellationToken _cancellation;

        internal PipelineSink(BlockingCollection<Action> queue, CancellationToken cancellation)
        {
            _queue = queue;
            _cancellation = cancellation;
        }

        /// <summary>Runs <paramref name="action"/> on the pipeline thread (e.g. WriteObject, WriteError).</summary>
        public void Post(Action action)
        {
            try
            {
                _queue.Add(action, _cancellation);
            }
            catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException or OperationCanceledException)
            {
                // The pipeline has stopped taking output (Ctrl+C, Select-Object -First, an error): drop it.
            }
        }
    }
}
