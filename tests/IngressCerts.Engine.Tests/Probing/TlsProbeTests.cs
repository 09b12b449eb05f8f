using System.Diagnostics;
using System.Net;
using System.Security.Authentication;
using IngressCerts.Engine.Probing;
using IngressCerts.Engine.Tests.TestTls;

namespace IngressCerts.Engine.Tests.Probing;

public sealed class TlsProbeTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly TlsProbe _probe = new();

    [Fact]
    public async Task Reads_the_served_leaf_when_it_is_the_expected_certificate()
    {
        var chain = TestCertificateAuthority.CreateChain("app.example.test");
        await using var endpoint = TestTlsEndpoint.Start();
        endpoint.Map("app.example.test", ServedIdentity.FromChain(chain));

        var result = await _probe.ProbeAsync(ProbeEndpoint.Parse(endpoint.Address), "app.example.test", Timeout);

        Assert.True(result.Succeeded, result.FailureMessage);
        Assert.Equal(ProbeFailureKind.None, result.FailureKind);
        Assert.Null(result.FailureMessage);
        Assert.Equal("app.example.test", result.Sni);
        Assert.Equal(chain.Leaf.Thumbprint, result.Leaf!.Thumbprint);
        Assert.False(result.Leaf.HasPrivateKey);
        Assert.Equal(IPAddress.Loopback, result.RemoteAddress!.Address);
        Assert.True(result.Elapsed > TimeSpan.Zero);
        Assert.Equal(ServedCertificateMatch.Expected, new ServedCertificateComparer(chain.Leaf).Compare(result.Leaf).Match);
    }

    [Fact]
    public async Task A_stale_certificate_still_served_is_classified_as_known_older()
    {
        var ca = TestCertificateAuthority.CreateRoot().CreateIntermediate();
        var older = ca.IssueLeaf("app.example.test");
        var renewed = ca.IssueLeaf("app.example.test");
        await using var endpoint = TestTlsEndpoint.Start();
        endpoint.Map("app.example.test", new ServedIdentity(older, ca.Certificate));

        var result = await _probe.ProbeAsync(ProbeEndpoint.Parse(endpoint.Address), "app.example.test", Timeout);
        var verdict = new ServedCertificateComparer(renewed, [older.Thumbprint]).Compare(result.Leaf!);

        Assert.Equal(ServedCertificateMatch.KnownOlderCertificate, verdict.Match);
        Assert.Equal(older.Thumbprint, verdict.ServedThumbprint);
        Assert.Contains("older certificate", verdict.Reason);
    }

    [Fact]
    public async Task An_unmatched_sni_gets_the_controller_fake_certificate_and_it_is_recognised()
    {
        var fake = TestCertificateAuthority.CreateSelfSignedLeaf(
            "CN=Kubernetes Ingress Controller Fake Certificate, O=Acme Co", "ingress.local");
        var expected = TestCertificateAuthority.CreateChain("app.example.test");
        await using var endpoint = TestTlsEndpoint.Start(new ServedIdentity(fake));
        endpoint.Map("other.example.test", ServedIdentity.FromChain(TestCertificateAuthority.CreateChain("other.example.test")));

        var result = await _probe.ProbeAsync(ProbeEndpoint.Parse(endpoint.Address), "app.example.test", Timeout);
        var verdict = new ServedCertificateComparer(expected.Leaf).Compare(result.Leaf!);

        Assert.True(result.Succeeded, result.FailureMessage);
        Assert.Equal(fake.Thumbprint, result.Leaf!.Thumbprint);
        Assert.Equal(ServedCertificateMatch.DefaultFakeCertificate, verdict.Match);
        Assert.Equal("ingress-nginx", verdict.DefaultCertificateOf);
    }

    [Fact]
    public async Task Sni_selects_the_certificate_and_no_sni_is_sent_to_an_ip_literal()
    {
        var ca = TestCertificateAuthority.CreateRoot().CreateIntermediate();
        var hosts = new[] { "a.example.test", "b.example.test", "c.example.test" };
        var leaves = hosts.ToDictionary(h => h, h => ca.IssueLeaf(h));
        var fallback = ca.IssueLeaf("default.example.test");
        await using var endpoint = TestTlsEndpoint.Start(new ServedIdentity(fallback, ca.Certificate));
        foreach (var (host, leaf) in leaves)
        {
            endpoint.Map(host, new ServedIdentity(leaf, ca.Certificate));
        }

        var target = ProbeEndpoint.Parse(endpoint.Address);
        foreach (var host in hosts.Reverse())
        {
            var result = await _probe.ProbeAsync(target, host, Timeout);
            Assert.Equal(leaves[host].Thumbprint, result.Leaf!.Thumbprint);
        }

        var unknown = await _probe.ProbeAsync(target, "unknown.example.test", Timeout);
        var noSni = await _probe.ProbeAsync(target, sni: null, Timeout);

        Assert.Equal(fallback.Thumbprint, unknown.Leaf!.Thumbprint);
        Assert.Equal(fallback.Thumbprint, noSni.Leaf!.Thumbprint);
        Assert.Null(noSni.Sni);
        Assert.Equal(
            ["c.example.test", "b.example.test", "a.example.test", "unknown.example.test", null],
            endpoint.ServerNamesSeen);
    }

    [Fact]
    public async Task Reports_intermediates_served_or_missing_as_sent_on_the_wire()
    {
        var chain = TestCertificateAuthority.CreateChain("full.example.test", "bare.example.test");
        await using var endpoint = TestTlsEndpoint.Start();
        endpoint.Map("full.example.test", ServedIdentity.FromChain(chain, sendIntermediate: true));
        endpoint.Map("bare.example.test", ServedIdentity.FromChain(chain, sendIntermediate: false));
        var target = ProbeEndpoint.Parse(endpoint.Address);

        var full = await _probe.ProbeAsync(target, "full.example.test", Timeout);
        var bare = await _probe.ProbeAsync(target, "bare.example.test", Timeout);

        Assert.Equal([chain.Intermediate.Thumbprint], full.ServedChain.Select(c => c.Thumbprint));
        Assert.True(full.IntermediatesServed);
        Assert.Empty(bare.ServedChain);
        Assert.False(bare.IntermediatesServed);

        // Neither contains the leaf, although the platform's store of peer certificates starts with it.
        Assert.DoesNotContain(full.ServedChain, c => c.Thumbprint == chain.Leaf.Thumbprint);
    }

    [Fact]
    public async Task The_served_chain_matches_what_openssl_sees_on_the_wire()
    {
        // Pins down the assumption the probe rests on: the validation callback's ExtraStore is what the server
        // sent, in wire order, not a chain built locally. openssl s_client -showcerts is an independent witness.
        if (!OpenSslClient.IsAvailable)
        {
            return; // Nothing to compare against; the other chain tests still run.
        }

        var chain = TestCertificateAuthority.CreateChain("full.example.test", "bare.example.test");
        await using var endpoint = TestTlsEndpoint.Start();
        endpoint.Map("full.example.test", ServedIdentity.FromChain(chain, sendIntermediate: true));
        endpoint.Map("bare.example.test", ServedIdentity.FromChain(chain, sendIntermediate: false));
        var target = ProbeEndpoint.Parse(endpoint.Address);

        foreach (var host in new[] { "full.example.test", "bare.example.test" })
        {
            var onTheWire = await OpenSslClient.ShowCertsAsync(endpoint.Address, host);
            var probed = await _probe.ProbeAsync(target, host, Timeout);

            Assert.Equal(onTheWire[0], probed.Leaf!.Thumbprint);
            Assert.Equal(onTheWire.Skip(1), probed.ServedChain.Select(c => c.Thumbprint));
        }
    }

    [Theory]
    [InlineData(SslProtocols.Tls12, "Tls12")]
    [InlineData(SslProtocols.Tls13, "Tls13")]
    public async Task Captures_the_negotiated_protocol_and_cipher_suite(SslProtocols serverProtocols, string expected)
    {
        var chain = TestCertificateAuthority.CreateChain("app.example.test");
        await using var endpoint = TestTlsEndpoint.Start(ServedIdentity.FromChain(chain));
        endpoint.EnabledProtocols = serverProtocols;

        var result = await _probe.ProbeAsync(ProbeEndpoint.Parse(endpoint.Address), "app.example.test", Timeout);

        Assert.True(result.Succeeded, result.FailureMessage);
        Assert.Equal(expected, result.TlsVersion);
        Assert.NotNull(result.CipherSuite);
        Assert.Contains(serverProtocols == SslProtocols.Tls13 ? "TLS_AES" : "ECDHE", result.CipherSuite.ToString());
    }

    [Fact]
    public async Task Never_sends_application_data_and_hangs_up_after_the_handshake()
    {
        await using var endpoint = TestTlsEndpoint.Start(ServedIdentity.FromChain(TestCertificateAuthority.CreateChain("app.example.test")));
        var target = ProbeEndpoint.Parse(endpoint.Address);

        for (var i = 0; i < 5; i++)
        {
            Assert.True((await _probe.ProbeAsync(target, "app.example.test", Timeout)).Succeeded);
        }

        // The server side finishes each connection only when the client hangs up, having read anything sent first.
        await WaitUntilAsync(() => endpoint.ConnectionsFinished == 5, TimeSpan.FromSeconds(5));
        Assert.Equal(5, endpoint.HandshakesCompleted);
        Assert.Equal(0, endpoint.ApplicationBytesReceived);
    }

    [Fact]
    public async Task A_stopped_endpoint_is_connection_refused_not_an_exception()
    {
        var endpoint = TestTlsEndpoint.Start(ServedIdentity.FromChain(TestCertificateAuthority.CreateChain("app.example.test")));
        await using (endpoint)
        {
            endpoint.StopListening();

            var result = await _probe.ProbeAsync(ProbeEndpoint.Parse(endpoint.Address), "app.example.test", Timeout);

            Assert.False(result.Succeeded);
            Assert.Equal(ProbeFailureKind.ConnectionRefused, result.FailureKind);
            Assert.Contains("refused", result.FailureMessage);
            Assert.Null(result.Leaf);
            Assert.Empty(result.ServedChain);
            Assert.Null(result.TlsVersion);
            Assert.True(result.Elapsed < TimeSpan.FromSeconds(5));
        }
    }

    [Theory]
    [InlineData(TestTlsBehavior.CloseOnAccept)]
    [InlineData(TestTlsBehavior.ResetOnAccept)]
    [InlineData(TestTlsBehavior.AbortAfterClientHello)]
    [InlineData(TestTlsBehavior.RejectWithAlert)]
    public async Task A_refused_handshake_is_a_handshake_failure_with_a_reason(TestTlsBehavior behavior)
    {
        await using var endpoint = TestTlsEndpoint.Start(ServedIdentity.FromChain(TestCertificateAuthority.CreateChain("app.example.test")));
        endpoint.Behavior = behavior;

        var result = await _probe.ProbeAsync(ProbeEndpoint.Parse(endpoint.Address), "app.example.test", Timeout);

        Assert.True(result.FailureKind == ProbeFailureKind.HandshakeFailed, result.FailureMessage);
        Assert.StartsWith($"TLS handshake with {endpoint.Address} failed: ", result.FailureMessage);
        Assert.True(result.FailureMessage!.Length > $"TLS handshake with {endpoint.Address} failed: ".Length);
        Assert.Null(result.Leaf);
        Assert.True(result.Elapsed < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Unknown_sni_without_a_default_certificate_fails_the_handshake()
    {
        await using var endpoint = TestTlsEndpoint.Start(defaultIdentity: null);
        endpoint.Map("known.example.test", ServedIdentity.FromChain(TestCertificateAuthority.CreateChain("known.example.test")));

        var result = await _probe.ProbeAsync(ProbeEndpoint.Parse(endpoint.Address), "unknown.example.test", Timeout);

        Assert.Equal(ProbeFailureKind.HandshakeFailed, result.FailureKind);
    }

    [Fact]
    public async Task A_stalled_server_times_out_within_the_timeout()
    {
        await using var endpoint = TestTlsEndpoint.Start(ServedIdentity.FromChain(TestCertificateAuthority.CreateChain("app.example.test")));
        endpoint.Behavior = TestTlsBehavior.Stall;
        var timeout = TimeSpan.FromMilliseconds(600);

        var stopwatch = Stopwatch.StartNew();
        var result = await _probe.ProbeAsync(ProbeEndpoint.Parse(endpoint.Address), "app.example.test", timeout);
        stopwatch.Stop();

        Assert.Equal(ProbeFailureKind.Timeout, result.FailureKind);
        Assert.Contains("0.6 s", result.FailureMessage);
        Assert.Contains("TLS handshake", result.FailureMessage);
        Assert.InRange(stopwatch.Elapsed, timeout - TimeSpan.FromMilliseconds(50), timeout + TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task A_name_that_does_not_resolve_is_a_dns_failure()
    {
        var probe = new TlsProbe(new FakeHostResolver(new Dictionary<string, IPAddress[]>()));

        var result = await probe.ProbeAsync(ProbeEndpoint.Parse("nowhere.invalid:443"), sni: null, Timeout);

        Assert.Equal(ProbeFailureKind.DnsFailure, result.FailureKind);
        Assert.Contains("'nowhere.invalid' did not resolve", result.FailureMessage);
        Assert.Equal("nowhere.invalid", result.Sni);
    }

    [Fact]
    public async Task A_name_resolving_to_several_addresses_falls_back_to_one_that_answers()
    {
        await using var endpoint = TestTlsEndpoint.Start(ServedIdentity.FromChain(TestCertificateAuthority.CreateChain("app.example.test")));

        // 127.0.0.2 is loopback too, but the endpoint listens on 127.0.0.1 only: that first address refuses.
        var probe = new TlsProbe(new FakeHostResolver(new Dictionary<string, IPAddress[]>
        {
            ["app.example.test"] = [IPAddress.Parse("127.0.0.2"), IPAddress.Loopback],
        }));

        var result = await probe.ProbeAsync(new ProbeEndpoint("app.example.test", endpoint.Port), sni: null, Timeout);

        Assert.True(result.Succeeded, result.FailureMessage);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, endpoint.Port), result.RemoteAddress);
        Assert.Equal("app.example.test", result.Sni);
    }

    [Fact]
    public async Task An_already_cancelled_token_returns_cancelled_without_connecting()
    {
        await using var endpoint = TestTlsEndpoint.Start(ServedIdentity.FromChain(TestCertificateAuthority.CreateChain("app.example.test")));

        var result = await _probe.ProbeAsync(
            ProbeEndpoint.Parse(endpoint.Address), "app.example.test", Timeout, new CancellationToken(canceled: true));

        Assert.Equal(ProbeFailureKind.Cancelled, result.FailureKind);
        Assert.Equal(0, endpoint.ConnectionsAccepted);
    }

    [Fact]
    public async Task Cancelling_stops_a_hundred_stalled_probes_promptly()
    {
        await using var endpoint = TestTlsEndpoint.Start(ServedIdentity.FromChain(TestCertificateAuthority.CreateChain("app.example.test")));
        endpoint.Behavior = TestTlsBehavior.Stall;
        var target = ProbeEndpoint.Parse(endpoint.Address);
        using var cancellation = new CancellationTokenSource();

        var probes = Enumerable.Range(0, 100)
            .Select(_ => _probe.ProbeAsync(target, "app.example.test", TimeSpan.FromSeconds(60), cancellation.Token))
            .ToArray();
        await WaitUntilAsync(() => endpoint.ConnectionsAccepted == 100, TimeSpan.FromSeconds(10));

        var stopwatch = Stopwatch.StartNew();
        await cancellation.CancelAsync();
        var results = await Task.WhenAll(probes);
        stopwatch.Stop();

        Assert.All(results, r => Assert.Equal(ProbeFailureKind.Cancelled, r.FailureKind));
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(2), $"took {stopwatch.Elapsed}");
    }

    [Fact]
    public async Task Rejects_a_non_positive_timeout()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(
            () => _probe.ProbeAsync(ProbeEndpoint.Parse("127.0.0.1:1"), null, TimeSpan.Zero));
    }

    internal static async Task WaitUntilAsync(Func<bool> condition, TimeSpan limit)
    {
        var stopwatch = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(stopwatch.Elapsed < limit, $"Condition not met within {limit}.");
            await Task.Delay(10);
        }
    }
}
