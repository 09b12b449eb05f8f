using IngressCerts.Engine.Certificates;

namespace IngressCerts.Engine.Tests.Certificates;

public sealed class RecurrenceCacheTests
{
    private static ContentKey Key(int i) => ContentKey.Of(BitConverter.GetBytes(i));

    [Fact]
    public void A_value_is_kept_only_once_its_key_comes_round_again()
    {
        var cache = new RecurrenceCache<string>(capacity: 8);

        cache.Offer(Key(1), "first");
        Assert.False(cache.TryGet(Key(1), out _));

        cache.Offer(Key(1), "second");
        Assert.True(cache.TryGet(Key(1), out var kept));
        Assert.Equal("second", kept);
        Assert.False(cache.TryGet(Key(2), out _));
    }

    [Fact]
    public void Kept_values_are_bounded()
    {
        var cache = new RecurrenceCache<int>(capacity: 4);
        for (var i = 0; i < 10; i++)
        {
            cache.Offer(Key(i), i);
            cache.Offer(Key(i), i);
        }

        var kept = Enumerable.Range(0, 10).Count(i => cache.TryGet(Key(i), out _));
        Assert.InRange(kept, 1, 4);
        Assert.True(cache.TryGet(Key(9), out var last));
        Assert.Equal(9, last);
    }

    [Fact]
    public void Keys_met_once_are_forgotten_when_their_table_fills()
    {
        var cache = new RecurrenceCache<int>(capacity: 1); // remembers 32 keys met once
        cache.Offer(Key(0), 0);
        for (var i = 1; i <= 40; i++)
        {
            cache.Offer(Key(i), i);
        }

        cache.Offer(Key(0), 0);
        Assert.False(cache.TryGet(Key(0), out _)); // key 0 was forgotten: this was its "first" sight again
    }

    [Fact]
    public void Content_keys_are_equal_for_equal_content_only()
    {
        Assert.Equal(ContentKey.Of("abc"u8), ContentKey.Of("abc"u8));
        Assert.NotEqual(ContentKey.Of("abc"u8), ContentKey.Of("abd"u8));
    }
}
