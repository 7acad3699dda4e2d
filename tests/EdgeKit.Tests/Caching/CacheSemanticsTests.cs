using EdgeKit.Caching;
using EdgeKit.Configuration;
using Microsoft.Extensions.Time.Testing;

namespace EdgeKit.Tests.Caching;

/// <summary>The pure RFC 9111/9213/5861 decisions, on a fake clock: what is stored, how fresh it is, how it answers.</summary>
public sealed class CacheSemanticsTests
{
    private static readonly DateTimeOffset Start = new(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly string StartDate = Start.ToString("r");
    private readonly FakeTimeProvider _time = new(Start);

    private static HttpCacheEntry Entry(int status, string body, params (string Name, string Value)[] headers) =>
        new(status, headers.GroupBy(h => h.Name).Select(g => new KeyValuePair<string, string[]>(g.Key, g.Select(h => h.Value).ToArray())),
            System.Text.Encoding.ASCII.GetBytes(body), Start, Start);

    private static TestRequest Get(params (string Name, string Value)[] headers) => new("GET", headers);

    private CacheLookup Evaluate(HttpCacheEntry entry, CacheRequest request, HttpCacheOptions? options = null) =>
        CacheSemantics.Evaluate(entry, request, options ?? new HttpCacheOptions(), _time.GetUtcNow());

    private static StoreDecision Decide(HttpCacheEntry entry, HttpCacheOptions? options = null)
    {
        options ??= new HttpCacheOptions();
        return CacheSemantics.DecideStore(Get(), ResponseFacts.From(entry, options), options, Start, Start);
    }

    [Theory]
    [InlineData("7200, 0")]
    [InlineData("7200,0")]
    public void A_list_valued_Age_counts_by_its_first_value(string age)
    {
        var entry = Entry(200, "x", ("Date", StartDate), ("Cache-Control", "max-age=3600"), ("Age", age));

        var lookup = Evaluate(entry, Get());

        lookup.Action.Should().Be(CacheAction.Revalidate);
        lookup.Age.Should().Be(TimeSpan.FromSeconds(7200));
    }

    [Fact]
    public void Two_Age_field_lines_count_by_the_first()
    {
        var entry = Entry(200, "x", ("Date", StartDate), ("Cache-Control", "max-age=3600"), ("Age", "7200"), ("Age", "0"));

        Evaluate(entry, Get()).Action.Should().Be(CacheAction.Revalidate);
    }

    [Theory]
    [InlineData("Wed, 01 Jan 2025 12:01:00 GMT")]
    [InlineData("Wednesday, 01-Jan-25 12:01:00 GMT")]
    [InlineData("Wed Jan  1 12:01:00 2025")]
    [InlineData("wed, 01 jan 2025 12:01:00 gmt")]
    [InlineData("WED, 01 JAN 2025 12:01:00 Gmt")]
    public void Expires_is_read_in_every_HTTP_date_form_and_case(string expires)
    {
        CacheSemantics.ParseDate(expires).Should().Be(Start.AddMinutes(1));
        var entry = Entry(200, "x", ("Date", StartDate), ("Expires", expires));
        _time.Advance(TimeSpan.FromSeconds(59));

        var lookup = Evaluate(entry, Get());

        lookup.Action.Should().Be(CacheAction.Serve);
        lookup.FreshnessLeft.Should().Be(TimeSpan.FromSeconds(1));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("tomorrow")]
    [InlineData("Wed, 01 Jan 2025 12:01:00 CET")]
    public void An_invalid_Expires_means_already_expired(string expires)
    {
        var entry = Entry(200, "x", ("Date", StartDate), ("Expires", expires), ("ETag", "\"a\""));

        Evaluate(entry, Get()).Action.Should().Be(CacheAction.Revalidate);
    }

    [Fact]
    public void Must_understand_ignores_no_store_for_an_understood_status_and_not_otherwise()
    {
        var understood = Decide(Entry(200, "x", ("Date", StartDate), ("Cache-Control", "max-age=60, must-understand, no-store")));
        var unknown = Decide(Entry(299, "x", ("Date", StartDate), ("Cache-Control", "max-age=60, must-understand, no-store")));
        var plainNoStore = Decide(Entry(200, "x", ("Date", StartDate), ("Cache-Control", "max-age=60, no-store")));

        understood.Storable.Should().BeTrue();
        unknown.Should().Be(StoreDecision.No("must-understand"));
        plainNoStore.Reason.Should().Be("no-store");
    }

    private static HttpCacheOptions Cdn() => new() { TargetedCacheControlFields = ["EdgeKit-Cache-Control", "CDN-Cache-Control"] };

    [Fact]
    public void A_targeted_field_replaces_Cache_Control_and_Expires_when_the_policy_names_it()
    {
        var entry = Entry(200, "x", ("Date", StartDate), ("Cache-Control", "no-store"), ("Expires", "0"), ("CDN-Cache-Control", "max-age=120"));

        Decide(entry).Reason.Should().Be("no-store", "without opting in, CDN-Cache-Control means nothing to this cache");
        var decision = Decide(entry, Cdn());
        decision.Storable.Should().BeTrue();
        decision.Analysis!.FreshnessLifetime.Should().Be(TimeSpan.FromSeconds(120));
    }

    [Fact]
    public void The_first_targeted_field_of_the_list_wins()
    {
        var entry = Entry(200, "x", ("Date", StartDate), ("CDN-Cache-Control", "max-age=120"), ("EdgeKit-Cache-Control", "no-store"));

        Decide(entry, Cdn()).Reason.Should().Be("no-store");
    }

    [Theory]
    [InlineData("Max-Age=60")]
    [InlineData("max-age=60, ")]
    [InlineData("max-age=(60)")]
    [InlineData("")]
    public void An_invalid_targeted_field_is_ignored(string value)
    {
        var entry = Entry(200, "x", ("Date", StartDate), ("Cache-Control", "max-age=30"), ("CDN-Cache-Control", value));

        Decide(entry, Cdn()).Analysis!.FreshnessLifetime.Should().Be(TimeSpan.FromSeconds(30));
    }

    [Theory]
    [InlineData("private", "private")]
    [InlineData("no-store", "no-store")]
    [InlineData("no-store=?0, max-age=5", null)]
    [InlineData("s-maxage=90, max-age=5", null)]
    [InlineData("no-cache, max-age=60", null)]
    public void Targeted_directives_decide_like_Cache_Control_ones(string value, string? reason)
    {
        var entry = Entry(200, "x", ("Date", StartDate), ("ETag", "\"a\""), ("Cache-Control", "max-age=30"), ("CDN-Cache-Control", value));

        var decision = Decide(entry, Cdn());

        decision.Reason.Should().Be(reason);
        if (value.StartsWith("s-maxage", StringComparison.Ordinal))
        {
            decision.Analysis!.FreshnessLifetime.Should().Be(TimeSpan.FromSeconds(90));
            decision.Analysis.MustRevalidate.Should().BeTrue();
        }

        if (value.StartsWith("no-cache", StringComparison.Ordinal))
        {
            CacheSemantics.Evaluate(entry, Get(), Cdn(), Start).Action.Should().Be(CacheAction.Revalidate);
        }
    }

    [Theory]
    [InlineData("max-age=10, stale-if-error=600", true)]
    [InlineData("max-age=10, stale-if-error=600, must-revalidate", false)]
    [InlineData("max-age=10, stale-if-error=600, proxy-revalidate", false)]
    [InlineData("max-age=10, s-maxage=10, stale-if-error=600", false)]
    [InlineData("max-age=10, stale-if-error=600, no-cache", false)]
    [InlineData("max-age=10, stale-if-error=30", false)]
    public void Stale_if_error_applies_only_where_nothing_forbids_serving_stale(string cacheControl, bool allowed)
    {
        var entry = Entry(200, "x", ("Date", StartDate), ("ETag", "\"a\""), ("Cache-Control", cacheControl));
        _time.Advance(TimeSpan.FromSeconds(60));

        Evaluate(entry, Get()).StaleIfErrorAllowed.Should().Be(allowed);
    }

    [Fact]
    public void A_request_no_cache_accepts_only_its_own_stale_if_error()
    {
        var entry = Entry(200, "x", ("Date", StartDate), ("ETag", "\"a\""), ("Cache-Control", "max-age=10, stale-if-error=600"));
        _time.Advance(TimeSpan.FromSeconds(60));

        Evaluate(entry, Get(("Cache-Control", "no-cache"))).StaleIfErrorAllowed.Should().BeFalse();
        Evaluate(entry, Get(("Cache-Control", "no-cache, stale-if-error=600"))).StaleIfErrorAllowed.Should().BeTrue();
    }

    [Theory]
    [InlineData("\"a\"", "\"a\"", true)]
    [InlineData("W/\"a\"", "\"a\"", true)]
    [InlineData("\"a\"", "W/\"a\"", true)]
    [InlineData("\"x\", W/\"a\"", "\"a\"", true)]
    [InlineData("*", "\"a\"", true)]
    [InlineData("\"b\"", "\"a\"", false)]
    [InlineData("\"a,b\"", "\"a\"", false)]
    public void If_None_Match_uses_the_weak_comparison(string ifNoneMatch, string etag, bool notModified)
    {
        var entry = Entry(200, "x", ("ETag", etag));

        CacheSemantics.IsNotModified(entry, Get(("If-None-Match", ifNoneMatch)), Start).Should().Be(notModified);
    }

    [Theory]
    [InlineData("Wed, 01 Jan 2025 11:00:00 GMT", true)]
    [InlineData("Wed, 01 Jan 2025 10:00:00 GMT", true)]
    [InlineData("Wed, 01 Jan 2025 09:59:59 GMT", false)]
    [InlineData("Wed, 01 Jan 2025 13:00:00 GMT", false)]
    [InlineData("yesterday", false)]
    public void If_Modified_Since_compares_with_Last_Modified_and_ignores_future_or_invalid_dates(string since, bool notModified)
    {
        var entry = Entry(200, "x", ("Date", StartDate), ("Last-Modified", "Wed, 01 Jan 2025 10:00:00 GMT"));

        CacheSemantics.IsNotModified(entry, Get(("If-Modified-Since", since)), Start).Should().Be(notModified);
    }

    [Fact]
    public void If_None_Match_takes_precedence_over_If_Modified_Since()
    {
        var entry = Entry(200, "x", ("ETag", "\"a\""), ("Last-Modified", "Wed, 01 Jan 2025 10:00:00 GMT"));

        CacheSemantics.IsNotModified(entry, Get(("If-None-Match", "\"b\""), ("If-Modified-Since", StartDate)), Start).Should().BeFalse();
    }

    [Fact]
    public void A_304_from_the_store_carries_the_fields_RFC_9110_lists_and_no_content()
    {
        var entry = Entry(200, "body", ("Date", StartDate), ("ETag", "\"a\""), ("Last-Modified", "Wed, 01 Jan 2025 10:00:00 GMT"),
            ("Cache-Control", "max-age=60"), ("Expires", "Wed, 01 Jan 2025 12:01:00 GMT"), ("Vary", "Accept"), ("Content-Location", "/a.json"),
            ("Content-Type", "text/plain"), ("Content-Length", "4"), ("X-Other", "1"));

        var answer = CacheSemantics.Answer(entry, Get(("If-None-Match", "\"a\"")), Start);

        answer.StatusCode.Should().Be(304);
        answer.Body.Length.Should().Be(0);
        answer.Headers.Select(h => h.Key).Should().Equal("Date", "ETag", "Cache-Control", "Expires", "Vary", "Content-Location");
    }

    [Theory]
    [InlineData("bytes=0-3", 206, "bytes 0-3/10", "0123")]
    [InlineData("bytes=7-", 206, "bytes 7-9/10", "789")]
    [InlineData("bytes=-2", 206, "bytes 8-9/10", "89")]
    [InlineData("bytes=8-100", 206, "bytes 8-9/10", "89")]
    [InlineData("BYTES = 1-1", 206, "bytes 1-1/10", "1")]
    [InlineData("bytes=10-", 416, "bytes */10", "")]
    [InlineData("bytes=-0", 416, "bytes */10", "")]
    [InlineData("bytes=5-1", 200, null, "0123456789")]
    [InlineData("items=0-1", 200, null, "0123456789")]
    [InlineData("bytes=a-b", 200, null, "0123456789")]
    public void One_byte_range_of_a_stored_200_is_answered_206_or_416(string range, int status, string? contentRange, string body)
    {
        var entry = Entry(200, "0123456789", ("Content-Length", "10"), ("ETag", "\"a\""));

        var answer = CacheSemantics.Answer(entry, Get(("Range", range)), Start);

        answer.StatusCode.Should().Be(status);
        answer.GetHeader("Content-Range").Should().Be(contentRange);
        System.Text.Encoding.ASCII.GetString(answer.Body.Span).Should().Be(body);
        answer.GetHeader("Content-Length").Should().Be(body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("\"a\"", 206)]
    [InlineData("W/\"a\"", 200)]
    [InlineData("\"b\"", 200)]
    [InlineData("Wed, 01 Jan 2025 10:00:00 GMT", 206)]
    [InlineData("Wed, 01 Jan 2025 10:00:01 GMT", 200)]
    public void If_Range_must_match_strongly_for_the_range_to_apply(string ifRange, int status)
    {
        var entry = Entry(200, "0123456789", ("Date", StartDate), ("ETag", "\"a\""), ("Last-Modified", "Wed, 01 Jan 2025 10:00:00 GMT"));

        CacheSemantics.Answer(entry, Get(("Range", "bytes=0-1"), ("If-Range", ifRange)), Start).StatusCode.Should().Be(status);
    }

    [Fact]
    public void A_range_is_never_cut_from_a_stored_partial_response_and_several_ranges_are_forwarded()
    {
        var partial = Entry(200, "0123", ("Content-Range", "bytes 0-3/10"));

        CacheSemantics.Answer(partial, Get(("Range", "bytes=1-2")), Start).Should().BeSameAs(partial);
        CacheSemantics.HasMultipleRanges(Get(("Range", "bytes=0-1, 4-5"))).Should().BeTrue();
        CacheSemantics.HasMultipleRanges(Get(("Range", "bytes=0-1"))).Should().BeFalse();
        CacheSemantics.HasMultipleRanges(new TestRequest("HEAD", [("Range", "bytes=0-1, 4-5")])).Should().BeFalse();
    }

    private sealed class TestRequest(string method, (string Name, string Value)[] headers) : CacheRequest
    {
        public override string Method { get; } = method;

        public override string AbsoluteUri => "http://origin.test/r";

        public override string? GetHeader(string name)
        {
            var values = headers.Where(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).ToArray();
            return values.Length == 0 ? null : string.Join(", ", values);
        }
    }
}
