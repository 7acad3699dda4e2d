using EdgeKit.AspNetCore.Authentication;
using Microsoft.Extensions.Time.Testing;

namespace EdgeKit.AspNetCore.Tests.Authentication;

public class NonceCacheTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void A_nonce_is_refused_until_its_lifetime_ends()
    {
        var cache = new NonceCache(10, _time);

        cache.TryAdd("n1", TimeSpan.FromMinutes(10)).Should().Be(NonceResult.Added);
        cache.TryAdd("n1", TimeSpan.FromMinutes(10)).Should().Be(NonceResult.Replayed);
        _time.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromTicks(1));
        cache.TryAdd("n1", TimeSpan.FromMinutes(10)).Should().Be(NonceResult.Replayed);
        _time.Advance(TimeSpan.FromTicks(1));
        cache.TryAdd("n1", TimeSpan.FromMinutes(10)).Should().Be(NonceResult.Added);
    }

    [Fact]
    public void The_cache_is_bounded_and_fails_closed_until_nonces_expire()
    {
        var cache = new NonceCache(3, _time);
        for (int i = 0; i < 3; i++)
        {
            cache.TryAdd($"n{i}", TimeSpan.FromMinutes(1)).Should().Be(NonceResult.Added);
            _time.Advance(TimeSpan.FromSeconds(10));
        }

        cache.TryAdd("n3", TimeSpan.FromMinutes(1)).Should().Be(NonceResult.Full);
        cache.TryAdd("n0", TimeSpan.FromMinutes(1)).Should().Be(NonceResult.Replayed, "a replay is still recognised when full");

        _time.Advance(TimeSpan.FromSeconds(31)); // n0 expires (added at 0 s, now 61 s)
        cache.TryAdd("n3", TimeSpan.FromMinutes(1)).Should().Be(NonceResult.Added);
        cache.Count.Should().Be(3);
        cache.TryAdd("n4", TimeSpan.FromMinutes(1)).Should().Be(NonceResult.Full);
    }

    [Fact]
    public void Concurrent_adds_of_one_nonce_admit_exactly_one()
    {
        var cache = new NonceCache(100_000, _time);

        var results = Enumerable.Range(0, 64).AsParallel().Select(_ => cache.TryAdd("same", TimeSpan.FromMinutes(1))).ToList();

        results.Count(r => r == NonceResult.Added).Should().Be(1);
    }

    [Fact]
    public void A_capacity_below_one_is_refused()
    {
        var act = () => new NonceCache(0, _time);

        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("The nonce cache needs a positive capacity.*");
    }
}
