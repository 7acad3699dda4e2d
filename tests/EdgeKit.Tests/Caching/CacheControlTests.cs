using EdgeKit.Caching;

namespace EdgeKit.Tests.Caching;

public sealed class CacheControlTests
{
    [Fact]
    public void Parses_every_directive_case_insensitively_with_tokens_and_quoted_values()
    {
        var cc = CacheControl.Parse("Max-Age=60, s-maxage=\"120\", no-cache=\"Set-Cookie, X-A\", NO-STORE, private=\"X-B\", public, must-revalidate, proxy-revalidate, max-stale, min-fresh=5, stale-while-revalidate=30, stale-if-error=600, only-if-cached, x-unknown=1");

        cc.MaxAge.Should().Be(TimeSpan.FromSeconds(60));
        cc.SharedMaxAge.Should().Be(TimeSpan.FromSeconds(120));
        cc.NoCache.Should().BeTrue();
        cc.NoStore.Should().BeTrue();
        cc.Private.Should().BeTrue();
        cc.Public.Should().BeTrue();
        cc.MustRevalidate.Should().BeTrue();
        cc.ProxyRevalidate.Should().BeTrue();
        cc.MaxStale.Should().Be(TimeSpan.MaxValue);
        cc.MinFresh.Should().Be(TimeSpan.FromSeconds(5));
        cc.StaleWhileRevalidate.Should().Be(TimeSpan.FromSeconds(30));
        cc.StaleIfError.Should().Be(TimeSpan.FromSeconds(600));
        cc.OnlyIfCached.Should().BeTrue();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ,  , ")]
    public void Absent_or_empty_means_no_directive(string? value)
    {
        var cc = CacheControl.Parse(value);

        cc.MaxAge.Should().BeNull();
        cc.NoCache.Should().BeFalse();
        cc.NoStore.Should().BeFalse();
    }

    [Fact]
    public void The_first_occurrence_of_a_repeated_directive_wins()
    {
        CacheControl.Parse("max-age=10, max-age=1000").MaxAge.Should().Be(TimeSpan.FromSeconds(10));
    }

    [Theory]
    [InlineData("max-age=abc")]
    [InlineData("max-age=-5")]
    [InlineData("max-age=")]
    [InlineData("max-age=1.5")]
    public void An_invalid_max_age_counts_as_zero_so_the_response_is_stale(string value)
    {
        CacheControl.Parse(value).MaxAge.Should().Be(TimeSpan.Zero);
    }

    [Fact]
    public void An_invalid_stale_while_revalidate_is_ignored()
    {
        CacheControl.Parse("stale-while-revalidate=soon").StaleWhileRevalidate.Should().BeNull();
    }

    [Fact]
    public void Delta_seconds_above_2_to_the_31_are_capped()
    {
        CacheControl.Parse("max-age=99999999999999999999").MaxAge.Should().Be(TimeSpan.FromSeconds(2147483648));
    }

    [Fact]
    public void A_comma_inside_a_quoted_value_does_not_split_directives()
    {
        var cc = CacheControl.Parse("no-cache=\"a, max-age=5\", public");

        cc.NoCache.Should().BeTrue();
        cc.MaxAge.Should().BeNull();
        cc.Public.Should().BeTrue();
    }
}
