using EdgeKit.Redis.RateLimiting;
using Microsoft.Extensions.Time.Testing;

namespace EdgeKit.Redis.Tests.RateLimiting;

public sealed class OverLimitCacheTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void A_key_is_held_until_its_retry_after_with_the_time_left_exact()
    {
        var cache = new OverLimitCache(10, _time);
        cache.Add("k", TimeSpan.FromMilliseconds(1500), TimeSpan.FromSeconds(4)).Should().BeTrue();

        _time.Advance(TimeSpan.FromMilliseconds(400));
        cache.TryGet("k", out var retryAfter, out var resetAfter).Should().BeTrue();
        retryAfter.Should().Be(TimeSpan.FromMilliseconds(1100));
        resetAfter.Should().Be(TimeSpan.FromMilliseconds(3600));

        _time.Advance(TimeSpan.FromMilliseconds(1100));
        cache.TryGet("k", out _, out _).Should().BeFalse("the retry-after has passed");
        cache.Count.Should().Be(0, "an expired entry is dropped when read");
    }

    [Fact]
    public void When_full_a_rejection_is_not_cached_until_a_sweep_frees_room()
    {
        var cache = new OverLimitCache(2, _time);
        cache.Add("a", TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)).Should().BeTrue();
        cache.Add("b", TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10)).Should().BeTrue();
        cache.Add("c", TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10)).Should().BeFalse("full, and nothing has expired");
        cache.TryGet("c", out _, out _).Should().BeFalse();

        _time.Advance(TimeSpan.FromSeconds(2));
        cache.Add("c", TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10)).Should().BeTrue("the sweep dropped the expired 'a'");
        cache.Count.Should().Be(2);
        cache.TryGet("b", out _, out _).Should().BeTrue();
        cache.TryGet("c", out _, out _).Should().BeTrue();
    }

    [Fact]
    public void Sweeps_run_at_most_once_per_second()
    {
        var cache = new OverLimitCache(1, _time);
        cache.Add("a", TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(100)).Should().BeTrue();
        _time.Advance(TimeSpan.FromMilliseconds(200));
        cache.Add("b", TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(100)).Should().BeTrue("a sweep dropped the expired 'a'");
        _time.Advance(TimeSpan.FromMilliseconds(200));
        cache.Add("c", TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)).Should().BeFalse("'b' has expired, but the last sweep was 200 ms ago");
        _time.Advance(TimeSpan.FromMilliseconds(800));
        cache.Add("c", TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)).Should().BeTrue("a second after the last sweep another may run");
        cache.Count.Should().Be(1);
    }

    [Fact]
    public void A_capacity_of_zero_caches_nothing()
    {
        var cache = new OverLimitCache(0, _time);
        cache.Add("k", TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)).Should().BeTrue();
        cache.TryGet("k", out _, out _).Should().BeFalse();
        cache.Count.Should().Be(0);
    }

    [Fact]
    public void Adding_a_held_key_again_replaces_its_times()
    {
        var cache = new OverLimitCache(1, _time);
        cache.Add("k", TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        cache.Add("k", TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(3)).Should().BeTrue();
        cache.Count.Should().Be(1);
        cache.TryGet("k", out var retryAfter, out _).Should().BeTrue();
        retryAfter.Should().Be(TimeSpan.FromSeconds(3));
    }
}
