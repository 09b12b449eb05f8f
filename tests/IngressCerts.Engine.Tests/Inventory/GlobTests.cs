using IngressCerts.Engine.Inventory;

namespace IngressCerts.Engine.Tests.Inventory;

public sealed class GlobTests
{
    [Theory]
    [InlineData("prod-*", "prod-west", true)]
    [InlineData("prod-*", "staging", false)]
    [InlineData("PROD", "prod", true)]
    [InlineData("a?c", "abc", true)]
    [InlineData("a?c", "abbc", false)]
    [InlineData("[ab]x", "bx", true)]
    [InlineData("[ab]x", "cx", false)]
    [InlineData("*.contoso.com", "shop.contoso.com", true)]
    [InlineData("a.b", "axb", false)]
    public void Matches_like_PowerShell_wildcards(string pattern, string value, bool expected) =>
        Assert.Equal(expected, new Glob(pattern).IsMatch(value));

    [Fact]
    public void A_pattern_without_wildcards_is_literal() => Assert.True(new Glob("shop").IsLiteral);
}
