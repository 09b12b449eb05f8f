using IngressCerts.Engine.Kubernetes;
using IngressCerts.Engine.Tests.Support;
using k8s.Exceptions;

namespace IngressCerts.Engine.Tests.Kubernetes;

/// <summary>When a connection's exec token is reused and when the plugin runs again; no process is started here.</summary>
public sealed class ExecTokenCacheTests
{
    private static readonly DateTimeOffset T0 = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private sealed class CountingPlugin
    {
        private int _runs;

        public int Runs => Volatile.Read(ref _runs);

        public Func<int, ExecCredential> Answer { get; set; } = run => new ExecCredential("token-" + run, null, null, null);

        public Task? Gate { get; set; }

        public async Task<ExecCredential> RunAsync(CancellationToken cancellationToken)
        {
            int run = Interlocked.Increment(ref _runs);
            if (Gate is not null)
            {
                await Gate.WaitAsync(cancellationToken);
            }

            return Answer(run);
        }
    }

    private static ExecCredential Token(string token, DateTimeOffset? expires = null) => new(token, null, null, expires);

    private static async Task<string?> TokenOf(ExecTokenCache cache) => (await cache.GetAuthenticationHeaderAsync(CancellationToken.None)).Parameter;

    [Fact]
    public async Task A_token_without_expiry_is_used_for_the_connections_lifetime()
    {
        var plugin = new CountingPlugin();
        var clock = new ManualClock(T0);
        var cache = new ExecTokenCache(Token("first"), plugin.RunAsync, clock);

        for (int i = 0; i < 50; i++)
        {
            clock.Now = T0.AddDays(i);
            Assert.Equal("first", await TokenOf(cache));
        }

        Assert.Equal(0, plugin.Runs);
    }

    [Fact]
    public async Task A_token_is_used_until_30_seconds_before_it_expires_then_the_plugin_runs_once_more()
    {
        var plugin = new CountingPlugin { Answer = run => Token("renewed-" + run, T0.AddHours(1)) };
        var clock = new ManualClock(T0);
        var cache = new ExecTokenCache(Token("first", T0.AddMinutes(10)), plugin.RunAsync, clock);

        Assert.Equal("first", await TokenOf(cache));
        clock.Now = T0.AddMinutes(10).AddSeconds(-31);
        Assert.Equal("first", await TokenOf(cache));
        Assert.Equal(0, plugin.Runs);

        clock.Now = T0.AddMinutes(10).AddSeconds(-30);
        Assert.Equal("renewed-1", await TokenOf(cache));
        Assert.Equal("renewed-1", await TokenOf(cache));
        Assert.Equal(1, plugin.Runs);
    }

    [Fact]
    public async Task An_expired_token_makes_the_next_request_run_the_plugin()
    {
        var plugin = new CountingPlugin();
        var cache = new ExecTokenCache(Token("stale", T0.AddMinutes(-5)), plugin.RunAsync, new ManualClock(T0));

        Assert.Equal("token-1", await TokenOf(cache));
        Assert.Equal("token-1", await TokenOf(cache));
        Assert.Equal(1, plugin.Runs);
    }

    [Fact]
    public async Task Requests_that_wait_for_a_renewal_use_its_token_instead_of_running_the_plugin_again()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // The renewed token is itself short-lived: it still serves every request that waited for it.
        var plugin = new CountingPlugin { Gate = release.Task, Answer = run => Token("renewed-" + run, T0.AddSeconds(5)) };
        var cache = new ExecTokenCache(Token("stale", T0.AddSeconds(-1)), plugin.RunAsync, new ManualClock(T0));

        // Each call returns once it waits: the first inside the plugin, the others for the renewal.
        var requests = Enumerable.Range(0, 8).Select(_ => TokenOf(cache)).ToList();
        Assert.All(requests, r => Assert.False(r.IsCompleted));
        release.SetResult();
        var tokens = await Task.WhenAll(requests);

        Assert.All(tokens, t => Assert.Equal("renewed-1", t));
        Assert.Equal(1, plugin.Runs);
    }

    [Fact]
    public async Task Parallel_requests_that_find_the_token_stale_run_the_plugin_once()
    {
        var plugin = new CountingPlugin { Answer = run => Token("renewed-" + run, T0.AddHours(1)) };
        var cache = new ExecTokenCache(Token("stale", T0.AddSeconds(-1)), plugin.RunAsync, new ManualClock(T0));

        using var start = new Barrier(16);
        var tokens = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Factory.StartNew(
            () => { start.SignalAndWait(); return TokenOf(cache); }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap()));

        Assert.All(tokens, t => Assert.Equal("renewed-1", t));
        Assert.Equal(1, plugin.Runs);
    }

    [Fact]
    public async Task A_failed_renewal_fails_that_request_and_the_next_one_tries_again()
    {
        var plugin = new CountingPlugin
        {
            Answer = run => run == 1 ? throw new KubeConfigException("plugin exited with code 3") : Token("renewed-" + run),
        };
        var cache = new ExecTokenCache(Token("stale", T0.AddSeconds(10)), plugin.RunAsync, new ManualClock(T0));

        var ex = await Assert.ThrowsAsync<KubeConfigException>(() => TokenOf(cache));
        Assert.Contains("code 3", ex.Message, StringComparison.Ordinal);
        Assert.Equal("renewed-2", await TokenOf(cache));
        Assert.Equal(2, plugin.Runs);
    }

    [Fact]
    public void The_credential_never_shows_its_secrets_as_text()
    {
        var credential = new ExecCredential("secret-token", "-----BEGIN CERTIFICATE-----", "-----BEGIN " + "PRIVATE KEY-----secret-key", T0);
        Assert.DoesNotContain("secret", credential.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("BEGIN", credential.ToString(), StringComparison.Ordinal);
    }
}
