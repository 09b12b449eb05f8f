using IngressCerts.Engine.Probing;
using IngressCerts.Engine.Publishing;
using IngressCerts.Engine.Tests.Support;
using k8s.Models;

namespace IngressCerts.Engine.Tests.Probing;

/// <summary>
/// A load balancer address in an Ingress status that cannot be probed fails that host's check only: it is never
/// an exception that ends the whole run (Test -Live) or surfaces after writing (Publish -Verify).
/// </summary>
public sealed class BadAddressTests
{
    private static V1Ingress IngressWithAddress(string hostname) => new()
    {
        Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "shop" },
        Status = new V1IngressStatus { LoadBalancer = new V1IngressLoadBalancerStatus { Ingress = [new V1IngressLoadBalancerIngress { Hostname = hostname }] } },
    };

    [Theory]
    [InlineData("not a host!")]
    [InlineData("https://lb.example")]
    [InlineData("lb..example")]
    public void TryCreate_refuses_what_Kubernetes_status_may_hold_but_DNS_cannot_resolve(string address)
    {
        Assert.False(ProbeEndpoint.TryCreate(address, out var endpoint, out var error));
        Assert.Null(endpoint);
        Assert.Contains(address, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("lb.example", "lb.example:443")]
    [InlineData("10.0.0.7", "10.0.0.7:443")]
    [InlineData("2001:db8::7", "[2001:db8::7]:443")]
    public void TryCreate_takes_a_host_or_IP_on_port_443(string address, string expected)
    {
        Assert.True(ProbeEndpoint.TryCreate(address, out var endpoint, out _));
        Assert.Equal(expected, endpoint.ToString());
    }

    [Fact]
    public void Targets_with_a_bad_status_address_carry_the_reason_instead_of_throwing()
    {
        var targets = ServedVerifier.Targets(["shop.example", "www.shop.example"], null, IngressWithAddress("not a host!"));

        Assert.Equal(2, targets.Count);
        Assert.All(targets, t =>
        {
            Assert.Null(t.Endpoint);
            Assert.Equal("not a host!", t.Address);
            Assert.Contains("Ingress shop/web has the load balancer address 'not a host!'", t.Problem, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void A_bad_endpoint_given_by_the_user_is_still_an_argument_error()
    {
        Assert.Throws<ArgumentException>(() => ServedVerifier.Targets(["shop.example"], "not a host!", null));
    }

    [Fact]
    public async Task WaitAsync_fails_the_unprobeable_host_at_once_and_verifies_the_others()
    {
        var leaf = TestCertificates.Create("CN=shop.example", ["shop.example"]).Certificate;
        var probe = new ServingProbe(leaf);
        var bad = ServedVerifier.Targets(["shop.example"], null, IngressWithAddress("not a host!")).Single();
        var good = new ServedTarget("api.example", new ProbeEndpoint("127.0.0.1", 8443), "127.0.0.1:8443");

        var observations = await new ServedVerifier(probe, TimeSpan.FromMilliseconds(10))
            .WaitAsync([bad, good], leaf.Thumbprint, TimeSpan.FromSeconds(30), CancellationToken.None);

        Assert.Equal(["shop.example", "api.example"], observations.Select(o => o.Host));
        var failed = observations[0];
        Assert.False(failed.Verified);
        Assert.True(failed.AddressInvalid);
        Assert.Equal("not a host!", failed.Endpoint);
        Assert.Contains("Ingress shop/web", failed.Message, StringComparison.Ordinal);
        Assert.True(observations[1].Verified);
        Assert.Equal(["api.example"], probe.Snis);
    }
}
