using System.Net;
using IngressCerts.Engine.Certificates;
using IngressCerts.Engine.Requests;

namespace IngressCerts.Engine.Tests.Requests;

/// <summary>What a request is asked for: its key, its hosts and its subject, each refused in words when it cannot be made.</summary>
public sealed class RequestInputTests
{
    [Fact]
    public void Without_a_choice_or_a_current_certificate_the_key_is_ECDSA_P256() =>
        Assert.Equal(new RequestKeySpec(KeyAlgorithm.ECDSA, 256), RequestKeySpec.Resolve(null, null, null, null, out _));

    [Fact]
    public void Without_a_choice_the_key_is_like_the_current_certificates() =>
        Assert.Equal(new RequestKeySpec(KeyAlgorithm.RSA, 3072), RequestKeySpec.Resolve(null, null, "RSA", 3072, out _));

    [Fact]
    public void A_current_key_a_request_cannot_make_falls_back_to_the_default() =>
        Assert.Equal(RequestKeySpec.Default, RequestKeySpec.Resolve(null, null, "RSA", 1024, out _));

    [Theory]
    [InlineData("ECDSA", "P-384", KeyAlgorithm.ECDSA, 384)]
    [InlineData(null, "P-384", KeyAlgorithm.ECDSA, 384)]
    [InlineData(null, "4096", KeyAlgorithm.RSA, 4096)]
    [InlineData("rsa", null, KeyAlgorithm.RSA, 3072)]
    [InlineData("ECDSA", null, KeyAlgorithm.ECDSA, 256)]
    public void A_choice_wins_over_the_current_certificate_and_an_algorithm_alone_keeps_the_current_size(string? algorithm, string? size, KeyAlgorithm expected, int expectedSize) =>
        Assert.Equal(new RequestKeySpec(expected, expectedSize), RequestKeySpec.Resolve(algorithm, size, "RSA", 3072, out _));

    [Theory]
    [InlineData("RSA", "P-256")]
    [InlineData("ECDSA", "2048")]
    [InlineData(null, "1024")]
    [InlineData(null, "P-521")]
    [InlineData("DSA", null)]
    public void A_key_a_request_cannot_make_is_refused_in_words(string? algorithm, string? size)
    {
        Assert.Null(RequestKeySpec.Resolve(algorithm, size, null, null, out string? error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void An_algorithm_alone_other_than_the_current_one_gets_its_smallest_size() =>
        Assert.Equal(new RequestKeySpec(KeyAlgorithm.RSA, 2048), RequestKeySpec.Resolve("RSA", null, "ECDSA", 384, out _));

    [Fact]
    public void Hosts_become_A_labels_and_IP_addresses_without_duplicates()
    {
        var hosts = RequestHosts.Parse(new[] { "Bücher.Example.", "10.1.2.3", "bücher.example", "*.shop.example", "::1" }, out _)!;
        Assert.Equal(new[] { "xn--bcher-kva.example", "*.shop.example" }, hosts.DnsNames);
        Assert.Equal(new[] { IPAddress.Parse("10.1.2.3"), IPAddress.IPv6Loopback }, hosts.IpAddresses);
        Assert.Equal(new[] { "xn--bcher-kva.example", "10.1.2.3", "*.shop.example", "::1" }, hosts.All);
    }

    [Theory]
    [InlineData("shop_contoso.example")]
    [InlineData("shop contoso")]
    [InlineData("-shop.example")]
    public void A_host_that_is_no_DNS_name_is_refused_naming_it(string host)
    {
        Assert.Null(RequestHosts.Parse(new[] { "ok.example", host }, out string? error));
        Assert.Contains(host, error, StringComparison.Ordinal);
    }

    [Fact]
    public void No_host_at_all_is_refused()
    {
        Assert.Null(RequestHosts.Parse(new[] { " ", null }, out string? error));
        Assert.Contains("no host", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("CN=shop.contoso.example")]
    [InlineData("CN=shop.contoso.example, O=Contoso, C=NL")]
    [InlineData("CN=\"Contoso, Inc.\", OU=Web")]
    public void An_X500_name_is_a_subject(string subject) => Assert.NotNull(SubjectName.Parse(subject, out _));

    [Theory]
    [InlineData("")]
    [InlineData("shop.contoso.example")]
    [InlineData("CN=")]
    [InlineData("XX=foo")]
    [InlineData("CN=a,,=b")]
    public void Text_that_is_no_X500_name_is_refused(string subject)
    {
        Assert.Null(SubjectName.Parse(subject, out string? error));
        Assert.Contains("X.500", error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_subject_is_the_first_host_that_fits_a_CN()
    {
        string longHost = new string('a', 60) + ".example";
        var hosts = RequestHosts.Parse(new[] { longHost, "short.example" }, out _)!;
        Assert.Equal("CN=short.example", SubjectName.Default(hosts).Name);
    }
}
