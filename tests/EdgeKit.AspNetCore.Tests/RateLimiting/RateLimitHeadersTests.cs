using EdgeKit.AspNetCore.RateLimiting;
using EdgeKit.RateLimiting;

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
}
