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
    private readonly CancellationTokenSource _cancellation = new();

    protected CancellationToken CancellationToken => _cancellation.Token;

    protected override void StopProcessing() => _cancellation.Cancel();

    /// <summary>
    /// Runs <paramref name="work"/> off the pipeline thread and drains what it posts to the sink on this thread
    /// until the work is done.
    /// </summary>
    protected void RunAsync(Func<PipelineSink, Task> work)
    {
        using var queue = new BlockingCollection<Action>();
        var sink = new PipelineSink(queue);
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
            foreach (var action in queue.GetConsumingEnumerable(CancellationToken))
            {
                action();
            }

            task.GetAwaiter().GetResult();
            completed = true;
        }
        catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        finally
        {
            if (!completed)
            {
                // Leaving early (Ctrl+C, Select-Object -First, a terminating error): stop the background work and
                // let it finish before the queue it writes to goes away.
                _cancellation.Cancel();
                try
                {
                    task.Wait(TimeSpan.FromSeconds(5));
                }
                catch (AggregateException)
                {
                    // Its failure is moot: the pipeline is already ending for another reason.
                }
            }
        }
    }

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
        _cancellation.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>What the background work may ask the pipeline thread to do.</summary>
    protected sealed class PipelineSink
    {
        private readonly BlockingCollection<Action> _queue;

        internal PipelineSink(BlockingCollection<Action> queue) => _queue = queue;

        /// <summary>Runs <paramref name="action"/> on the pipeline thread (e.g. WriteObject, WriteError).</summary>
        public void Post(Action action)
        {
            try
            {
                _queue.Add(action);
            }
            catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException)
            {
                // The pipeline has stopped taking output (Ctrl+C or Select-Object -First): drop it.
            }
        }
    }
}
