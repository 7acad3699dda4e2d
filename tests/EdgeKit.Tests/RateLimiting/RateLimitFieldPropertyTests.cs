using System.Diagnostics;
using System.Globalization;
using CsCheck;
using EdgeKit.PropertyTesting;
using EdgeKit.RateLimiting;

namespace EdgeKit.Tests.RateLimiting;

/// <summary>Properties of the hand-written reader of the server's <c>RateLimit</c> field (draft-ietf-httpapi-ratelimit-headers).</summary>
public sealed class RateLimitFieldPropertyTests
{
    [Fact]
    public void TryParse_never_throws_and_reports_a_non_negative_remaining_and_reset()
    {
        HostileText.Mixed("\"", ";r=", ";t=", ",", "r=", "t=", "\\\"", "-", "99999999999999999999").Array[0, 3].Sample(values =>
        {
            if (RateLimitField.TryParse(values, out long remaining, out var reset) && (remaining < 0 || reset < TimeSpan.Zero))
            {
                throw new InvalidOperationException($"remaining {remaining}, reset {reset} for [{string.Join(" | ", values)}]");
            }
        }, iter: HostileText.Iterations);
    }

    /// <summary>Items written as a server writes them read back as the reference says: the fewest remaining, then the longest reset.</summary>
    [Fact]
    public void TryParse_keeps_the_most_restrictive_of_well_formed_items()
    {
        var name = HostileText.String(10).Select(s => s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal));
        var item = Gen.Select(name, Gen.Long[0, long.MaxValue], Gen.Long[0, long.MaxValue], Gen.Bool);
        item.Array[1, 4].Array[1, 2].Sample(lines =>
        {
            string[] values = lines.Select(line => string.Join(", ", line.Select(i =>
                i.Item4
                    ? string.Create(CultureInfo.InvariantCulture, $"\"{i.Item1}\";t={i.Item3};r={i.Item2};x=1")
                    : string.Create(CultureInfo.InvariantCulture, $"\"{i.Item1}\";r={i.Item2};t={i.Item3}")))).ToArray();
            var all = lines.SelectMany(line => line).Select(i => (R: i.Item2, T: TimeSpan.FromSeconds(Math.Min(i.Item3, (long)TimeSpan.MaxValue.TotalSeconds - 1)))).ToArray();
            long expectedRemaining = all.Min(i => i.R);
            var expectedReset = all.Where(i => i.R == expectedRemaining).Max(i => i.T);

            if (!RateLimitField.TryParse(values, out long remaining, out var reset) || remaining != expectedRemaining || reset != expectedReset)
            {
                throw new InvalidOperationException($"[{string.Join(" | ", values)}]: got r={remaining} t={reset}, expected r={expectedRemaining} t={expectedReset}");
            }
        }, iter: HostileText.Iterations);
    }

    [Fact]
    public void TryParse_is_linear_on_huge_inputs()
    {
        var clock = Stopwatch.StartNew();
        foreach (string text in HostileText.Huge(",", ";", "\"", "\"a\";r=1;t=1, ", "\\\"", ";r=" + new string('9', 40)))
        {
            _ = RateLimitField.TryParse([text], out _, out _);
        }

        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(10));
    }
}
