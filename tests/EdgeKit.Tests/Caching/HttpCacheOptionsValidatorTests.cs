using EdgeKit.Caching;
using EdgeKit.Configuration;

namespace EdgeKit.Tests.Caching;

public sealed class HttpCacheOptionsValidatorTests
{
    [Fact]
    public void Defaults_are_valid_and_documented_values()
    {
        var options = new HttpCacheOptions();

        new HttpCacheOptionsValidator().Validate(null, options).Succeeded.Should().BeTrue();
        options.Mode.Should().Be(HttpCacheMode.Shared);
        options.MaximumEntrySize.Should().Be(1024 * 1024);
        options.CoalesceRequests.Should().BeTrue();
        options.HeuristicFreshnessFraction.Should().Be(0.1);
        options.MaximumHeuristicFreshness.Should().Be(TimeSpan.FromDays(1));
        options.StaleRetention.Should().Be(TimeSpan.FromMinutes(10));
        options.StoreResponsesWithSetCookie.Should().BeFalse();
        options.BackgroundRevalidationTimeout.Should().Be(TimeSpan.FromSeconds(30));
        options.AddCacheStatusHeader.Should().BeTrue();
        options.CacheStatusName.Should().Be("EdgeKit");
        options.TargetedCacheControlFields.Should().BeEmpty();
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var options = new HttpCacheOptions
        {
            Mode = (HttpCacheMode)7,
            MaximumEntrySize = -1,
            HeuristicFreshnessFraction = 1.5,
            MaximumHeuristicFreshness = TimeSpan.FromSeconds(-1),
            StaleRetention = TimeSpan.FromSeconds(-1),
            BackgroundRevalidationTimeout = TimeSpan.Zero,
            CacheStatusName = "my cache",
            TargetedCacheControlFields = ["CDN-Cache-Control", "cache-control", "bad name"],
        };

        var result = new HttpCacheOptionsValidator().Validate("api", options);

        result.Failures.Should().Equal(
            "EdgeKit cache 'api': Mode must be Shared or Private, was 7.",
            "EdgeKit cache 'api': MaximumEntrySize must be between 0 and 1073741824 bytes, was -1.",
            "EdgeKit cache 'api': HeuristicFreshnessFraction must be between 0 and 1, was 1.5.",
            "EdgeKit cache 'api': MaximumHeuristicFreshness must be zero or positive, was -00:00:01.",
            "EdgeKit cache 'api': StaleRetention must be zero or positive, was -00:00:01.",
            "EdgeKit cache 'api': BackgroundRevalidationTimeout must be positive, was 00:00:00.",
            "EdgeKit cache 'api': TargetedCacheControlFields must hold header field names other than Cache-Control (such as CDN-Cache-Control), had 'cache-control'.",
            "EdgeKit cache 'api': TargetedCacheControlFields must hold header field names other than Cache-Control (such as CDN-Cache-Control), had 'bad name'.",
            "EdgeKit cache 'api': CacheStatusName must be a non-empty token (letters, digits and !#$%&'*+-.^_`|~), was 'my cache'.");
    }

    [Fact]
    public void The_handler_rejects_invalid_options_listing_every_problem()
    {
        FluentActions.Invoking(() => new HttpCachingHandler(new HttpCacheOptions { MaximumEntrySize = -1, CacheStatusName = "" }))
            .Should().Throw<ArgumentException>()
            .WithMessage("EdgeKit cache: MaximumEntrySize must be between 0 and 1073741824 bytes, was -1. EdgeKit cache: CacheStatusName must be a non-empty token*");
    }

    [Fact]
    public void The_cache_keeps_its_own_copy_of_the_targeted_field_list()
    {
        var options = new HttpCacheOptions { TargetedCacheControlFields = ["CDN-Cache-Control"] };
        using var handler = new HttpCachingHandler(options);

        options.TargetedCacheControlFields.Add("EdgeKit-Cache-Control");

        handler.Cache.Options.TargetedCacheControlFields.Should().Equal("CDN-Cache-Control");
    }
}
