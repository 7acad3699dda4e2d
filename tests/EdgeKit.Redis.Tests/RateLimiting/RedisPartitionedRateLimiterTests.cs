using System.Threading.RateLimiting;
using EdgeKit.RateLimiting;
using EdgeKit.Redis.RateLimiting;
using EdgeKit.Redis.Tests.TestSupport;
using Microsoft.Extensions.Logging;

namespace EdgeKit.Redis.Tests.RateLimiting;

public sealed class RedisPartitionedRateLimiterTests(RedisServerFixture fixture) : IClassFixture<RedisServerFixture>
{
    private sealed record Request(string Client);

    private RedisPartitionedRateLimiter<Request> Limiter(int permitLimit, string policy) => new(
        fixture.Connection,
        request => request.Client,
        new RedisRateLimiterOptions { PolicyName = policy, PermitLimit = permitLimit, Window = TimeSpan.FromHours(1), Timeout = TimeSpan.FromSeconds(10) });

    [Fact]
    public async Task Each_key_has_its_own_bucket()
    {
        using var limiter = Limiter(3, "per-client-" + Guid.NewGuid().ToString("N")[..8]);
        var alice = new Request("alice");
        var bob = new Request("bob");
        for (int i = 0; i < 3; i++)
        {
            (await limiter.AcquireAsync(alice)).IsAcquired.Should().BeTrue();
        }

        using var rejected = await limiter.AcquireAsync(alice);
        rejected.IsAcquired.Should().BeFalse();
        rejected.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter).Should().BeTrue();
        retryAfter.Should().BeGreaterThan(TimeSpan.FromMinutes(19)).And.BeLessThanOrEqualTo(TimeSpan.FromMinutes(20));

        using var other = await limiter.AcquireAsync(bob);
        other.IsAcquired.Should().BeTrue("bob's bucket is untouched by alice's");
        other.TryGetMetadata(RateLimitMetadataNames.Quota, out var quota).Should().BeTrue();
        quota.Remaining.Should().Be(2);

        limiter.GetStatistics(alice)!.TotalSuccessfulLeases.Should().Be(4, "statistics count every key of this instance");
        limiter.GetStatistics(alice)!.TotalFailedLeases.Should().Be(1);
    }

    [Fact]
    public async Task Two_policies_never_share_a_bucket_for_the_same_key()
    {
        string suffix = Guid.NewGuid().ToString("N")[..8];
        using var perSecond = Limiter(1, "a-" + suffix);
        using var perHour = Limiter(1, "b-" + suffix);
        var request = new Request("carol");
        perSecond.GetRedisKey(request).Should().Be($"edgekit:rl:a-{suffix}:{{carol}}");
        perHour.GetRedisKey(request).Should().Be($"edgekit:rl:b-{suffix}:{{carol}}");
        (await perSecond.AcquireAsync(request)).IsAcquired.Should().BeTrue();
        (await perHour.AcquireAsync(request)).IsAcquired.Should().BeTrue();
    }

    [Fact]
    public async Task A_key_selector_returning_nothing_is_a_clear_error()
    {
        using var limiter = Limiter(3, "strict");
        var act = async () => await limiter.AcquireAsync(new Request(null!));
        (await act.Should().ThrowAsync<InvalidOperationException>()).WithMessage(
            "Redis rate limiter policy 'strict': the key selector returned null; every resource needs a non-empty key.");
        limiter.Invoking(l => l.AttemptAcquire(new Request(""))).Should().Throw<InvalidOperationException>().WithMessage(
            "Redis rate limiter policy 'strict': the key selector returned an empty string; every resource needs a non-empty key.");
    }

    [Fact]
    public async Task A_full_over_limit_cache_stops_caching_and_says_so_at_most_every_ten_seconds()
    {
        using var logs = new CapturingLoggerProvider();
        using var loggerFactory = Microsoft.Extensions.Logging.LoggerFactory.Create(b => b.AddProvider(logs));
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        string policy = "tiny-" + Guid.NewGuid().ToString("N")[..8];
        using var limiter = new RedisPartitionedRateLimiter<Request>(
            fixture.Connection,
            request => request.Client,
            new RedisRateLimiterOptions { PolicyName = policy, PermitLimit = 1, Window = TimeSpan.FromHours(1), Timeout = TimeSpan.FromSeconds(10), MaxOverLimitCacheEntries = 1 },
            time,
            loggerFactory.CreateLogger("test"));

        foreach (var client in new[] { "a", "b", "c" })
        {
            (await limiter.AcquireAsync(new Request(client))).IsAcquired.Should().BeTrue();
            (await limiter.AcquireAsync(new Request(client))).IsAcquired.Should().BeFalse();
        }

        fixture.Server.ResetStats();
        (await limiter.AcquireAsync(new Request("a"))).IsAcquired.Should().BeFalse();
        fixture.Server.Calls("evalsha").Should().Be(0, "'a' is cached");
        (await limiter.AcquireAsync(new Request("b"))).IsAcquired.Should().BeFalse();
        fixture.Server.Calls("evalsha").Should().Be(1, "the full cache did not take 'b': Redis decided");

        logs.WithEventId(1154).Select(e => e.Message).Should().Equal(
            $"Redis rate limiter policy '{policy}': the over-limit cache holds its maximum of 1 keys; further rejections are not cached until entries expire (logged at most once per 10 s).");
        time.Advance(TimeSpan.FromSeconds(10));
        (await limiter.AcquireAsync(new Request("c"))).IsAcquired.Should().BeFalse();
        logs.WithEventId(1154).Should().HaveCount(2);
    }
}
