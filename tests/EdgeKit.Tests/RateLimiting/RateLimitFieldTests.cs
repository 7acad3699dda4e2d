using EdgeKit.RateLimiting;

namespace EdgeKit.Tests.RateLimiting;

public sealed class RateLimitFieldTests
{
    [Theory]
    [InlineData("\"per-client\";r=42;t=18", 42, 18)]
    [InlineData("\"a\";r=5;t=1, \"b\";r=2;t=3600", 2, 3600)] // the fewest remaining wins
    [InlineData("\"a\";r=0;t=5, \"b\";r=0;t=9", 0, 9)] // then the longest reset
    [InlineData("\"odd, name;r=1\";r=7;t=2", 7, 2)] // separators inside the string are not separators
    [InlineData("\"a\";t=5;r=3", 3, 5)]
    [InlineData("\"a\";r=3", 3, 0)]
    public void Reads_the_most_restrictive_item(string value, long remaining, int resetSeconds)
    {
        RateLimitField.TryParse([value], out long r, out var t).Should().BeTrue();
        r.Should().Be(remaining);
        t.Should().Be(TimeSpan.FromSeconds(resetSeconds));
    }

    [Theory]
    [InlineData("")]
    [InlineData("\"a\";t=5")]
    [InlineData("\"a\";r=-1;t=5")]
    [InlineData("garbage")]
    public void Ignores_items_without_a_remaining_count(string value)
    {
        RateLimitField.TryParse([value], out _, out _).Should().BeFalse();
    }
}
