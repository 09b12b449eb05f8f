using System.Threading.Channels;
using IngressCerts.Engine.Kubernetes;
using k8s.Models;

namespace IngressCerts.Engine.Inventory;

/// <summary>
/// Fetches TLS Secret pages in the background into a small bounded buffer, so the next pages arrive while the
/// current one is analysed, and an all-namespace scan can start fetching Secrets while it still lists Ingresses.
/// A forbidden list is not an error here: <see cref="Denied"/> says so and the scan reads Secrets by name instead.
/// </summary>
internal sealed class SecretPagePump : IAsyncDisposable
{
    // A page holds up to 500 Secrets (a few MB). One page ahead keeps the fetch busy while a page is analysed; more
    // would only keep pages alive long enough for the garbage collector to promote them.
    private const int PagesAhead = 1;

    private readonly Channel<IReadOnlyList<V1Secret>> _pages = Channel.CreateBounded<IReadOnlyList<V1Secret>>(
        new BoundedChannelOptions(PagesAhead) { SingleReader = true, SingleWriter = true });

    private readonly CancellationTokenSource _stop;
    private readonly Task _producer;

    private SecretPagePump(ClusterReader reader, string? scope, CancellationToken cancellationToken)
    {
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _producer = Task.Run(() => ProduceAsync(reader, scope, _stop.Token));
    }

    /// <summary>True when the caller may not list Secrets in the scope.</summary>
    public bool Denied { get; private set; }

    public static SecretPagePump Start(ClusterReader reader, string? scope, CancellationToken cancellationToken) =>
        new(reader, scope, cancellationToken);

    /// <summary>
    /// The pages in order; <see cref="ChannelReader{T}.WaitToReadAsync"/> rethrows a failure of the fetch other than
    /// Forbidden. A reader rather than an enumerable, so that the consumer can let go of a page before the next one.
    /// </summary>
    public ChannelReader<IReadOnlyList<V1Secret>> Pages => _pages.Reader;

    private async Task ProduceAsync(ClusterReader reader, string? scope, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var page in reader.ListTlsSecretPagesAsync(scope, cancellationToken).ConfigureAwait(false))
            {
                await _pages.Writer.WriteAsync(page, cancellationToken).ConfigureAwait(false);
            }

            _pages.Writer.Complete();
        }
        catch (KubeApiException ex) when (ex.Kind == KubeErrorKind.Forbidden)
        {
            Denied = true;
            _pages.Writer.Complete();
        }
        catch (Exception ex)
        {
            _pages.Writer.Complete(ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        // The consumer may leave early: stop the fetch and wait for it, so no request outlives the scan.
        _stop.Cancel();
        try
        {
            await _producer.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }
}
