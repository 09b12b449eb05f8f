using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using IngressCerts.Engine.Probing;
using IngressCerts.Engine.Tests.TestTls;

namespace IngressCerts.Engine.Tests.Probing;

/// <summary>
/// The probe no longer lets SslStream build a chain against the system trust on every handshake; it asks
/// <see cref="ChainVerdictCache"/> once per distinct served chain. These tests hold its results to what the
/// previous probe reported: a reference handshake with the previous options, on the same endpoints.
/// </summary>
public sealed class ChainVerdictTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Policy_errors_are_those_of_a_handshake_that_builds_the_chain_against_the_system_trust()
    {
        var chain = TestCertificateAuthority.CreateChain("full.example.test", "bare.example.test");
        var fake = TestCertificateAuthority.CreateSelfSignedLeaf("CN=Kubernetes Ingress Controller Fake Certificate", "ingress.local");
        await using var endpoint = TestTlsEndpoint.Start(new ServedIdentity(fake));
        endpoint.Map("full.example.test", ServedIdentity.FromChain(chain, sendIntermediate: true));
        endpoint.Map("bare.example.test", ServedIdentity.FromChain(chain, sendIntermediate: false));
        var target = ProbeEndpoint.Parse(endpoint.Address);
        var probe = new TlsProbe();

        // Matching name with and without intermediates, an unmatched SNI (the fake certificate), and no SNI at all
        // to an IP literal (the name check is then against the address); each twice, so the second is a cache hit.
        foreach (var sni in new[] { "full.example.test", "bare.example.test", "unknown.example.test", null, "full.example.test", null })
        {
            var result = await probe.ProbeAsync(target, sni, Timeout);
            var expected = await ReferencePolicyErrorsAsync(target, sni ?? target.Host);

            Assert.True(result.Succeeded, result.FailureMessage);
            Assert.Equal(expected, result.PolicyErrors);
        }
    }

    [Fact]
    public void One_build_per_distinct_served_chain()
    {
        var chain = TestCertificateAuthority.CreateChain("app.example.test");
        var other = TestCertificateAuthority.CreateChain("other.example.test");
        var cache = new ChainVerdictCache();

        var first = cache.ChainErrors(chain.Leaf, [chain.Leaf, chain.Intermediate]);
        var again = cache.ChainErrors(chain.Leaf, [chain.Leaf, chain.Intermediate]);
        Assert.Equal(1, cache.Builds);
        Assert.Equal(first, again);

        // A different served set (intermediate missing) or a different leaf is a different chain.
        cache.ChainErrors(chain.Leaf, [chain.Leaf]);
        cache.ChainErrors(other.Leaf, [other.Leaf, other.Intermediate]);
        Assert.Equal(3, cache.Builds);

        // Test roots are in no system store: the verdict is what X509Chain says for each.
        Assert.Equal(SslPolicyErrors.RemoteCertificateChainErrors, first);
    }

    [Fact]
    public void A_verdict_is_rebuilt_after_its_lifetime_and_at_a_validity_boundary()
    {
        var ca = TestCertificateAuthority.CreateRoot().CreateIntermediate();
        var now = DateTimeOffset.UtcNow;
        var longLived = ca.IssueLeaf(["app.example.test"]);
        var expiring = ca.IssueLeaf(["soon.example.test"], notAfter: now.AddSeconds(20));
        var clock = new ManualClock(now);
        var cache = new ChainVerdictCache(clock);

        cache.ChainErrors(longLived, [longLived, ca.Certificate]);
        clock.Now = now + ChainVerdictCache.Lifetime - TimeSpan.FromSeconds(1);
        cache.ChainErrors(longLived, [longLived, ca.Certificate]);
        Assert.Equal(1, cache.Builds);
        clock.Now = now + ChainVerdictCache.Lifetime + TimeSpan.FromSeconds(1);
        cache.ChainErrors(longLived, [longLived, ca.Certificate]);
        Assert.Equal(2, cache.Builds);

        clock.Now = now;
        cache.ChainErrors(expiring, [expiring, ca.Certificate]);
        clock.Now = now.AddSeconds(19);
        cache.ChainErrors(expiring, [expiring, ca.Certificate]);
        Assert.Equal(3, cache.Builds);
        clock.Now = now.AddSeconds(21);
        cache.ChainErrors(expiring, [expiring, ca.Certificate]);
        Assert.Equal(4, cache.Builds);
    }

    [Fact]
    public void A_chain_that_reaches_a_trusted_root_gets_no_chain_errors_and_the_verdict_is_reused()
    {
        var chain = TestCertificateAuthority.CreateChain("app.example.test");
        var trust = ChainTrust.CustomRoots([chain.Root]);
        var cache = new ChainVerdictCache();

        Assert.Equal(SslPolicyErrors.None, cache.ChainErrors(chain.Leaf, [chain.Leaf, chain.Intermediate], trust));
        Assert.Equal(SslPolicyErrors.None, cache.ChainErrors(chain.Leaf, [chain.Leaf, chain.Intermediate], trust));
        Assert.Equal(1, cache.Builds);

        // The same set of roots given again (other objects, the root listed twice) is the same trust.
        var again = ChainTrust.CustomRoots([new X509Certificate2(chain.Root), new X509Certificate2(chain.Root)]);
        Assert.Equal(SslPolicyErrors.None, cache.ChainErrors(chain.Leaf, [chain.Leaf, chain.Intermediate], again));
        Assert.Equal(1, cache.Builds);
    }

    [Fact]
    public void A_trusted_verdict_is_never_reused_for_another_chain_or_another_trust_setting()
    {
        var chain = TestCertificateAuthority.CreateChain("app.example.test");
        var other = TestCertificateAuthority.CreateChain("app.example.test");
        var trusted = ChainTrust.CustomRoots([chain.Root]);
        var cache = new ChainVerdictCache();
        Assert.Equal(SslPolicyErrors.None, cache.ChainErrors(chain.Leaf, [chain.Leaf, chain.Intermediate], trusted));

        // Intermediate not served: the same leaf no longer reaches the root (no downloads).
        Assert.Equal(SslPolicyErrors.RemoteCertificateChainErrors, cache.ChainErrors(chain.Leaf, [chain.Leaf], trusted));

        // Another CA's chain for the same name, under the same trust.
        Assert.Equal(SslPolicyErrors.RemoteCertificateChainErrors, cache.ChainErrors(other.Leaf, [other.Leaf, other.Intermediate], trusted));

        // The same chain under another root, under the system trust (test roots are in no system store), and under a
        // set that adds the other root: each is its own verdict.
        Assert.Equal(SslPolicyErrors.RemoteCertificateChainErrors, cache.ChainErrors(chain.Leaf, [chain.Leaf, chain.Intermediate], ChainTrust.CustomRoots([other.Root])));
        Assert.Equal(SslPolicyErrors.RemoteCertificateChainErrors, cache.ChainErrors(chain.Leaf, [chain.Leaf, chain.Intermediate], ChainTrust.System));
        Assert.Equal(SslPolicyErrors.RemoteCertificateChainErrors, cache.ChainErrors(chain.Leaf, [chain.Leaf, chain.Intermediate]));
        Assert.Equal(SslPolicyErrors.None, cache.ChainErrors(chain.Leaf, [chain.Leaf, chain.Intermediate], ChainTrust.CustomRoots([other.Root, chain.Root])));
        Assert.Equal(6, cache.Builds);

        // And the first trusted verdict still stands for its own chain and trust, without a build.
        Assert.Equal(SslPolicyErrors.None, cache.ChainErrors(chain.Leaf, [chain.Leaf, chain.Intermediate], trusted));
        Assert.Equal(6, cache.Builds);
    }

    [Fact]
    public void A_trusted_verdict_ends_when_the_trusted_root_expires_although_the_root_is_not_served()
    {
        var root = TestCertificateAuthority.CreateRoot();
        var intermediate = root.CreateIntermediate();
        var leaf = intermediate.IssueLeaf("app.example.test");
        var now = DateTimeOffset.UtcNow;

        // The same root re-signed to expire in 50 s (within the verdict's lifetime, and long enough for the first build
        // to see it valid): only the built chain's last element carries that boundary.
        var expiringRoot = root.SelfSignedAgain(now.AddDays(-1), now.AddSeconds(50));
        var clock = new ManualClock(now);
        var cache = new ChainVerdictCache(clock);
        var trust = ChainTrust.CustomRoots([expiringRoot]);

        Assert.Equal(SslPolicyErrors.None, cache.ChainErrors(leaf, [leaf, intermediate.Certificate], trust));
        clock.Now = now.AddSeconds(49);
        cache.ChainErrors(leaf, [leaf, intermediate.Certificate], trust);
        Assert.Equal(1, cache.Builds);
        clock.Now = now.AddSeconds(51);
        cache.ChainErrors(leaf, [leaf, intermediate.Certificate], trust);
        Assert.Equal(2, cache.Builds);
    }

    /// <summary>The handshake as the probe did it before the verdict cache: SslStream's own chain build with the system trust.</summary>
    private static async Task<SslPolicyErrors> ReferencePolicyErrorsAsync(ProbeEndpoint target, string targetHost)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(target.Address!, target.Port));
        await using var tls = new SslStream(new NetworkStream(socket, ownsSocket: false));
        var seen = SslPolicyErrors.None;
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = targetHost,
            EnabledSslProtocols = SslProtocols.None,
            AllowTlsResume = false,
            CertificateChainPolicy = new X509ChainPolicy
            {
                RevocationMode = X509RevocationMode.NoCheck,
                DisableCertificateDownloads = true,
            },
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = (_, _, _, errors) =>
            {
                seen = errors;
                return true;
            },
        });
        return seen;
    }

    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
