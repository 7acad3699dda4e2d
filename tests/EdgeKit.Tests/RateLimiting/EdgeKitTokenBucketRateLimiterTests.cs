using System.Threading.RateLimiting;
using EdgeKit.Configuration;
using EdgeKit.RateLimiting;

namespace EdgeKit.Tests.RateLimiting;

[Collection(AllocationCollection.Name)]
public sealed class EdgeKitTokenBucketRateLimiterTests : RateLimiterContractTests
{
    protected override RateLimiter Create(int permitLimit, TimeSpan window, int queueLimit = 0) =>
        new EdgeKitTokenBucketRateLimiter(new EdgeKitTokenBucketRateLimiterOptions
        {
            Limits = [new TokenBucketLimit(permitLimit, window)],
            QueueLimit = queueLimit,
        }, Time);

    private EdgeKitTokenBucketRateLimiter CreatePerSecondAndPerMinute() => new(new EdgeKitTokenBucketRateLimiterOptions
    {
        PolicyName = "api",
        Limits = [new TokenBucketLimit(5, TimeSpan.FromSeconds(1)), new TokenBucketLimit(8, TimeSpan.FromMinutes(1))],
    }, Time);

    [Fact]
    public void Several_limits_are_checked_together()
    {
        using var limiter = CreatePerSecondAndPerMinute();
        Drain(limiter, 10).Should().Be(5, "5 per second");
        Time.Advance(TimeSpan.FromSeconds(1));
        Drain(limiter, 10).Should().Be(3, "8 per minute leaves 3");

        using var lease = limiter.AttemptAcquire();
        lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter).Should().BeTrue();
        retryAfter.Should().Be(TimeSpan.FromSeconds(6.5), "the per-minute limit refills one permit every 7.5 s, and 1 s has passed");
    }

    [Fact]
    public void A_request_rejected_by_one_limit_takes_nothing_from_the_others()
    {
        using var limiter = CreatePerSecondAndPerMinute();
        Drain(limiter, 5);
        Drain(limiter, 100).Should().Be(0);
        Time.Advance(TimeSpan.FromSeconds(1));

        Drain(limiter, 10).Should().Be(3, "the 100 rejected requests took nothing from the per-minute limit");
    }

    [Fact]
    public void Quota_reports_the_most_restrictive_limit_with_its_default_name()
    {
        using var limiter = CreatePerSecondAndPerMinute();
        limiter.AttemptAcquire(2);

        using var lease = limiter.AttemptAcquire();
        lease.TryGetMetadata(RateLimitMetadataNames.Quota, out var quota).Should().BeTrue();
        quota.Should().Be(new RateLimitQuota("api-1s", 5, TimeSpan.FromSeconds(1), 2, TimeSpan.FromMilliseconds(600)));

        Time.Advance(TimeSpan.FromSeconds(1));
        using var next = limiter.AttemptAcquire(2);
        next.TryGetMetadata(RateLimitMetadataNames.Quota, out quota).Should().BeTrue();
        quota.Policy.Should().Be("api-60s");
        quota.Remaining.Should().Be(3);
    }

    [Fact]
    public void A_single_limit_takes_the_policy_name_and_an_explicit_name_wins()
    {
        using var single = new EdgeKitTokenBucketRateLimiter(new() { PolicyName = "per-client", Limits = [new(100, TimeSpan.FromMinutes(1))] }, Time);
        single.AttemptAcquire().TryGetMetadata(RateLimitMetadataNames.Quota, out var quota);
        quota.Policy.Should().Be("per-client");

        using var named = new EdgeKitTokenBucketRateLimiter(new() { Limits = [new(100, TimeSpan.FromMinutes(1), "burst")] }, Time);
        named.AttemptAcquire().TryGetMetadata(RateLimitMetadataNames.Quota, out quota);
        quota.Policy.Should().Be("burst");
    }

    [Fact]
    public void Options_are_copied()
    {
        var options = new EdgeKitTokenBucketRateLimiterOptions { Limits = [new(2, TimeSpan.FromSeconds(1))] };
        using var limiter = new EdgeKitTokenBucketRateLimiter(options, Time);
        options.Limits[0].PermitLimit = 100;
        options.Limits.Add(new TokenBucketLimit(1, TimeSpan.FromSeconds(1)));

        Drain(limiter, 10).Should().Be(2);
    }

    [Fact]
    public void A_rate_that_does_not_divide_the_clock_is_rounded_down_never_up()
    {
        using var limiter = new EdgeKitTokenBucketRateLimiter(new() { Limits = [new(3, TimeSpan.FromSeconds(1))] }, Time);
        Drain(limiter, 3);
        Time.Advance(TimeSpan.FromSeconds(1));
        Drain(limiter, 10).Should().Be(2, "1 s refills 2.99999... permits when the interval is rounded up to 3333334 ticks");
        Time.Advance(TimeSpan.FromTicks(3));
        Drain(limiter, 10).Should().Be(1);
    }

    [Theory]
    [InlineData(0, 1000, 0, "default", "Limits[0].PermitLimit must be at least 1 (was 0). (Parameter 'options')")]
    [InlineData(1, 0, 0, "default", "Limits[0].Window must be positive and at most 366.00:00:00 (was 00:00:00). (Parameter 'options')")]
    [InlineData(1, 1000, -1, "default", "QueueLimit must be 0 or more (was -1). (Parameter 'options')")]
    [InlineData(1, 1000, 0, "", "PolicyName must not be empty. (Parameter 'options')")]
    public void Invalid_options_throw_with_the_reason(int permits, int windowMs, int queue, string policy, string message)
    {
        var options = new EdgeKitTokenBucketRateLimiterOptions
        {
            Limits = [new TokenBucketLimit(permits, TimeSpan.FromMilliseconds(windowMs))],
            QueueLimit = queue,
            PolicyName = policy,
        };

        var create = () => new EdgeKitTokenBucketRateLimiter(options, Time);

        create.Should().Throw<ArgumentException>().WithMessage(message);
    }

    [Fact]
    public void No_limit_or_no_options_throw()
    {
        var none = () => new EdgeKitTokenBucketRateLimiter(new EdgeKitTokenBucketRateLimiterOptions(), Time);
        none.Should().Throw<ArgumentException>().WithMessage("At least one limit is required. (Parameter 'options')");
        var nullOptions = () => new EdgeKitTokenBucketRateLimiter(null!);
        nullOptions.Should().Throw<ArgumentNullException>();
    }
}
