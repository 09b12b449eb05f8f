using System.Net;
using IngressCerts.Engine.Probing;

namespace IngressCerts.Engine.Tests.Probing;

public sealed class ProbeEndpointTests
{
    [Theory]
    [InlineData("example.com:8443", "example.com", 8443, false)]
    [InlineData("example.com", "example.com", 443, false)]
    [InlineData("  app.example.com  ", "app.example.com", 443, false)]
    [InlineData("10.1.2.3", "10.1.2.3", 443, true)]
    [InlineData("127.0.0.1:1", "127.0.0.1", 1, true)]
    [InlineData("[::1]:443", "::1", 443, true)]
    [InlineData("[::1]", "::1", 443, true)]
    [InlineData("[2001:db8::5]:65535", "2001:db8::5", 65535, true)]
    [InlineData("2001:db8::5", "2001:db8::5", 443, true)]
    [InlineData("under_score.internal:80", "under_score.internal", 80, false)]
    public void Parses_host_port_forms(string text, string host, int port, bool isIp)
    {
        var endpoint = ProbeEndpoint.Parse(text);

        Assert.Equal(host, endpoint.Host);
        Assert.Equal(port, endpoint.Port);
        Assert.Equal(isIp, endpoint.IsIpAddress);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("example.com:0", "not a TCP port")]
    [InlineData("example.com:65536", "not a TCP port")]
    [InlineData("example.com:https", "not a TCP port")]
    [InlineData("[::1", "never closes")]
    [InlineData("[example.com]:443", "not an IPv6 address")]
    [InlineData("[::1]443", "expected ':port'")]
    [InlineData(":443", "names no host")]
    [InlineData("https://example.com/", "looks like a URL")]
    [InlineData("example.com/path", "looks like a URL")]
    [InlineData("exa mple.com", "neither an IP address nor a DNS host name")]
    public void Rejects_malformed_text_with_a_reason(string text, string reasonFragment)
    {
        Assert.False(ProbeEndpoint.TryParse(text, out var endpoint, out var error));
        Assert.Null(endpoint);
        Assert.Contains(reasonFragment, error, StringComparison.OrdinalIgnoreCase);
        var thrown = Assert.Throws<FormatException>(() => ProbeEndpoint.Parse(text));
        Assert.Equal(error, thrown.Message);
    }

    [Theory]
    [InlineData("example.com:8443")]
    [InlineData("10.0.0.1:443")]
    [InlineData("[::1]:8443")]
    public void ToString_round_trips(string text) =>
        Assert.Equal(ProbeEndpoint.Parse(text), ProbeEndpoint.Parse(ProbeEndpoint.Parse(text).ToString()));

    [Fact]
    public void Short_numeric_hosts_are_names_not_addresses()
    {
        // IPAddress.TryParse would read "10" as 0.0.0.10; a probe of "10" is far likelier a typo than that address.
        Assert.False(ProbeEndpoint.Parse("10:443").IsIpAddress);
    }

    [Fact]
    public void Effective_sni_defaults_to_the_host_name_but_never_to_an_ip()
    {
        Assert.Equal("app.example.com", new ProbeRequest(ProbeEndpoint.Parse("app.example.com")).EffectiveSni);
        Assert.Null(new ProbeRequest(ProbeEndpoint.Parse("10.0.0.1")).EffectiveSni);
        Assert.Equal("app.example.com", new ProbeRequest(ProbeEndpoint.Parse("10.0.0.1"), "app.example.com").EffectiveSni);
        Assert.Equal(IPAddress.Parse("10.0.0.1"), ProbeEndpoint.Parse("10.0.0.1").Address);
    }
}
