using System.Threading.RateLimiting;
using EdgeKit.AspNetCore.RateLimiting;
using EdgeKit.Configuration;
using EdgeKit.RateLimiting;
using Microsoft.Extensions.Time.Testing;

namespace EdgeKit.AspNetCore.Tests.RateLimiting;

public sealed class RateLimitHeadersTests
{
    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 1)]
    [InlineData(10_000_000, 1)]
    [InlineData(10_000_001, 2)]
    public void Durations_are_rounded_up_to_whole_seconds(long ticks, long seconds)
    {
        RateLimitHeaders.WholeSecondsUp(TimeSpan.FromTicks(ticks)).Should().Be(seconds);
    }

    [Fact]
    public void Rate_limit_field_is_a_structured_field_item()
    {
        var quota = new RateLimitQuota("per-client", 100, TimeSpan.FromMinutes(1), 42, TimeSpan.FromSeconds(17.2));
        RateLimitHeaders.FormatRateLimit(quota).Should().Be("\"per-client\";r=42;t=18");
    }

    [Fact]
    public void A_full_buckets_values_are_formatted_once_and_any_other_quota_as_it_comes()
    {
        var settings = new RateLimiterStoreSettings("api", [new TokenBucketLimit(10, TimeSpan.FromSeconds(1)), new TokenBucketLimit(1000, TimeSpan.FromHours(1))], TimeProvider.System);
        var values = new RateLimitHeaders.Values(settings);

        var taken = new RateLimitQuota("api-1s", 10, TimeSpan.FromSeconds(1), 9, TimeSpan.FromMilliseconds(100));
        var full = new RateLimitQuota("api-3600s", 1000, TimeSpan.FromHours(1), 1000, TimeSpan.Zero);
        var other = new RateLimitQuota("api-1s", 10, TimeSpan.FromSeconds(1), 4, TimeSpan.FromMilliseconds(600));
        var sameNumbersOtherLimit = new RateLimitQuota("api-3600s", 1000, TimeSpan.FromHours(1), 9, TimeSpan.FromMilliseconds(100));

        values.RateLimit(taken).Should().Be("\"api-1s\";r=9;t=1");
        values.RateLimit(taken).Should().BeSameAs(values.RateLimit(taken), "formatted once, when the policy was built");
        values.RateLimit(full).Should().Be("\"api-3600s\";r=1000;t=0").And.BeSameAs(values.RateLimit(full));
        values.RateLimit(other).Should().Be("\"api-1s\";r=4;t=1").And.NotBeSameAs(values.RateLimit(other));
        values.RateLimit(sameNumbersOtherLimit).Should().Be("\"api-3600s\";r=9;t=1");
    }

    [Fact]
    public void The_value_is_the_formatted_quota_whatever_it_is()
    {
        var settings = new RateLimiterStoreSettings("p", [new TokenBucketLimit(3, TimeSpan.FromSeconds(10))], TimeProvider.System);
        var values = new RateLimitHeaders.Values(settings);
        for (long remaining = 0; remaining <= 3; remaining++)
        {
            foreach (long ms in new long[] { 0, 1, 999, 1000, 1001, 3334, 10_000 })
            {
                var quota = new RateLimitQuota("p", 3, TimeSpan.FromSeconds(10), remaining, TimeSpan.FromMilliseconds(ms));
                values.RateLimit(quota).Should().Be(RateLimitHeaders.FormatRateLimit(quota));
            }
        }
    }

    [Fact]
    public void A_token_bucket_leases_quota_is_read_without_boxing_it_and_equals_its_metadata()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        using var limiter = new EdgeKitTokenBucketRateLimiter(new EdgeKitTokenBucketRateLimiterOptions
        {
            PolicyName = "api",
            Limits = [new TokenBucketLimit(10, TimeSpan.FromSeconds(1))],
        }, time);
        using var lease = limiter.AttemptAcquire();
        lease.TryGetQuota(out _).Should().BeTrue();

        long before = GC.GetAllocatedBytesForCurrentThread();
        bool found = lease.TryGetQuota(out var quota);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        found.Should().BeTrue();
        allocated.Should().Be(0);
        lease.TryGetMetadata(RateLimitMetadataNames.Quota, out var boxed).Should().BeTrue();
        quota.Should().Be(boxed);
        quota.Should().Be(new RateLimitQuota("api", 10, TimeSpan.FromSeconds(1), 9, TimeSpan.FromMilliseconds(100)));
    }

    [Fact]
    public void Another_limiters_lease_is_asked_through_its_metadata()
    {
        using var limiter = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions { TokenLimit = 1, TokensPerPeriod = 1, ReplenishmentPeriod = TimeSpan.FromSeconds(1) });
        using var lease = limiter.AttemptAcquire();

        lease.TryGetQuota(out var quota).Should().BeFalse();
        quota.Should().Be(default(RateLimitQuota));
        var act = () => RateLimitLeaseExtensions.TryGetQuota(null!, out _);
        act.Should().Throw<ArgumentNullException>().WithParameterName("lease");
    }
}
