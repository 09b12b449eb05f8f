using System.Text.Json.Nodes;
using IngressCerts.Engine.Publishing;
using IngressCerts.Engine.Tests.Support;

namespace IngressCerts.Engine.Tests.Publishing;

public sealed class GatewayWiringTests
{
    private static JsonObject Gateway(string listeners, string status = "") => JsonNode.Parse(
        $$$"""{"metadata":{"name":"edge","namespace":"gw","resourceVersion":"7"},"spec":{"gatewayClassName":"x","listeners":[{{{listeners}}}]}{{{status}}}}""")!.AsObject();

    [Theory]
    [InlineData(null, "shop.example", true)]
    [InlineData("", "shop.example", true)]
    [InlineData("shop.example", "SHOP.example", true)]
    [InlineData("shop.example", "api.example", false)]
    [InlineData("*.example", "shop.example", true)]
    [InlineData("*.example", "a.b.example", true)]
    [InlineData("*.example", "example", false)]
    [InlineData("*.example", "*.example", true)]
    [InlineData("*.example", "*.a.example", true)]
    [InlineData("shop.example", "*.example", false)]
    public void A_listener_hostname_covers_hosts_as_the_Gateway_API_matches_them(string? listener, string host, bool covered) =>
        Assert.Equal(covered, GatewayWiring.Covers(listener, host));

    [Fact]
    public void Passthrough_and_plain_listeners_are_never_chosen_and_the_refusal_lists_the_ones_there_are()
    {
        var gateway = Gateway("""
            {"name":"pass","protocol":"TLS","hostname":"shop.example","tls":{"mode":"Passthrough"}},
            {"name":"http","protocol":"HTTP"},
            {"name":"api","protocol":"HTTPS","hostname":"api.example"}
            """);
        var cert = TestCertificates.Create("CN=shop.example", new[] { "shop.example" });

        var (listeners, _, refusal) = GatewayWiring.Select(gateway, "gw/edge", null, new[] { "shop.example" }, cert.Certificate);

        Assert.Empty(listeners);
        Assert.Equal("NoMatchingListener", refusal!.Id);
        Assert.Contains("Gateway gw/edge has no HTTPS or TLS listener whose hostname covers shop.example", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("api (api.example)", refusal.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("pass", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_host_or_listener_the_listeners_whose_hostname_the_certificate_covers_are_chosen()
    {
        var gateway = Gateway("""
            {"name":"all","protocol":"HTTPS"},
            {"name":"shop","protocol":"HTTPS","hostname":"shop.example"},
            {"name":"api","protocol":"HTTPS","hostname":"api.example"}
            """);
        var cert = TestCertificates.Create("CN=shop.example", new[] { "shop.example" });

        var (listeners, hosts, refusal) = GatewayWiring.Select(gateway, "gw/edge", null, null, cert.Certificate);

        Assert.Null(refusal);
        Assert.Equal(new[] { "shop" }, listeners);
        Assert.Equal(new[] { "shop.example" }, hosts);
    }

    [Fact]
    public void A_host_is_wired_only_on_the_listener_of_each_port_that_takes_its_traffic_the_most_precise_hostname()
    {
        // On one port the most precise hostname takes the request (Gateway API "Hostnames"): the wildcard and the
        // catch-all listeners of 443 never serve shop.example, and their certificates must stay theirs.
        var gateway = Gateway("""
            {"name":"all","protocol":"HTTPS","port":443},
            {"name":"wild","protocol":"HTTPS","port":443,"hostname":"*.example"},
            {"name":"shop","protocol":"HTTPS","port":443,"hostname":"shop.example"},
            {"name":"deep","protocol":"HTTPS","port":8443,"hostname":"*.example"},
            {"name":"deeper","protocol":"HTTPS","port":8443,"hostname":"*.b.example"},
            {"name":"other","protocol":"TLS","port":9443}
            """);
        var cert = TestCertificates.Create("CN=shop.example", new[] { "shop.example", "a.b.example" });

        var (listeners, hosts, refusal) = GatewayWiring.Select(gateway, "gw/edge", null, new[] { "shop.example" }, cert.Certificate);

        Assert.Null(refusal);
        Assert.Equal(new[] { "shop", "deep", "other" }, listeners);
        Assert.Equal(new[] { "shop.example" }, hosts);

        var (forDeep, _, _) = GatewayWiring.Select(gateway, "gw/edge", null, new[] { "a.b.example" }, cert.Certificate);
        Assert.Equal(new[] { "wild", "deeper", "other" }, forDeep);

        // Named explicitly, a less precise listener is still the user's to choose.
        var (named, _, _) = GatewayWiring.Select(gateway, "gw/edge", "wild", new[] { "shop.example" }, cert.Certificate);
        Assert.Equal(new[] { "wild" }, named);
    }

    [Fact]
    public void Wiring_changes_only_the_chosen_listener_and_keeps_the_resourceVersion_read()
    {
        var gateway = Gateway("""
            {"name":"shop","protocol":"HTTPS","hostname":"shop.example","tls":{"certificateRefs":[{"name":"old"}]}},
            {"name":"api","protocol":"HTTPS","hostname":"api.example","tls":{"certificateRefs":[{"name":"api"}]},"allowedRoutes":{"namespaces":{"from":"All"}}}
            """, ""","status":{"addresses":[{"type":"IPAddress","value":"10.0.0.1"}]}""");

        var change = GatewayWiring.Wire(gateway, new[] { "shop" }, "certs", "shop-tls", "id-1")!;

        Assert.Equal("7", change.Gateway["metadata"]!["resourceVersion"]!.GetValue<string>());
        Assert.Null(change.Gateway["status"]);
        var listeners = change.Gateway["spec"]!["listeners"]!.AsArray();
        Assert.Equal("""[{"group":"","kind":"Secret","name":"shop-tls","namespace":"certs"}]""", listeners[0]!["tls"]!["certificateRefs"]!.ToJsonString());
        Assert.Equal(gateway["spec"]!["listeners"]![1]!.ToJsonString(), listeners[1]!.ToJsonString());
        Assert.Equal("listener shop: Secret gw/old -> certs/shop-tls", change.Description);

        var notes = new List<string>();
        var back = GatewayWiring.Unwire(change.Gateway, "certs", "shop-tls", "id-1", notes)!;
        Assert.Equal("gw/old", $"gw/{back.Gateway["spec"]!["listeners"]![0]!["tls"]!["certificateRefs"]![0]!["name"]!.GetValue<string>()}");
        Assert.Null(back.Gateway["metadata"]!["annotations"]);
        Assert.Empty(notes);

        // Another publish's id finds no record of its own: nothing is taken out.
        Assert.Null(GatewayWiring.Unwire(change.Gateway, "certs", "shop-tls", "id-2", notes));
        Assert.Single(notes);
    }

    [Fact]
    public void Verify_probes_the_first_address_of_the_gateway_status()
    {
        var gateway = Gateway("""{"name":"shop","protocol":"HTTPS"}""",
            ""","status":{"addresses":[{"type":"NamedAddress","value":"internal"},{"type":"Hostname","value":"lb.example"},{"value":"10.0.0.2"}]}""");

        Assert.Equal("lb.example", GatewayWiring.StatusAddress(gateway));
        var target = Assert.Single(ServedVerifier.Targets(new[] { "shop.example" }, null, GatewayWiring.StatusAddress(gateway), "Gateway gw/edge has the address"));
        Assert.Equal("lb.example", target.Address);
        Assert.Null(GatewayWiring.StatusAddress(Gateway("""{"name":"shop","protocol":"HTTPS"}""")));

        var bad = Assert.Single(ServedVerifier.Targets(new[] { "shop.example" }, null, "not a host!", "Gateway gw/edge has the address"));
        Assert.Null(bad.Endpoint);
        Assert.Contains("Gateway gw/edge has the address 'not a host!'", bad.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_grant_that_allows_the_reference_needs_no_change_and_one_that_does_not_is_extended_only_when_scoped_to_the_gateways_namespace()
    {
        JsonObject Grant(string name, string from, string? to) => JsonNode.Parse(
            $$$"""{"metadata":{"name":"{{{name}}}","namespace":"certs","resourceVersion":"3"},"spec":{"from":[{"group":"gateway.networking.k8s.io","kind":"Gateway","namespace":"{{{from}}}"}],"to":[{"group":"","kind":"Secret"{{{(to is null ? "" : $",\"name\":\"{to}\"")}}}}]}}""")!.AsObject();

        Assert.Null(ReferenceGrants.Plan(new[] { Grant("any", "gw", null) }, "gw", "certs", "shop-tls", "id"));
        Assert.Null(ReferenceGrants.Plan(new[] { Grant("named", "gw", "shop-tls") }, "gw", "certs", "shop-tls", "id"));

        var created = ReferenceGrants.Plan(new[] { Grant("other-ns", "elsewhere", "team-tls") }, "gw", "certs", "shop-tls", "id")!;
        Assert.True(created.Create);
        Assert.Equal(ReferenceGrants.DefaultName("gw"), created.Name);

        var extended = ReferenceGrants.Plan(new[] { Grant("team", "gw", "team-tls") }, "gw", "certs", "shop-tls", "id")!;
        Assert.False(extended.Create);
        Assert.Equal("team", extended.Name);
        Assert.Equal("3", extended.Grant["metadata"]!["resourceVersion"]!.GetValue<string>());
        Assert.Equal(2, extended.Grant["spec"]!["to"]!.AsArray().Count);
    }
    [Fact]
    public void A_grant_to_create_never_takes_the_name_of_a_grant_that_is_there_but_cannot_be_extended()
    {
        // Someone's grant already has the default name but also lets HTTPRoutes in: it is not ours to widen, and
        // creating a grant of the same name would meet AlreadyExists after the Secret was written, every time.
        var taken = JsonNode.Parse($$$"""
            {"metadata":{"name":"{{{ReferenceGrants.DefaultName("gw")}}}","namespace":"certs","resourceVersion":"3"},
             "spec":{"from":[{"group":"gateway.networking.k8s.io","kind":"Gateway","namespace":"gw"},{"group":"gateway.networking.k8s.io","kind":"HTTPRoute","namespace":"web"}],
                     "to":[{"group":"","kind":"Secret","name":"team-tls"}]}}
            """)!.AsObject();
        var second = JsonNode.Parse($$$"""{"metadata":{"name":"{{{ReferenceGrants.DefaultName("gw")}}}-2","namespace":"certs"},"spec":{"from":[{"group":"","kind":"Service","namespace":"gw"}],"to":[{"group":"","kind":"Secret"}]}}""")!.AsObject();

        var change = ReferenceGrants.Plan(new[] { taken, second }, "gw", "certs", "shop-tls", "id")!;

        Assert.True(change.Create);
        Assert.DoesNotContain(change.Name, new[] { ReferenceGrants.DefaultName("gw"), ReferenceGrants.DefaultName("gw") + "-2" });
        Assert.StartsWith(ReferenceGrants.DefaultName("gw"), change.Name, StringComparison.Ordinal);
        Assert.Contains(change.Name, change.Description, StringComparison.Ordinal);
    }
    [Fact]
    public void A_listener_named_that_passes_TLS_through_or_serves_plain_HTTP_is_refused_saying_so()
    {
        var gateway = Gateway("""
            {"name":"pass","protocol":"TLS","hostname":"shop.example","tls":{"mode":"Passthrough"}},
            {"name":"http","protocol":"HTTP","hostname":"shop.example"}
            """);
        var cert = TestCertificates.Create("CN=shop.example", new[] { "shop.example" });

        var (_, _, pass) = GatewayWiring.Select(gateway, "gw/edge", "pass", new[] { "shop.example" }, cert.Certificate);
        var (_, _, http) = GatewayWiring.Select(gateway, "gw/edge", "http", null, cert.Certificate);

        Assert.Equal("NoMatchingListener", pass!.Id);
        Assert.Contains("listener 'pass' passes TLS through (tls.mode Passthrough): the Gateway holds no certificate for it", pass.Message, StringComparison.Ordinal);
        Assert.Contains("listener 'http' serves HTTP, not HTTPS or TLS", http!.Message, StringComparison.Ordinal);
    }
}
