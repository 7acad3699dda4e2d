using EdgeKit.Configuration;
using EdgeKit.RateLimiting;

namespace EdgeKit.Tests.RateLimiting;

/// <summary>What a store is given, and the names it should advertise its quotas under.</summary>
public sealed class RateLimiterStoreSettingsTests
{
    [Fact]
    public void A_single_unnamed_limit_is_advertised_under_the_policys_name()
    {
        var settings = new RateLimiterStoreSettings("per-client", [new TokenBucketLimit(100, TimeSpan.FromMinutes(1))], TimeProvider.System);

        settings.GetAdvertisedName(0).Should().Be("per-client");
    }

    [Fact]
    public void A_named_limit_is_advertised_under_its_own_name()
    {
        var settings = new RateLimiterStoreSettings("api", [new TokenBucketLimit(10, TimeSpan.FromSeconds(1), "burst"), new TokenBucketLimit(1000, TimeSpan.FromHours(1))], TimeProvider.System);

        settings.GetAdvertisedName(0).Should().Be("burst");
        settings.GetAdvertisedName(1).Should().Be("api-3600s");
    }

    [Fact]
    public void Several_unnamed_limits_are_advertised_by_window_in_whole_seconds_rounded_up()
    {
        var settings = new RateLimiterStoreSettings(
            "api",
            [new TokenBucketLimit(10, TimeSpan.FromSeconds(1)), new TokenBucketLimit(20, TimeSpan.FromMilliseconds(1500)), new TokenBucketLimit(30, TimeSpan.FromMilliseconds(1))],
            TimeProvider.System);

        Enumerable.Range(0, 3).Select(settings.GetAdvertisedName).Should().Equal("api-1s", "api-2s", "api-1s");
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(2)]
    public void An_index_outside_the_limits_is_refused(int index)
    {
        var settings = new RateLimiterStoreSettings("api", [new TokenBucketLimit(1, TimeSpan.FromSeconds(1)), new TokenBucketLimit(2, TimeSpan.FromSeconds(2))], TimeProvider.System);

        var act = () => settings.GetAdvertisedName(index);

        act.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("index");
    }

    [Fact]
    public void A_null_limit_is_named_in_the_error()
    {
        var settings = new RateLimiterStoreSettings("api", [new TokenBucketLimit(1, TimeSpan.FromSeconds(1)), null!], TimeProvider.System);

        var act = () => settings.GetAdvertisedName(1);

        act.Should().Throw<InvalidOperationException>().WithMessage("Rate-limit policy 'api': limit 1 is null.");
    }
}
