using IngressCerts.Engine.Inventory;

namespace IngressCerts.Engine.Tests.Inventory;

public sealed class InventoryFilterTests
{
    private static IngressCertificate Item(string name = "shop", string status = "Valid", int? days = 100, string? thumbprint = "AB12", params string[] hosts) => new()
    {
        Name = name,
        Namespace = "ns",
        Status = status,
        DaysRemaining = days,
        Thumbprint = thumbprint,
        Hosts = hosts.Length == 0 ? new[] { "shop.contoso.com" } : hosts,
    };

    [Fact]
    public void No_criteria_lets_everything_through() => Assert.True(new InventoryFilter().Matches(Item()));

    [Fact]
    public void Host_wildcards_match_any_listed_host()
    {
        var filter = new InventoryFilter(hosts: new[] { "*.contoso.com" });
        Assert.True(filter.Matches(Item(hosts: new[] { "a.fabrikam.com", "b.contoso.com" })));
        Assert.False(filter.Matches(Item(hosts: new[] { "a.fabrikam.com" })));
    }

    [Fact]
    public void Expiry_window_keeps_expired_and_soon_expiring_but_not_unknown()
    {
        var filter = new InventoryFilter(expiringWithinDays: 45);
        Assert.True(filter.Matches(Item(days: 45)));
        Assert.True(filter.Matches(Item(days: -3)));
        Assert.False(filter.Matches(Item(days: 46)));
        Assert.False(filter.Matches(Item(days: null)));
    }

    [Fact]
    public void Thumbprints_compare_by_hex_digits_only() =>
        Assert.True(new InventoryFilter(thumbprints: new[] { "ab:12" }).Matches(Item(thumbprint: "AB12")));

    [Fact]
    public void Status_selects_every_finding_not_only_the_worst()
    {
        // Expires in 9 days, and its chain lacks an intermediate: the worst is IncompleteChain.
        var item = Item(status: "IncompleteChain", days: 9);
        item.Findings = new FindingCollection(
        [
            new Finding("MissingIssuer", "IncompleteChain", "the issuer is missing"),
            new Finding("Expiring", "Expiring", "expires in 9 days"),
            new Finding("WeakRsaKey", "Valid", "a note"),
        ]);

        Assert.True(new InventoryFilter(statuses: ["Expiring", "Expired"]).Matches(item));
        Assert.True(new InventoryFilter(statuses: ["IncompleteChain"]).Matches(item));
        Assert.False(new InventoryFilter(statuses: ["Expired"]).Matches(item));
        Assert.False(new InventoryFilter(statuses: ["Valid"]).Matches(item));
    }

    [Fact]
    public void Status_compares_without_case() =>
        Assert.True(new InventoryFilter(statuses: new[] { "expired" }).Matches(Item(status: "Expired")));
}
