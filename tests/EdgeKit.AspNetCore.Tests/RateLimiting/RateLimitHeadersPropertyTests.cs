using CsCheck;
using EdgeKit.AspNetCore.RateLimiting;
using EdgeKit.Configuration;
using EdgeKit.PropertyTesting;
using EdgeKit.RateLimiting;

namespace EdgeKit.AspNetCore.Tests.RateLimiting;

/// <summary>
/// The gateway's <c>RateLimit</c> writer against EdgeKit's own reader (the HttpClient handler that honours server
/// limits): what one writes, the other reads back, never more permissive than what is enforced.
/// </summary>
public sealed class RateLimitHeadersPropertyTests
{
    /// <summary>A policy name as the options validator admits it: printable ASCII without '"' or '\'.</summary>
    private static readonly Gen<string> s_policy = Gen.Char[' ', '~'].Where(c => c is not ('"' or '\\')).Array[1, 30].Select(c => new string(c));

    [Fact]
    public void FormatRateLimit_reads_back_with_the_remaining_count_and_the_reset_rounded_up()
    {
        var quota = Gen.Select(s_policy, Gen.Long[1, long.MaxValue], Gen.Long[0, long.MaxValue], Gen.Long[0, TimeSpan.FromDays(3650).Ticks])
            .Select((policy, limit, remaining, reset) => new RateLimitQuota(policy, limit, TimeSpan.FromSeconds(1), Math.Min(remaining, limit), TimeSpan.FromTicks(reset)));
        quota.Array[1, 3].Sample(quotas =>
        {
            string[] values = quotas.Select(RateLimitHeaders.FormatRateLimit).ToArray();
            long expectedRemaining = quotas.Min(q => q.Remaining);
            var expectedReset = quotas.Where(q => q.Remaining == expectedRemaining).Max(q => TimeSpan.FromSeconds(RateLimitHeaders.WholeSecondsUp(q.ResetAfter)));
            if (!RateLimitField.TryParse(values, out long remaining, out var reset) || remaining != expectedRemaining || reset != expectedReset
                || quotas.Any(q => TimeSpan.FromSeconds(RateLimitHeaders.WholeSecondsUp(q.ResetAfter)) < q.ResetAfter))
            {
                throw new InvalidOperationException($"[{string.Join(" | ", values)}] read as r={remaining} t={reset}");
            }
        }, iter: HostileText.Iterations);
    }

    [Fact]
    public void FormatPolicy_writes_one_item_per_limit_each_read_as_a_quoted_name_and_two_numbers()
    {
        var limit = Gen.Select(Gen.Int[1, int.MaxValue], Gen.Long[1, TokenBucketLimit.MaxWindow.Ticks], Gen.OneOf<string?>(Gen.Const<string?>((string?)null), s_policy.Select(s => (string?)s)))
            .Select((permits, window, name) => new TokenBucketLimit(permits, TimeSpan.FromTicks(window), name));
        Gen.Select(s_policy, limit.Array[1, 4]).Sample((policy, limits) =>
        {
            var settings = new RateLimiterStoreSettings(policy, limits, TimeProvider.System);
            string header = RateLimitHeaders.FormatPolicy(settings);
            var items = header.Split(", ");
            for (int i = 0; i < limits.Length; i++)
            {
                string name = settings.GetAdvertisedName(i);
                string expected = $"\"{name}\";q={limits[i].PermitLimit};w={RateLimitHeaders.WholeSecondsUp(limits[i].Window)}";
                if (!header.Contains(expected, StringComparison.Ordinal) || !header.StartsWith('"'))
                {
                    throw new InvalidOperationException($"'{header}' lacks '{expected}' ({items.Length} items)");
                }
            }
        }, iter: HostileText.Iterations);
    }
}
