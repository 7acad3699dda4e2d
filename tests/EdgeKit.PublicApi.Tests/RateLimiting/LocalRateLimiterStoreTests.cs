using System.Threading.RateLimiting;
using EdgeKit.Configuration;
using EdgeKit.RateLimiting;
using Microsoft.Extensions.Time.Testing;

namespace EdgeKit.PublicApi.Tests.RateLimiting;

/// <summary>The in-process store, used through its public surface as a third-party store or host would.</summary>
public sealed class LocalRateLimiterStoreTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Its_name_is_local_and_it_is_found_as_an_IRateLimiterStore()
    {
        IRateLimiterStore store = new LocalRateLimiterStore();

        store.Name.Should().Be(RateLimiterStoreNames.Local).And.Be("local");
    }

    [Fact]
    public void Every_limit_of_the_policy_is_enforced_per_key_and_the_leases_say_which_limit_and_when()
    {
        var settings = new RateLimiterStoreSettings("api", [new TokenBucketLimit(2, TimeSpan.FromSeconds(1)), new TokenBucketLimit(3, TimeSpan.FromMinutes(1))], _time);
        using var limiter = new LocalRateLimiterStore().CreateLimiter(settings);

        limiter.AttemptAcquire("alice").IsAcquired.Should().BeTrue();
        limiter.AttemptAcquire("alice").IsAcquired.Should().BeTrue();
        using (var perSecond = limiter.AttemptAcquire("alice"))
        {
            perSecond.IsAcquired.Should().BeFalse();
            perSecond.TryGetMetadata(MetadataName.RetryAfter, out var wait).Should().BeTrue();
            wait.Should().Be(TimeSpan.FromMilliseconds(500), "one permit of 2/s refills in 500 ms");
            perSecond.TryGetMetadata(RateLimitMetadataNames.Quota, out var quota).Should().BeTrue();
            quota.Should().Be(new RateLimitQuota(settings.GetAdvertisedName(0), 2, TimeSpan.FromSeconds(1), 0, TimeSpan.FromSeconds(1)));
            quota.Policy.Should().Be("api-1s");
        }

        limiter.AttemptAcquire("bob").IsAcquired.Should().BeTrue("each key has its own buckets");

        _time.Advance(TimeSpan.FromMilliseconds(500));
        limiter.AttemptAcquire("alice").IsAcquired.Should().BeTrue("the third permit of the minute");
        _time.Advance(TimeSpan.FromSeconds(1));
        using var perMinute = limiter.AttemptAcquire("alice");
        perMinute.IsAcquired.Should().BeFalse("three permits a minute, whatever the second allows");
        perMinute.TryGetMetadata(RateLimitMetadataNames.Quota, out var minuteQuota).Should().BeTrue();
        minuteQuota.Policy.Should().Be("api-60s");
        minuteQuota.Remaining.Should().Be(0);
        perMinute.TryGetMetadata(MetadataName.RetryAfter, out var minuteWait).Should().BeTrue();
        minuteWait.Should().Be(TimeSpan.FromSeconds(18.5), "one permit of 3/min refills 20 s after the first, 1.5 s have passed");
    }

    [Fact]
    public void The_queue_limit_partition_cap_and_overflow_behaviour_of_the_settings_apply()
    {
        var settings = new RateLimiterStoreSettings("capped", [new TokenBucketLimit(1, TimeSpan.FromSeconds(10))], _time)
        {
            MaxPartitions = 1,
            OverflowBehavior = PartitionOverflowBehavior.Reject,
        };
        using var limiter = new LocalRateLimiterStore().CreateLimiter(settings);

        limiter.AttemptAcquire("first").IsAcquired.Should().BeTrue();
        limiter.AttemptAcquire("second").IsAcquired.Should().BeFalse("the one partition is taken by a key whose bucket is not full, and overflow is rejected");
    }

    [Fact]
    public void Settings_it_cannot_enforce_are_refused_with_the_problem()
    {
        var store = new LocalRateLimiterStore();

        var none = () => store.CreateLimiter(null!);
        var zero = () => store.CreateLimiter(new RateLimiterStoreSettings("api", [new TokenBucketLimit(0, TimeSpan.FromSeconds(1))], _time));
        var queue = () => store.CreateLimiter(new RateLimiterStoreSettings("api", [new TokenBucketLimit(1, TimeSpan.FromSeconds(1))], _time) { QueueLimit = -1 });

        none.Should().Throw<ArgumentNullException>().Which.ParamName.Should().Be("settings");
        zero.Should().Throw<ArgumentException>().WithMessage("Limits[0].PermitLimit must be at least 1 (was 0).*");
        queue.Should().Throw<ArgumentException>().WithMessage("QueueLimit must be 0 or more (was -1).*");
    }
}
