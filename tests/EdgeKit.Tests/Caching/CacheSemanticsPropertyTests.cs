using System.Globalization;
using CsCheck;
using EdgeKit.Caching;
using EdgeKit.Configuration;
using EdgeKit.PropertyTesting;

namespace EdgeKit.Tests.Caching;

/// <summary>Properties of the hand-written field readers of the HTTP cache: Vary, HTTP-dates, Age and Expires.</summary>
public sealed class CacheSemanticsPropertyTests
{
    private static readonly DateTimeOffset s_now = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Any instant from year 1 to 9999, whole seconds.</summary>
    private static readonly Gen<DateTimeOffset> s_instant =
        Gen.Long[0, DateTimeOffset.MaxValue.UtcTicks / TimeSpan.TicksPerSecond].Select(s => new DateTimeOffset(s * TimeSpan.TicksPerSecond, TimeSpan.Zero));

    /// <summary>An HTTP-date field: well formed (any instant, any of the three formats), or hostile text.</summary>
    private static readonly Gen<string?> s_dateField = Gen.Frequency<string?>(
        (4, s_instant.Select(d => (string?)d.ToString("r", CultureInfo.InvariantCulture))),
        (1, s_instant.Select(d => (string?)d.ToString("dddd, dd-MMM-yy HH:mm:ss 'GMT'", CultureInfo.InvariantCulture))),
        (1, HostileText.String(40).Select(s => (string?)s)),
        (1, Gen.Const<string?>((string?)null)),
        (1, Gen.OneOf<string?>("0", "-1", "Fri, 31 Dec 9999 23:59:59 GMT", "Mon, 01 Jan 0001 00:00:00 GMT")));

    [Fact]
    public void ParseVary_returns_sorted_distinct_lower_case_names_and_is_idempotent()
    {
        HostileText.Mixed("Accept", "accept-encoding", "*", ",", " ", ", ", "X-A").Sample(vary =>
        {
            string[] fields = CacheSemantics.ParseVary(vary);
            string[] expected = vary.Split(',').Select(f => f.Trim().ToLowerInvariant()).Where(f => f.Length > 0).Distinct().Order(StringComparer.Ordinal).ToArray();
            if (!fields.SequenceEqual(expected) || !CacheSemantics.ParseVary(string.Join(", ", fields)).SequenceEqual(fields))
            {
                throw new InvalidOperationException($"'{vary}': [{string.Join("|", fields)}] expected [{string.Join("|", expected)}]");
            }
        }, iter: HostileText.Iterations);
    }

    [Fact]
    public void ParseDate_reads_back_every_IMF_fixdate_it_is_given_and_never_throws()
    {
        s_instant.Sample(instant =>
        {
            string text = instant.ToString("r", CultureInfo.InvariantCulture);
            if (CacheSemantics.ParseDate(text) != instant || CacheSemantics.ParseDate("  " + text + " ") != instant)
            {
                throw new InvalidOperationException($"'{text}' did not read back as {instant:O}");
            }
        }, iter: HostileText.Iterations);

        HostileText.Mixed("Mon, ", "01 Jan ", "GMT", "2026", " 00:00:00 ", "Sunday, ", "-Nov-94 ").Sample(text =>
        {
            _ = CacheSemantics.ParseDate(text);
        }, iter: HostileText.Iterations);
    }

    /// <summary>
    /// Whatever Date, Expires, Last-Modified, Age and Cache-Control a backend sends, a storable response's time to live
    /// is at most two delta-seconds ranges (freshness, then a stale window) plus the retention, so a store can always add
    /// it to the clock.
    /// </summary>
    [Fact]
    public void DecideStore_never_throws_and_bounds_the_time_to_live()
    {
        var options = new HttpCacheOptions();
        var bound = TimeSpan.FromSeconds(2 * 2147483648L) + options.StaleRetention;
        var cacheControl = Gen.OneOf<string>(HostileText.Mixed("max-age=", "s-maxage=", "public", "stale-if-error=", "stale-while-revalidate=", "2147483648", ","),
            Gen.Const("public"), Gen.Const("public, stale-if-error=99999999999"));
        var age = Gen.OneOf<string?>(Gen.Const<string?>((string?)null), Gen.Long.Select(v => (string?)v.ToString(CultureInfo.InvariantCulture)), HostileText.String(12).Select(s => (string?)s));
        Gen.Select(cacheControl, s_dateField, s_dateField, s_dateField, age, Gen.OneOf(200, 203, 404, 500)).Sample((cc, date, expires, lastModified, ageField, status) =>
        {
            using var message = new HttpRequestMessage(HttpMethod.Get, "http://cache.test/a");
            var facts = new ResponseFacts(status, cc, expires, date, lastModified, "\"v1\"", null, ageField, false, 10);
            var decision = CacheSemantics.DecideStore(new HttpRequestMessageCacheRequest(message), facts, options, s_now, s_now);
            if (decision.Storable && (decision.TimeToLive <= TimeSpan.Zero || decision.TimeToLive > bound))
            {
                throw new InvalidOperationException($"time to live {decision.TimeToLive} for Cache-Control '{cc}', Date '{date}', Expires '{expires}', Last-Modified '{lastModified}', Age '{ageField}'");
            }

            if (decision.Analysis is { } analysis)
            {
                _ = s_now.AddYears(100) + decision.TimeToLive;
                _ = analysis.FreshnessLifetime - analysis.CorrectedInitialAge;
            }
        }, iter: HostileText.Iterations);
    }
}
