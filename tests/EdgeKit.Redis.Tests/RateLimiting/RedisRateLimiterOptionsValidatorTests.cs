using EdgeKit.Redis.RateLimiting;

namespace EdgeKit.Redis.Tests.RateLimiting;

public sealed class RedisRateLimiterOptionsValidatorTests
{
    private static IReadOnlyList<string> Errors(RedisRateLimiterOptions options, string? name = null)
    {
        var result = new RedisRateLimiterOptionsValidator().Validate(name, options);
        return result.Failed ? result.Failures!.ToArray() : [];
    }

    [Fact]
    public void Defaults_are_documented_and_need_only_a_limit_and_a_window()
    {
        var options = new RedisRateLimiterOptions();
        options.PolicyName.Should().Be("default");
        options.KeyPrefix.Should().Be("edgekit:rl:");
        options.PermitLimit.Should().Be(0);
        options.Window.Should().Be(TimeSpan.Zero);
        options.Burst.Should().Be(0);
        options.Timeout.Should().Be(TimeSpan.FromMilliseconds(250));
        options.FailureMode.Should().Be(RedisRateLimiterFailureMode.FailOpen);
        options.BreakDuration.Should().Be(TimeSpan.FromSeconds(5));
        options.MaxOverLimitCacheEntries.Should().Be(10_000);
        options.Database.Should().Be(-1);

        options.PermitLimit = 100;
        options.Window = TimeSpan.FromMinutes(1);
        Errors(options).Should().BeEmpty();
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var options = new RedisRateLimiterOptions
        {
            PolicyName = "a{b}",
            KeyPrefix = "x{",
            PermitLimit = -1,
            Window = TimeSpan.FromDays(2),
            Burst = -3,
            Timeout = TimeSpan.Zero,
            FailureMode = (RedisRateLimiterFailureMode)7,
            BreakDuration = TimeSpan.FromMinutes(6),
            MaxOverLimitCacheEntries = -1,
            Database = -2,
        };

        Errors(options, "per-client").Should().Equal(
            "Redis rate limiter policy 'per-client': PolicyName must not contain '{' or '}' (they would break the Redis Cluster hash tag), was 'a{b}'.",
            "Redis rate limiter policy 'per-client': KeyPrefix must not contain '{' or '}' (they would break the Redis Cluster hash tag), was 'x{'.",
            "Redis rate limiter policy 'per-client': PermitLimit must be at least 1, was -1.",
            "Redis rate limiter policy 'per-client': Window must be between 1 ms and 1 day, was 2.00:00:00.",
            "Redis rate limiter policy 'per-client': Burst must be 0 (same as PermitLimit) or more, was -3.",
            "Redis rate limiter policy 'per-client': Timeout must be between 1 ms and 30 s, was 00:00:00.",
            "Redis rate limiter policy 'per-client': FailureMode must be FailOpen or FailClosed, was 7.",
            "Redis rate limiter policy 'per-client': BreakDuration must be between 0 and 5 min, was 00:06:00.",
            "Redis rate limiter policy 'per-client': MaxOverLimitCacheEntries must be 0 (no cache) or more, was -1.",
            "Redis rate limiter policy 'per-client': Database must be -1 (the connection's default) or a database number, was -2.");
    }

    [Fact]
    public void Empty_names_and_a_null_prefix_are_rejected()
    {
        Errors(new RedisRateLimiterOptions { PolicyName = " ", KeyPrefix = null!, PermitLimit = 1, Window = TimeSpan.FromSeconds(1) }).Should().Equal(
            "Redis rate limiter: PolicyName must not be empty.",
            "Redis rate limiter: KeyPrefix must not be null.");
    }

    [Fact]
    public void A_bucket_too_large_for_exact_lua_arithmetic_is_rejected()
    {
        // One day is 86,400,000,000 µs; 2^53 / that is about 104,249 permits.
        var options = new RedisRateLimiterOptions { PermitLimit = 10, Burst = 104_250, Window = TimeSpan.FromDays(1) };
        Errors(options).Should().Equal(
            "Redis rate limiter: Burst (104250) × Window in microseconds (86400000000) must stay below 2^53 so Redis's Lua computes it exactly; lower Burst or Window.");
        options.Burst = 104_249;
        Errors(options).Should().BeEmpty();
    }
}
