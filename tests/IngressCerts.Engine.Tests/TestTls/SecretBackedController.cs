using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using IngressCerts.Engine.Kubernetes;

namespace IngressCerts.Engine.Tests.TestTls;

/// <summary>
/// Stands in for an ingress controller's certificate handling (ingress-nginx's dynamic certificates): it follows one
/// TLS Secret through the Kubernetes API (polling it back to back; the test server serves no watch) and serves, for
/// one host on a <see cref="TestTlsEndpoint"/>, whatever tls.crt and tls.key the Secret holds now. A new version is
/// loaded when it is valid and swapped in at once; a Secret that is missing, or whose certificate and key do not
/// make a working pair, takes the host out of the endpoint's map, so its handshakes get the endpoint's fake default
/// certificate (or none), as a real controller falls back.
/// </summary>
public sealed class SecretBackedController : IAsyncDisposable
{
    private readonly ClusterWriter _reader;
    private readonly string _namespace;
    private readonly string _secretName;
    private readonly TestTlsEndpoint _endpoint;
    private readonly string _host;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<string?> _loaded = [];
    private readonly Task _loop;
    private string? _seenVersion = "(none yet)";
    private int _versionsSeen;

    public SecretBackedController(ClusterConnection connection, string ns, string secretName, TestTlsEndpoint endpoint, string host)
    {
        _reader = new ClusterWriter(connection);
        _namespace = ns;
        _secretName = secretName;
        _endpoint = endpoint;
        _host = host;
        _loop = Task.Run(FollowAsync);
    }

    /// <summary>The thumbprint served for the host now; null while the Secret is missing or invalid.</summary>
    public string? Served { get; private set; }

    /// <summary>Every state loaded, in order: a thumbprint, or null for missing/invalid.</summary>
    public IReadOnlyList<string?> Loaded
    {
        get
        {
            lock (_loaded)
            {
                return _loaded.ToList();
            }
        }
    }

    /// <summary>How many versions of the Secret (resourceVersions, or its absence) were seen.</summary>
    public int VersionsSeen => Volatile.Read(ref _versionsSeen);

    /// <summary>Waits until <paramref name="condition"/> holds (checked after each poll).</summary>
    public async Task WaitUntilAsync(Func<SecretBackedController, bool> condition, CancellationToken cancellationToken)
    {
        while (!condition(this))
        {
            if (_loop.IsCompleted)
            {
                await _loop.ConfigureAwait(false);
                throw new InvalidOperationException("The controller stopped following the Secret.");
            }

            await Task.Delay(2, cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task FollowAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var secret = await _reader.GetSecretAsync(_namespace, _secretName, _stop.Token).ConfigureAwait(false);
            string? version = secret?.Metadata.ResourceVersion;
            if (version != _seenVersion)
            {
                Load(secret?.Data);
                _seenVersion = version;
                Interlocked.Increment(ref _versionsSeen);
            }

            foreach (var value in secret?.Data?.Values ?? [])
            {
                CryptographicOperations.ZeroMemory(value);
            }
        }
    }

    private void Load(IDictionary<string, byte[]>? data)
    {
        ServedIdentity? identity = null;
        if (data is not null && data.TryGetValue("tls.crt", out var crt) && data.TryGetValue("tls.key", out var key))
        {
            try
            {
                var pem = Encoding.ASCII.GetString(crt);
                var leaf = X509Certificate2.CreateFromPem(pem, Encoding.ASCII.GetString(key));
                var chain = new X509Certificate2Collection();
                chain.ImportFromPem(pem);
                identity = new ServedIdentity(leaf, chain.Skip(1).ToArray());
            }
            catch (Exception ex) when (ex is CryptographicException or ArgumentException)
            {
                // Not a working certificate and key: the controller keeps nothing for the host.
            }
        }

        if (identity is null)
        {
            _endpoint.Unmap(_host);
        }
        else
        {
            _endpoint.Map(_host, identity);
        }

        Served = identity?.Leaf.Thumbprint;
        lock (_loaded)
        {
            _loaded.Add(Served);
        }
    }
}
