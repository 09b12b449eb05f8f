using System.Net;
using IngressCerts.Engine.Certificates;

namespace IngressCerts.Engine.Tests.Certificates;

public class HostMatcherTests
{
    private static bool Covers(string host, params string[] dnsNames) => HostMatcher.IsCovered(host, dnsNames, []);

    private static bool CoversIp(string host, params string[] addresses) => HostMatcher.IsCovered(host, [], addresses.Select(IPAddress.Parse));

    [Fact]
    public void Exact_name_is_covered() => Assert.True(Covers("www.example.com", "www.example.com"));

    [Fact]
    public void Other_name_is_not_covered() => Assert.False(Covers("api.example.com", "www.example.com"));

    [Fact]
    public void Names_compare_case_insensitively() => Assert.True(Covers("WWW.Example.COM", "www.EXAMPLE.com"));

    [Fact]
    public void Trailing_dot_is_ignored_on_either_side()
    {
        Assert.True(Covers("www.example.com.", "www.example.com"));
        Assert.True(Covers("www.example.com", "www.example.com."));
    }

    [Fact]
    public void Any_of_several_names_covers() => Assert.True(Covers("b.example.com", "a.example.com", "b.example.com"));

    [Fact]
    public void Wildcard_covers_exactly_one_label() => Assert.True(Covers("foo.example.com", "*.example.com"));

    [Fact]
    public void Wildcard_does_not_cover_two_labels() => Assert.False(Covers("a.b.example.com", "*.example.com"));

    [Fact]
    public void Wildcard_does_not_cover_the_bare_domain() => Assert.False(Covers("example.com", "*.example.com"));

    [Fact]
    public void Partial_label_wildcard_covers_nothing()
    {
        Assert.False(Covers("foo.example.com", "f*.example.com"));
        Assert.False(Covers("foo.example.com", "*o.example.com"));
    }

    [Fact]
    public void Wildcard_past_the_left_most_label_covers_nothing() => Assert.False(Covers("a.b.example.com", "a.*.example.com"));

    [Fact]
    public void Wildcard_over_a_top_level_domain_covers_nothing() => Assert.False(Covers("example.com", "*.com"));

    [Fact]
    public void Wildcard_host_is_covered_by_the_same_wildcard() => Assert.True(Covers("*.example.com", "*.example.com"));

    [Fact]
    public void Wildcard_host_is_not_covered_by_names_under_it() => Assert.False(Covers("*.example.com", "a.example.com", "b.example.com"));

    [Fact]
    public void Wildcard_host_is_not_covered_by_a_wildcard_one_level_up() => Assert.False(Covers("*.a.example.com", "*.example.com"));

    [Fact]
    public void Unicode_host_is_compared_in_A_label_form() => Assert.True(Covers("bücher.example", "xn--bcher-kva.example"));

    [Fact]
    public void A_label_host_matches_a_name_written_in_unicode() => Assert.True(Covers("xn--bcher-kva.example", "BÜCHER.example"));

    [Fact]
    public void Wildcard_covers_a_unicode_label() => Assert.True(Covers("bücher.example.com", "*.example.com"));

    [Fact]
    public void Wildcard_host_in_unicode_is_covered_by_the_same_wildcard_in_A_labels() => Assert.True(Covers("*.bücher.example", "*.xn--bcher-kva.example"));

    [Fact]
    public void IPv4_host_is_covered_by_an_IP_address_name() => Assert.True(CoversIp("192.0.2.10", "192.0.2.10"));

    [Fact]
    public void IPv4_host_is_not_covered_by_another_address() => Assert.False(CoversIp("192.0.2.10", "192.0.2.11"));

    [Fact]
    public void IPv6_host_is_covered_with_or_without_brackets()
    {
        Assert.True(CoversIp("2001:db8::1", "2001:db8:0:0:0:0:0:1"));
        Assert.True(CoversIp("[2001:db8::1]", "2001:db8::1"));
    }

    [Fact]
    public void IP_host_is_not_covered_by_a_DNS_name_spelling_it() => Assert.False(Covers("192.0.2.10", "192.0.2.10"));

    [Fact]
    public void DNS_host_is_not_covered_by_IP_addresses() => Assert.False(CoversIp("www.example.com", "192.0.2.10"));

    [Fact]
    public void Legacy_short_IPv4_forms_are_host_names() =>
        // "10" parses as an address in .NET, but an Ingress host "10" is a (single-label) name.
        Assert.True(Covers("10", "10"));

    [Fact]
    public void Empty_host_is_never_covered() => Assert.False(Covers("", "*.example.com", ""));

    [Fact]
    public void Certificate_without_SAN_covers_nothing_whatever_its_CN()
    {
        using var leaf = SharedPki.Leaf(new CertSpec { CommonName = "www.example.com" });
        Assert.False(HostMatcher.IsCovered("www.example.com", leaf.Certificate));
    }

    [Fact]
    public void Certificate_SANs_cover_their_hosts()
    {
        using var leaf = SharedPki.Leaf(new CertSpec { DnsNames = ["*.example.com", "bücher.example"], IpAddresses = ["192.0.2.1"] });
        Assert.True(HostMatcher.IsCovered("www.example.com", leaf.Certificate));
        Assert.True(HostMatcher.IsCovered("bücher.example", leaf.Certificate));
        Assert.True(HostMatcher.IsCovered("xn--bcher-kva.example", leaf.Certificate));
        Assert.True(HostMatcher.IsCovered("192.0.2.1", leaf.Certificate));
        Assert.False(HostMatcher.IsCovered("a.b.example.com", leaf.Certificate));
    }
}
