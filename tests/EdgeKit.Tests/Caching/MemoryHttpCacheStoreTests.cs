using EdgeKit.Caching;
using EdgeKit.Configuration;
using Microsoft.Extensions.Time.Testing;

namespace EdgeKit.Tests.Caching;

public sealed class MemoryHttpCacheStoreTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private static HttpCacheEntry Entry(int bodyBytes) => new(200, [], new byte[bodyBytes], DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);

    [Fact]
    public async Task Storing_past_the_size_limit_evicts_the_least_recently_used_entries()
    {
        long each = Entry(1000).Size;
        var store = new MemoryHttpCacheStore(new MemoryHttpCacheStoreOptions { SizeLimit = (each * 3) + 10 }, _time);
        await store.SetAsync("a", Entry(1000), TimeSpan.FromMinutes(1), default);
        await store.SetAsync("b", Entry(1000), TimeSpan.FromMinutes(1), default);
        await store.SetAsync("c", Entry(1000), TimeSpan.FromMinutes(1), default);
        (await store.GetAsync("a", default)).Should().NotBeNull(); // a is now more recently used than b

        await store.SetAsync("d", Entry(1000), TimeSpan.FromMinutes(1), default);

        (await store.GetAsync("b", default)).Should().BeNull();
        (await store.GetAsync("a", default)).Should().NotBeNull();
        (await store.GetAsync("c", default)).Should().NotBeNull();
        (await store.GetAsync("d", default)).Should().NotBeNull();
        store.Count.Should().Be(3);
        store.Size.Should().Be(each * 3);
    }

    [Fact]
    public async Task Expired_entries_are_evicted_before_live_ones()
    {
        long each = Entry(1000).Size;
        var store = new MemoryHttpCacheStore(new MemoryHttpCacheStoreOptions { SizeLimit = (each * 2) + 10 }, _time);
        await store.SetAsync("old", Entry(1000), TimeSpan.FromSeconds(10), default);
        await store.SetAsync("live", Entry(1000), TimeSpan.FromMinutes(10), default);
        _time.Advance(TimeSpan.FromSeconds(11));
        await store.GetAsync("old", default);
        await store.SetAsync("old2", Entry(1000), TimeSpan.FromSeconds(10), default);
        _time.Advance(TimeSpan.FromSeconds(11));

        await store.SetAsync("new", Entry(1000), TimeSpan.FromMinutes(10), default);

        (await store.GetAsync("live", default)).Should().NotBeNull();
        (await store.GetAsync("new", default)).Should().NotBeNull();
        store.Size.Should().Be(each * 2);
    }

    [Fact]
    public async Task An_entry_is_gone_when_its_time_to_live_ends()
    {
        var store = new MemoryHttpCacheStore(new MemoryHttpCacheStoreOptions(), _time);
        await store.SetAsync("k", Entry(10), TimeSpan.FromSeconds(30), default);

        _time.Advance(TimeSpan.FromSeconds(29));
        (await store.GetAsync("k", default)).Should().NotBeNull();
        _time.Advance(TimeSpan.FromSeconds(1));
        (await store.GetAsync("k", default)).Should().BeNull();
        store.Size.Should().Be(0);
    }

    [Fact]
    public async Task An_entry_larger_than_the_limit_is_not_stored_and_replaces_nothing_it_would_evict()
    {
        var store = new MemoryHttpCacheStore(new MemoryHttpCacheStoreOptions { SizeLimit = 5000 }, _time);
        await store.SetAsync("small", Entry(100), TimeSpan.FromMinutes(1), default);

        await store.SetAsync("huge", Entry(10_000), TimeSpan.FromMinutes(1), default);

        (await store.GetAsync("huge", default)).Should().BeNull();
        (await store.GetAsync("small", default)).Should().NotBeNull();
    }

    [Fact]
    public async Task Replacing_and_removing_keep_the_size_exact_and_the_body_array_is_shared_not_copied()
    {
        var store = new MemoryHttpCacheStore(new MemoryHttpCacheStoreOptions(), _time);
        var first = Entry(100);
        var second = Entry(300);
        await store.SetAsync("k", first, TimeSpan.FromMinutes(1), default);
        await store.SetAsync("k", second, TimeSpan.FromMinutes(1), default);

        store.Size.Should().Be(second.Size);
        (await store.GetAsync("k", default)).Should().BeSameAs(second);
        await store.RemoveAsync("k", default);
        store.Size.Should().Be(0);
        store.Count.Should().Be(0);
    }

    [Fact]
    public void A_limit_that_is_not_positive_is_rejected()
    {
        FluentActions.Invoking(() => new MemoryHttpCacheStore(new MemoryHttpCacheStoreOptions { SizeLimit = 0 }, _time))
            .Should().Throw<ArgumentOutOfRangeException>().WithMessage("MemoryHttpCacheStoreOptions.SizeLimit must be positive.*");
    }
}
