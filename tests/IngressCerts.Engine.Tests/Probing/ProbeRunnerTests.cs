using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using IngressCerts.Engine.Probing;
using IngressCerts.Engine.Tests.TestTls;
using Xunit.Abstractions;

namespace IngressCerts.Engine.Tests.Probing;

public sealed class ProbeRunnerTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Streams_every_result_with_its_request_tag()
    {
        var ca = TestCertificateAuthority.CreateRoot().CreateIntermediate();
        var hosts = Enumerable.Range(0, 4).Select(i => $"h{i}.example.test").ToArray();
        await using var endpoint = TestTlsEndpoint.Start();
        foreach (var host in hosts)
        {
            endpoint.Map(host, new ServedIdentity(ca.IssueLeaf(host), ca.Certificate));
        }

        var target = ProbeEndpoint.Parse(endpoint.Address);
        var requests = Enumerable.Range(0, 200).Select(i => new ProbeRequest(target, hosts[i % hosts.Length], Tag: i));

        var results = await Collect(new ProbeRunner(new TlsProbe(), new ProbeRunnerOptions { MaxConcurrency = 8 }).RunAsync(requests));

        Assert.Equal(Enumerable.Range(0, 200), results.Select(r => (int)r.Tag!).Order());
        Assert.All(results, r =>
        {
            Assert.True(r.Succeeded, r.FailureMessage);
            Assert.Equal(hosts[(int)r.Tag! % hosts.Length], r.Leaf!.GetNameInfo(X509NameType.DnsName, false));
        });
    }

    [Fact]
    public async Task The_throttle_bounds_handshakes_in_flight_at_the_server()
    {
        const int throttle = 6;
        await using var endpoint = TestTlsEndpoint.Start(ServedIdentity.FromChain(TestCertificateAuthority.CreateChain("app.example.test")));

        // Holding each ClientHello makes every admitted probe visible at the server at once.
        endpoint.HandshakeDelay = TimeSpan.FromMilliseconds(250);
        var target = ProbeEndpoint.Parse(endpoint.Address);
        var runner = new ProbeRunner(new TlsProbe(), new ProbeRunnerOptions { MaxConcurrency = throttle });

        var results = await Collect(runner.RunAsync(Enumerable.Range(0, 48).Select(_ => new ProbeRequest(target, "app.example.test"))));

        Assert.All(results, r => Assert.True(r.Succeeded, r.FailureMessage));
        output.WriteLine($"max concurrent handshakes at the server: {endpoint.MaxConcurrentHandshakes}");
        Assert.InRange(endpoint.MaxConcurrentHandshakes, throttle / 2, throttle);
    }

    [Fact]
    public async Task The_throttle_is_exact_for_the_probes_it_starts()
    {
        var probe = new RecordingProbe(TimeSpan.FromMilliseconds(20));
        var runner = new ProbeRunner(probe, new ProbeRunnerOptions { MaxConcurrency = 5 });

        var results = await Collect(runner.RunAsync(Requests(60)));

        Assert.Equal(60, results.Count);
        Assert.Equal(5, probe.MaxInFlight);
    }

    [Fact]
    public async Task Results_arrive_as_probes_finish_not_when_all_are_done()
    {
        var probe = new RecordingProbe(request => (int)request.Tag! == 0 ? TimeSpan.FromSeconds(3) : TimeSpan.FromMilliseconds(10));
        var runner = new ProbeRunner(probe);
        var stopwatch = Stopwatch.StartNew();

        await using var results = runner.RunAsync(Requests(2)).GetAsyncEnumerator();
        Assert.True(await results.MoveNextAsync());

        Assert.Equal(1, results.Current.Tag);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(2), $"first result after {stopwatch.Elapsed}");
    }

    [Fact]
    public async Task Cancelling_stops_a_hundred_stalled_probes_promptly()
    {
        await using var endpoint = TestTlsEndpoint.Start(ServedIdentity.FromChain(TestCertificateAuthority.CreateChain("app.example.test")));
        endpoint.Behavior = TestTlsBehavior.Stall;
        var target = ProbeEndpoint.Parse(endpoint.Address);
        var runner = new ProbeRunner(new TlsProbe(), new ProbeRunnerOptions { MaxConcurrency = 100, Timeout = TimeSpan.FromSeconds(60) });
        using var cancellation = new CancellationTokenSource();
        var stopwatch = new Stopwatch();

        async Task Consume()
        {
            await foreach (var _ in runner.RunAsync(Enumerable.Range(0, 100).Select(_ => new ProbeRequest(target, "app.example.test")), cancellation.Token))
            {
                Assert.Fail("A stalled endpoint yields no result before cancellation.");
            }
        }

        var consuming = Consume();
        await TlsProbeTests.WaitUntilAsync(() => endpoint.ConnectionsAccepted == 100, TimeSpan.FromSeconds(10));
        stopwatch.Start();
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => consuming);
        stopwatch.Stop();
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(2), $"took {stopwatch.Elapsed}");
    }

    [Fact]
    public async Task Stopping_early_cancels_the_probes_still_running_and_starts_no_more()
    {
        var fast = new RecordingProbe(request => (int)request.Tag! < 3 ? TimeSpan.Zero : TimeSpan.FromSeconds(30));
        var runner = new ProbeRunner(fast, new ProbeRunnerOptions { MaxConcurrency = 4 });
        var stopwatch = Stopwatch.StartNew();

        var seen = 0;
        await foreach (var _ in runner.RunAsync(Requests(1000)))
        {
            if (++seen == 2)
            {
                break;
            }
        }

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"took {stopwatch.Elapsed}");
        Assert.InRange(fast.Started, 2, 2 + 4 + 1);
        Assert.Equal(fast.Started, fast.Finished);
    }

    [Fact]
    public async Task A_failing_probe_implementation_surfaces_its_exception()
    {
        var runner = new ProbeRunner(new ThrowingProbe());

        await Assert.ThrowsAsync<InvalidOperationException>(async () => await Collect(runner.RunAsync(Requests(3))));
    }

    [Fact]
    public async Task An_already_cancelled_token_throws_before_probing()
    {
        var probe = new RecordingProbe(TimeSpan.Zero);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            async () => await Collect(new ProbeRunner(probe).RunAsync(Requests(3), new CancellationToken(canceled: true))));
        Assert.Equal(0, probe.Started);
    }

    [Fact]
    public void Rejects_unusable_options()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ProbeRunner(new TlsProbe(), new ProbeRunnerOptions { MaxConcurrency = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ProbeRunner(new TlsProbe(), new ProbeRunnerOptions { Timeout = TimeSpan.Zero }));
        Assert.Throws<ArgumentNullException>(() => new ProbeRunner().RunAsync(null!));
        Assert.Equal(32, new ProbeRunner().Options.MaxConcurrency);
        Assert.Equal(TimeSpan.FromSeconds(10), new ProbeRunner().Options.Timeout);
    }

    [Fact]
    public async Task A_thousand_probes_over_twenty_endpoints_all_get_their_host_certificate()
    {
        // The performance figure lives in bench/probe; this checks correctness at that scale and logs the time.
        var ca = TestCertificateAuthority.CreateRoot().CreateIntermediate();
        var endpoints = new List<TestTlsEndpoint>();
        var requests = new List<ProbeRequest>();
        try
        {
            for (var e = 0; e < 20; e++)
            {
                var hosts = Enumerable.Range(0, 50).Select(h => $"h{h}.e{e}.example.test").ToArray();
                var endpoint = TestTlsEndpoint.Start(new ServedIdentity(ca.IssueLeaf(hosts), ca.Certificate));
                endpoints.Add(endpoint);
                var target = ProbeEndpoint.Parse(endpoint.Address);
                requests.AddRange(hosts.Select(h => new ProbeRequest(target, h)));
            }

            var stopwatch = Stopwatch.StartNew();
            var results = await Collect(new ProbeRunner().RunAsync(requests));
            stopwatch.Stop();
            output.WriteLine($"1000 probes, throttle 32: {stopwatch.Elapsed.TotalMilliseconds:0} ms");

            Assert.Equal(1000, results.Count);
            Assert.All(results, r =>
            {
                Assert.True(r.Succeeded, r.FailureMessage);
                Assert.Contains(r.Sni!, SubjectAltNames(r.Leaf!));
            });
            Assert.Equal(1000, endpoints.Sum(e => e.HandshakesCompleted));
            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(60), $"took {stopwatch.Elapsed}");
        }
        finally
        {
            foreach (var endpoint in endpoints)
            {
                await endpoint.DisposeAsync();
            }
        }
    }

    private static IEnumerable<string> SubjectAltNames(X509Certificate2 certificate) =>
        certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>()
            .SelectMany(e => e.EnumerateDnsNames());

    private static IEnumerable<ProbeRequest> Requests(int count) =>
        Enumerable.Range(0, count).Select(i => new ProbeRequest(new ProbeEndpoint("127.0.0.1", 1), "x.example.test", Tag: i));

    private static async Task<List<ProbeResult>> Collect(IAsyncEnumerable<ProbeResult> results)
    {
        var list = new List<ProbeResult>();
        await foreach (var result in results)
        {
            list.Add(result);
        }

        return list;
    }

    /// <summary>A probe that only waits, counting how many run at once; honours cancellation like the real one.</summary>
    private sealed class RecordingProbe(Func<ProbeRequest, TimeSpan> duration) : ITlsProbe
    {
        private int _inFlight;
        private int _maxInFlight;
        private int _started;
        private int _finished;

        public RecordingProbe(TimeSpan duration)
            : this(_ => duration)
        {
        }

        public int MaxInFlight => Volatile.Read(ref _maxInFlight);

        public int Started => Volatile.Read(ref _started);

        public int Finished => Volatile.Read(ref _finished);

        public async Task<ProbeResult> ProbeAsync(ProbeRequest request, TimeSpan timeout, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _started);
            var now = Interlocked.Increment(ref _inFlight);
            lock (this)
            {
                _maxInFlight = Math.Max(_maxInFlight, now);
            }

            try
            {
                await Task.Delay(duration(request), cancellationToken);
                return new ProbeResult { Endpoint = request.Endpoint, Sni = request.Sni, Tag = request.Tag };
            }
            catch (OperationCanceledException)
            {
                return new ProbeResult { Endpoint = request.Endpoint, FailureKind = ProbeFailureKind.Cancelled, Tag = request.Tag };
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
                Interlocked.Increment(ref _finished);
            }
        }
    }

    private sealed class ThrowingProbe : ITlsProbe
    {
        public Task<ProbeResult> ProbeAsync(ProbeRequest request, TimeSpan timeout, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("broken probe");
    }
}
