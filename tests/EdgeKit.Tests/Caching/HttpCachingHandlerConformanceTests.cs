using System.Net;
using EdgeKit.Configuration;

namespace EdgeKit.Tests.Caching;

/// <summary>RFC 9111 / RFC 5861 conformance of the HttpClient cache, one directive or rule per test, on a fake clock.</summary>
public sealed class HttpCachingHandlerConformanceTests
{
    private static string Rfc1123(DateTimeOffset time) => time.ToString("r", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task MaxAge_serves_from_cache_while_fresh_with_age_and_ttl_then_goes_to_the_origin()
    {
        using var h = new CacheHarness();
        h.Serve(("Cache-Control", "max-age=60"));

        var first = await h.GetAsync();
        h.Advance(20);
        var second = await h.GetAsync();
        h.Advance(41);
        var third = await h.GetAsync();

        first.Body.Should().Be("v1");
        first.CacheStatus.Should().Be("EdgeKit; fwd=miss; fwd-status=200; stored");
        second.Body.Should().Be("v1");
        second.CacheStatus.Should().Be("EdgeKit; hit; ttl=40");
        second.Age.Should().Be("20");
        third.Body.Should().Be("v2");
        third.CacheStatus.Should().Be("EdgeKit; fwd=stale; fwd-status=200; stored");
        h.OriginCalls.Should().Be(2);
        h.Results.Should().Equal("miss", "hit", "miss");
    }

    [Fact]
    public async Task SMaxAge_overrides_max_age_in_a_shared_cache()
    {
        using var h = new CacheHarness();
        h.Serve(("Cache-Control", "max-age=10, s-maxage=100"));

        await h.GetAsync();
        h.Advance(50);
        var answer = await h.GetAsync();

        answer.Body.Should().Be("v1");
        answer.CacheStatus.Should().Be("EdgeKit; hit; ttl=50");
    }

    [Fact]
    public async Task SMaxAge_is_ignored_by_a_private_cache()
    {
        using var h = new CacheHarness(o => o.Mode = HttpCacheMode.Private);
        h.Serve(("Cache-Control", "max-age=10, s-maxage=100"));

        await h.GetAsync();
        h.Advance(50);
        var answer = await h.GetAsync();

        answer.Body.Should().Be("v2");
    }

    [Fact]
    public async Task NoStore_in_the_response_is_never_stored()
    {
        using var h = new CacheHarness();
        h.Serve(("Cache-Control", "no-store, max-age=60"));

        var first = await h.GetAsync();
        var second = await h.GetAsync();

        first.CacheStatus.Should().Be("EdgeKit; fwd=miss; fwd-status=200; detail=no-store");
        second.Body.Should().Be("v2");
        h.OriginCalls.Should().Be(2);
    }

    [Fact]
    public async Task NoStore_in_the_request_stores_nothing()
    {
        using var h = new CacheHarness();
        h.Serve(("Cache-Control", "max-age=60"));

        await h.GetAsync("/r", ("Cache-Control", "no-store"));
        var second = await h.GetAsync();

        second.Body.Should().Be("v2");
    }

    [Fact]
    public async Task NoCache_in_the_response_revalidates_every_time_and_a_304_serves_the_stored_body()
    {
        using var h = new CacheHarness();
        h.Origin = (request, call) => Task.FromResult(request.Headers.IfNoneMatch.Count > 0
            ? CacheHarness.Status(HttpStatusCode.NotModified, ("ETag", "\"a\""), ("Cache-Control", "no-cache"))
            : WithHeaders(CacheHarness.Ok("v" + call), ("Cache-Control", "no-cache"), ("ETag", "\"a\"")));

        await h.GetAsync();
        var second = await h.GetAsync();

        second.Status.Should().Be(200);
        second.Body.Should().Be("v1");
        second.CacheStatus.Should().Be("EdgeKit; fwd=stale; fwd-status=304; stored");
        h.Received.Last().Headers.IfNoneMatch.ToString().Should().Be("\"a\"");
        h.OriginCalls.Should().Be(2);
        h.Results.Should().Equal("miss", "revalidated");
    }

    [Fact]
    public async Task NoCache_with_field_names_is_treated_as_unqualified_no_cache()
    {
        using var h = new CacheHarness();
        h.Serve(("Cache-Control", "max-age=60, no-cache=\"Set-Cookie, X-Private\""), ("ETag", "\"a\""));

        await h.GetAsync();
        var second = await h.GetAsync();

        second.Body.Should().Be("v2");
        h.Received.Last().Headers.IfNoneMatch.ToString().Should().Be("\"a\"", "a fresh response with no-cache is still revalidated");
    }

    [Theory]
    [InlineData("Cache-Control", "no-cache", "EdgeKit; fwd=request; fwd-status=200; stored")]
    [InlineData("Pragma", "no-cache", "EdgeKit; fwd=request; fwd-status=200; stored")]
    [InlineData("Cache-Control", "max-age=0", "EdgeKit; fwd=request; fwd-status=200; stored")]
    public async Task A_request_that_refuses_a_stored_response_goes_to_the_origin(string header, string value, string status)
    {
        using var h = new CacheHarness();
        h.Serve(("Cache-Control", "max-age=60"));

        await h.GetAsync();
        h.Advance(1);
        var answer = await h.GetAsync("/r", (header, value));

        answer.Body.Should().Be("v2");
        answer.CacheStatus.Should().Be(status);
    }

    [Fact]
    public async Task MinFresh_in_the_request_refuses_a_response_about_to_go_stale()
    {
        using var h = new CacheHarness();
        h.Serve(("Cache-Control", "max-age=60"));

        await h.GetAsync();
        h.Advance(50);
        var refused = await h.GetAsync("/r", ("Cache-Control", "min-fresh=20"));
        var accepted = await h.GetAsync("/r", ("Cache-Control", "min-fresh=20"));

        refused.Body.Should().Be("v2");
        accepted.Body.Should().Be("v2");
        accepted.CacheStatus.Should().Be("EdgeKit; hit; ttl=60");
    }

    [Fact]
    public async Task MaxStale_in_the_request_accepts_a_stale_response_within_its_bound()
    {
        using var h = new CacheHarness();
        h.Serve(("Cache-Control", "max-age=10"));

        await h.GetAsync();
        h.Advance(25);
        var stale = await h.GetAsync("/r", ("Cache-Control", "max-stale=30"));
        var tooStale = await h.GetAsync("/r", ("Cache-Control", "max-stale=5"));

        stale.Body.Should().Be("v1");
        stale.CacheStatus.Should().Be("EdgeKit; hit; ttl=-15");
        tooStale.Body.Should().Be("v2");
        h.Results.Should().Equal("miss", "stale", "miss");
    }

    [Fact]
    public async Task OnlyIfCached_answers_504_when_nothing_usable_is_stored()
    {
        using var h = new CacheHarness();

        var answer = await h.GetAsync("/r", ("Cache-Control", "only-if-cached"));

        answer.Status.Should().Be(504);
        answer.CacheStatus.Should().Be("EdgeKit; fwd=miss; detail=only-if-cached");
        h.OriginCalls.Should().Be(0);
    }

    [Fact]
    public async Task Private_is_not_stored_by_a_shared_cache()
    {
        using var h = new CacheHarness();
        h.Serve(("Cache-Control", "private, max-age=60"));

        var first = await h.GetAsync();
        var second = await h.GetAsync();

        first.CacheStatus.Should().Be("EdgeKit; fwd=miss; fwd-status=200; detail=private");
        second.Body.Should().Be("v2");
    }

    [Fact]
    public async Task Private_with_field_names_is_treated_as_unqualified_private_by_a_shared_cache()
    {
        using var h = new CacheHarness();
        h.Serve(("Cache-Control", "private=\"X-User\", max-age=60"));

        await h.GetAsync();
        var second = await h.GetAsync();

        second.Body.Should().Be("v2");
    }

    [Fact]
    public async Task Private_is_stored_by_a_private_cache()
    {
        using var h = new CacheHarness(o => o.Mode = HttpCacheMode.Private);
        h.Serve(("Cache-Control", "private, max-age=60"));

        await h.GetAsync();
        var second = await h.GetAsync();

        second.Body.Should().Be("v1");
    }

    [Theory]
    [InlineData("max-age=60", false)]
    [InlineData("public, max-age=60", true)]
    [InlineData("s-maxage=60", true)]
    [InlineData("must-revalidate, max-age=60", true)]
    public async Task A_response_to_an_authorised_request_is_shared_only_when_public_s_maxage_or_must_revalidate_allow(string cacheControl, bool shared)
    {
        using var h = new CacheHarness();
        h.Serve(("Cache-Control", cacheControl));

        var first = await h.GetAsync("/r", ("Authorization", "Bearer alice"));
        var second = await h.GetAsync("/r", ("Authorization", "Bearer bob"));

        second.Body.Should().Be(shared ? "v1" : "v2");
        if (!shared)
        {
            first.CacheStatus.Should().Be("EdgeKit; fwd=miss; fwd-status=200; detail=authorization");
        }
    }

    [Fact]
    public async Task A_private_cache_stores_responses_to_authorised_requests()
    {
        using var h = new CacheHarness(o => o.Mode = HttpCacheMode.Private);
        h.Serve(("Cache-Control", "max-age=60"));

        await h.GetAsync("/r", ("Authorization", "Bearer alice"));
        var second = await h.GetAsync("/r", ("Authorization", "Bearer alice"));

        second.Body.Should().Be("v1");
    }

    [Fact]
    public async Task Public_makes_a_status_storable_that_is_not_cacheable_by_default()
    {
        using var h = new CacheHarness();
        h.Origin = (_, call) => Task.FromResult(WithHeaders(new HttpResponseMessage(HttpStatusCode.Found) { Content = new StringContent("v" + call) },
            ("Cache-Control", "public"), ("Last-Modified", Rfc1123(CacheHarness.Start.AddDays(-10))), ("Location", "/elsewhere")));

        await h.GetAsync();
        var second = await h.GetAsync();

        second.Status.Should().Be(302);
        second.Body.Should().Be("v1", "public with Last-Modified gets heuristic freshness");
    }

    [Fact]
    public async Task MustRevalidate_forbids_serving_stale_even_when_the_request_accepts_it()
    {
        using var h = new CacheHarness();
        h.Serve(("Cache-Control", "max-age=10, must-revalidate, stale-while-revalidate=60, stale-if-error=60"));

        await h.GetAsync();
        h.Advance(20);
        var answer = await h.GetAsync("/r", ("Cache-Control", "max-stale=100"));

        answer.Body.Should().Be("v2");
    }

    [Fact]
    public async Task MustRevalidate_passes_an_origin_error_on_instead_of_a_stale_response()
    {
        using var h = new CacheHarness();
        h.Origin = (_, call) => Task.FromResult(call == 1
            ? WithHeaders(CacheHarness.Ok("v1"), ("Cache-Control", "max-age=10, must-revalidate, stale-if-error=60"))
            : CacheHarness.Status(HttpStatusCode.ServiceUnavailable));

        await h.GetAsync();
        h.Advance(20);
        var answer = await h.GetAsync();

        answer.Status.Should().Be(503);
    }

    [Theory]
    [InlineData(HttpCacheMode.Shared, "v2")]
    [InlineData(HttpCacheMode.Private, "v1")]
    public async Task ProxyRevalidate_binds_only_a_shared_cache(HttpCacheMode mode, string expected)
    {
        using var h = new CacheHarness(o => o.Mode = mode);
        h.Serve(("Cache-Control", "max-age=10, proxy-revalidate"));

        await h.GetAsync();
        h.Advance(20);
        var answer = await h.GetAsync("/r", ("Cache-Control", "max-stale=100"));

        answer.Body.Should().Be(expected);
    }

    [Fact]
    public async Task StaleWhileRevalidate_serves_stale_at_once_and_refreshes_in_the_background()
    {
        using var h = new CacheHarness();
        h.Serve(("Cache-Control", "max-age=10, stale-while-revalidate=30"));

        await h.GetAsync();
        h.Advance(15);
        var stale = await h.GetAsync();
        var refreshed = await WaitForBodyAsync(h, "v2");

        stale.Body.Should().Be("v1");
        stale.CacheStatus.Should().Be("EdgeKit; hit; ttl=-5");
        refreshed.CacheStatus.Should().StartWith("EdgeKit; hit; ttl=");
        h.OriginCalls.Should().Be(2);
        h.Results.Should().StartWith(["miss", "stale"]);
    }

    [Fact]
    public async Task StaleWhileRevalidate_beyond_its_window_goes_to_the_origin_in_the_foreground()
    {
        using var h = new CacheHarness();
        h.Serve(("Cache-Control", "max-age=10, stale-while-revalidate=30"));

        await h.GetAsync();
        h.Advance(41);
        var answer = await h.GetAsync();

        answer.Body.Should().Be("v2");
        answer.CacheStatus.Should().Be("EdgeKit; fwd=stale; fwd-status=200; stored");
    }

    [Fact]
    public async Task StaleIfError_serves_stale_when_the_origin_answers_5xx_within_the_window()
    {
        using var h = new CacheHarness();
        h.Origin = (_, call) => Task.FromResult(call == 1
            ? WithHeaders(CacheHarness.Ok("v1"), ("Cache-Control", "max-age=10, stale-if-error=60"))
            : CacheHarness.Status(HttpStatusCode.BadGateway));

        await h.GetAsync();
        h.Advance(30);
        var withinWindow = await h.GetAsync();
        h.Advance(60);
        var beyondWindow = await h.GetAsync();

        withinWindow.Status.Should().Be(200);
        withinWindow.Body.Should().Be("v1");
        withinWindow.CacheStatus.Should().Be("EdgeKit; fwd=stale; fwd-status=502; detail=stale-if-error");
        beyondWindow.Status.Should().Be(502);
        h.Results.Should().Equal("miss", "stale", "miss");
    }

    [Fact]
    public async Task StaleIfError_serves_stale_when_the_origin_cannot_be_reached()
    {
        using var h = new CacheHarness();
        h.Origin = (_, call) => call == 1
            ? Task.FromResult(WithHeaders(CacheHarness.Ok("v1"), ("Cache-Control", "max-age=10, stale-if-error=60")))
            : throw new HttpRequestException("connection refused");

        await h.GetAsync();
        h.Advance(30);
        var answer = await h.GetAsync();

        answer.Body.Should().Be("v1");
        answer.CacheStatus.Should().Be("EdgeKit; fwd=stale; detail=stale-if-error");
    }

    [Fact]
    public async Task StaleIfError_in_the_request_also_allows_a_stale_response_on_error()
    {
        using var h = new CacheHarness();
        h.Origin = (_, call) => Task.FromResult(call == 1
            ? WithHeaders(CacheHarness.Ok("v1"), ("Cache-Control", "max-age=10"), ("ETag", "\"a\""))
            : CacheHarness.Status(HttpStatusCode.InternalServerError));

        await h.GetAsync();
        h.Advance(30);
        var answer = await h.GetAsync("/r", ("Cache-Control", "stale-if-error=60"));

        answer.Body.Should().Be("v1");
    }

    [Fact]
    public async Task Expires_minus_Date_is_the_freshness_lifetime()
    {
        using var h = new CacheHarness();
        h.Serve(("Date", Rfc1123(CacheHarness.Start)), ("Expires", Rfc1123(CacheHarness.Start.AddSeconds(30))));

        await h.GetAsync();
        h.Advance(29);
        var fresh = await h.GetAsync();
        h.Advance(2);
        var stale = await h.GetAsync();

        fresh.Body.Should().Be("v1");
        stale.Body.Should().Be("v2");
    }

    [Fact]
    public async Task An_invalid_Expires_means_already_expired_and_max_age_overrides_Expires()
    {
        using var h = new CacheHarness();
        h.Serve(("Expires", "0"), ("ETag", "\"e\""));

        await h.GetAsync();
        var second = await h.GetAsync();

        second.Body.Should().Be("v2");

        using var h2 = new CacheHarness();
        h2.Serve(("Expires", "0"), ("Cache-Control", "max-age=60"));
        await h2.GetAsync();
        (await h2.GetAsync()).Body.Should().Be("v1");
    }

    [Fact]
    public async Task Age_from_upstream_counts_toward_the_current_age()
    {
        using var h = new CacheHarness();
        h.Serve(("Cache-Control", "max-age=60"), ("Age", "50"));

        await h.GetAsync();
        h.Advance(5);
        var fresh = await h.GetAsync();
        h.Advance(6);
        var stale = await h.GetAsync();

        fresh.Age.Should().Be("55");
        fresh.CacheStatus.Should().Be("EdgeKit; hit; ttl=5");
        stale.Body.Should().Be("v2");
    }

    [Fact]
    public async Task A_Date_in_the_past_counts_as_apparent_age()
    {
        using var h = new CacheHarness();
        h.Serve(("Cache-Control", "max-age=60"), ("Date", Rfc1123(CacheHarness.Start.AddSeconds(-40))));

        await h.GetAsync();
        var answer = await h.GetAsync();

        answer.Age.Should().Be("40");
        answer.CacheStatus.Should().Be("EdgeKit; hit; ttl=20");
    }

    [Fact]
    public async Task Response_delay_counts_toward_the_age()
    {
        using var h = new CacheHarness();
        h.Origin = (_, _) =>
        {
            var response = WithHeaders(CacheHarness.Ok("v1"), ("Cache-Control", "max-age=60"));
            response.Headers.Date = h.Time.GetUtcNow();
            h.Advance(3);
            return Task.FromResult(response);
        };

        await h.GetAsync();
        var answer = await h.GetAsync();

        answer.Age.Should().Be("3");
    }

    [Fact]
    public async Task Heuristic_freshness_is_a_tenth_of_the_time_since_Last_Modified()
    {
        using var h = new CacheHarness();
        h.Serve(("Last-Modified", Rfc1123(CacheHarness.Start.AddSeconds(-1000))));

        await h.GetAsync();
        h.Advance(99);
        var fresh = await h.GetAsync();
        h.Advance(2);
        var stale = await h.GetAsync();

        fresh.Body.Should().Be("v1");
        fresh.CacheStatus.Should().Be("EdgeKit; hit; ttl=1");
        stale.Body.Should().Be("v2");
    }

    [Fact]
    public async Task Heuristic_freshness_is_capped_and_not_given_to_statuses_that_are_not_cacheable_by_default()
    {
        using var h = new CacheHarness(o => o.MaximumHeuristicFreshness = TimeSpan.FromSeconds(10));
        h.Serve(("Last-Modified", Rfc1123(CacheHarness.Start.AddDays(-100))));
        await h.GetAsync();
        h.Advance(11);
        (await h.GetAsync()).Body.Should().Be("v2");

        using var h2 = new CacheHarness();
        h2.Origin = (_, call) => Task.FromResult(WithHeaders(new HttpResponseMessage(HttpStatusCode.InternalServerError) { Content = new StringContent("v" + call) },
            ("Last-Modified", Rfc1123(CacheHarness.Start.AddDays(-100)))));
        await h2.GetAsync();
        (await h2.GetAsync()).Body.Should().Be("v2");
    }

    [Fact]
    public async Task A_404_with_max_age_is_cached_and_a_500_without_freshness_is_not()
    {
        using var h = new CacheHarness();
        h.Origin = (request, call) => Task.FromResult(request.RequestUri!.AbsolutePath == "/missing"
            ? WithHeaders(new HttpResponseMessage(HttpStatusCode.NotFound) { Content = new StringContent("v" + call) }, ("Cache-Control", "max-age=60"))
            : new HttpResponseMessage(HttpStatusCode.InternalServerError) { Content = new StringContent("v" + call) });

        await h.GetAsync("/missing");
        (await h.GetAsync("/missing")).Body.Should().Be("v1");
        await h.GetAsync("/broken");
        (await h.GetAsync("/broken")).Body.Should().Be("v3");
    }

    [Fact]
    public async Task Vary_keeps_one_variant_per_value_of_the_named_request_fields()
    {
        using var h = new CacheHarness();
        h.Serve(("Cache-Control", "max-age=60"), ("Vary", "Accept-Language"));

        var en = await h.GetAsync("/r", ("Accept-Language", "en"));
        var fr = await h.GetAsync("/r", ("Accept-Language", "fr"));
        var enAgain = await h.GetAsync("/r", ("Accept-Language", "en"));
        var frAgain = await h.GetAsync("/r", ("Accept-Language", "fr"));
        var none = await h.GetAsync("/r");

        en.Body.Should().Be("v1");
        fr.Body.Should().Be("v2");
        fr.CacheStatus.Should().Be("EdgeKit; fwd=vary-miss; fwd-status=200; stored");
        enAgain.Body.Should().Be("v1");
        frAgain.Body.Should().Be("v2");
        none.Body.Should().Be("v3", "an absent field is a value of its own");
    }

    [Fact]
    public async Task Vary_star_never_matches_so_is_not_stored()
    {
        using var h = new CacheHarness();
        h.Serve(("Cache-Control", "max-age=60"), ("Vary", "*"));

        var first = await h.GetAsync();
        var second = await h.GetAsync();

        first.CacheStatus.Should().Be("EdgeKit; fwd=miss; fwd-status=200; detail=vary-star");
        second.Body.Should().Be("v2");
    }

    [Fact]
    public async Task ETag_revalidation_merges_the_304_headers_into_the_stored_response()
    {
        using var h = new CacheHarness();
        h.Origin = (request, call) => Task.FromResult(call == 1
            ? WithHeaders(CacheHarness.Ok("v1"), ("Cache-Control", "max-age=10"), ("ETag", "\"a\""), ("X-Version", "1"))
            : CacheHarness.Status(HttpStatusCode.NotModified, ("Cache-Control", "max-age=100"), ("ETag", "\"a\""), ("X-Version", "2")));

        await h.GetAsync();
        h.Advance(20);
        var revalidated = await h.GetAsync();
        h.Advance(50);
        var stillFresh = await h.GetAsync();

        h.Received.Last().Headers.IfNoneMatch.ToString().Should().Be("\"a\"");
        revalidated.Status.Should().Be(200);
        revalidated.Body.Should().Be("v1");
        revalidated.Header("X-Version").Should().Be("2");
        revalidated.Header("Content-Type").Should().Be("text/plain; charset=utf-8");
        revalidated.Header("Cache-Control").Should().Be("max-age=100");
        stillFresh.CacheStatus.Should().Be("EdgeKit; hit; ttl=50");
        h.OriginCalls.Should().Be(2);
    }

    [Fact]
    public async Task Last_Modified_revalidation_sends_If_Modified_Since()
    {
        using var h = new CacheHarness();
        string lastModified = Rfc1123(CacheHarness.Start.AddDays(-1));
        h.Origin = (request, call) => Task.FromResult(call == 1
            ? WithHeaders(CacheHarness.Ok("v1"), ("Cache-Control", "max-age=10"), ("Last-Modified", lastModified))
            : CacheHarness.Status(HttpStatusCode.NotModified, ("Cache-Control", "max-age=10")));

        await h.GetAsync();
        h.Advance(20);
        var answer = await h.GetAsync();

        h.Received.Last().Headers.TryGetValues("If-Modified-Since", out var since).Should().BeTrue();
        since!.Single().Should().Be(lastModified);
        answer.Body.Should().Be("v1");
    }

    [Fact]
    public async Task A_client_conditional_request_on_a_stale_entry_is_revalidated_with_the_stored_validator_and_answered_from_the_freshened_entry()
    {
        using var h = new CacheHarness();
        h.Origin = (request, call) => Task.FromResult(call == 1
            ? WithHeaders(CacheHarness.Ok("v1"), ("Cache-Control", "max-age=10"), ("ETag", "\"a\""))
            : CacheHarness.Status(HttpStatusCode.NotModified, ("Cache-Control", "max-age=10"), ("ETag", "\"a\"")));

        await h.GetAsync();
        h.Advance(20);
        var other = await h.GetAsync("/r", ("If-None-Match", "\"zzz\""));
        h.Advance(20);
        var same = await h.GetAsync("/r", ("If-None-Match", "\"a\""));

        h.Received.ElementAt(1).Headers.IfNoneMatch.ToString().Should().Be("\"a\"");
        other.Status.Should().Be(200);
        other.Body.Should().Be("v1");
        other.CacheStatus.Should().Be("EdgeKit; fwd=stale; fwd-status=304; stored");
        same.Status.Should().Be(304);
        same.Body.Should().BeEmpty();
        h.OriginCalls.Should().Be(3);
    }

    [Fact]
    public async Task A_client_conditional_request_is_passed_through_untouched_when_nothing_usable_is_stored()
    {
        using var h = new CacheHarness();
        h.Origin = (request, call) => Task.FromResult(CacheHarness.Status(HttpStatusCode.NotModified, ("ETag", "\"a\"")));

        var answer = await h.GetAsync("/r", ("If-None-Match", "\"a\""), ("If-Modified-Since", "Wed, 01 Jan 2025 11:00:00 GMT"));

        answer.Status.Should().Be(304);
        h.Received.Single().Headers.IfNoneMatch.ToString().Should().Be("\"a\"");
        h.Received.Single().Headers.IfModifiedSince.Should().Be(new DateTimeOffset(2025, 1, 1, 11, 0, 0, TimeSpan.Zero));
        answer.CacheStatus.Should().Be("EdgeKit; fwd=miss; fwd-status=304; detail=status");
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    [InlineData("PATCH")]
    public async Task A_successful_unsafe_request_invalidates_the_stored_response(string method)
    {
        using var h = new CacheHarness();
        h.Serve(("Cache-Control", "max-age=60"));

        await h.GetAsync();
        var unsafeAnswer = await h.SendAsync(new HttpMethod(method), "/r");
        var after = await h.GetAsync();

        unsafeAnswer.CacheStatus.Should().Be("EdgeKit; fwd=method; fwd-status=200");
        after.Body.Should().Be("v3");
    }

    [Fact]
    public async Task An_unsafe_request_invalidates_its_Location_on_the_same_origin_but_not_on_another()
    {
        using var h = new CacheHarness();
        h.Origin = (request, call) => Task.FromResult(request.Method == HttpMethod.Post
            ? CacheHarness.Status(HttpStatusCode.Created, ("Location", request.RequestUri!.Query.Contains("other") ? "http://other.test/items/1" : "/items/1"))
            : WithHeaders(CacheHarness.Ok("v" + call), ("Cache-Control", "max-age=60")));

        await h.GetAsync("/items/1");
        await h.SendAsync(HttpMethod.Post, "/items?other");
        (await h.GetAsync("/items/1")).Body.Should().Be("v1");
        await h.SendAsync(HttpMethod.Post, "/items");
        (await h.GetAsync("/items/1")).Body.Should().Be("v4");
    }

    [Fact]
    public async Task An_unsafe_request_that_fails_does_not_invalidate()
    {
        using var h = new CacheHarness();
        h.Origin = (request, call) => Task.FromResult(request.Method == HttpMethod.Delete
            ? CacheHarness.Status(HttpStatusCode.InternalServerError)
            : WithHeaders(CacheHarness.Ok("v" + call), ("Cache-Control", "max-age=60")));

        await h.GetAsync();
        await h.SendAsync(HttpMethod.Delete, "/r");

        (await h.GetAsync()).Body.Should().Be("v1");
    }

    [Fact]
    public async Task SetCookie_responses_are_not_stored_by_a_shared_cache_unless_allowed()
    {
        using var h = new CacheHarness();
        h.Serve(("Cache-Control", "max-age=60"), ("Set-Cookie", "session=abc"));
        await h.GetAsync();
        (await h.GetAsync()).Body.Should().Be("v2");

        using var allowed = new CacheHarness(o => o.StoreResponsesWithSetCookie = true);
        allowed.Serve(("Cache-Control", "max-age=60"), ("Set-Cookie", "session=abc"));
        await allowed.GetAsync();
        (await allowed.GetAsync()).Body.Should().Be("v1");
    }

    [Fact]
    public async Task HEAD_responses_are_cached_apart_from_GET()
    {
        using var h = new CacheHarness();
        h.Serve(("Cache-Control", "max-age=60"));

        await h.SendAsync(HttpMethod.Head, "/r");
        var head = await h.SendAsync(HttpMethod.Head, "/r");
        var get = await h.GetAsync();

        head.CacheStatus.Should().StartWith("EdgeKit; hit");
        get.Body.Should().Be("v2");
    }

    [Fact]
    public async Task A_body_over_the_entry_bound_is_passed_on_whole_and_not_stored()
    {
        using var h = new CacheHarness(o => o.MaximumEntrySize = 1000);
        string big = new('x', 5000);
        h.Origin = (_, _) => Task.FromResult(WithHeaders(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(big) }, ("Cache-Control", "max-age=60")));

        var first = await h.GetAsync();
        await h.GetAsync();

        first.Body.Should().Be(big);
        first.CacheStatus.Should().Be("EdgeKit; fwd=miss; fwd-status=200; detail=too-large");
        h.OriginCalls.Should().Be(2);
    }

    [Fact]
    public async Task A_body_of_unknown_length_over_the_entry_bound_is_passed_on_whole_and_not_stored()
    {
        using var h = new CacheHarness(o => o.MaximumEntrySize = 1000);
        var big = Enumerable.Range(0, 50_000).Select(i => (byte)i).ToArray();
        h.Origin = (_, _) => Task.FromResult(WithHeaders(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(new UnknownLengthStream(big)) }, ("Cache-Control", "max-age=60")));

        using var response = await h.Client.GetAsync("/r");
        var body = await response.Content.ReadAsByteArrayAsync();
        await h.GetAsync();

        body.Should().Equal(big);
        string.Join(", ", response.Headers.GetValues("Cache-Status")).Should().Be("EdgeKit; fwd=miss; fwd-status=200; detail=too-large");
        h.OriginCalls.Should().Be(2);
    }

    [Fact]
    public async Task Cache_Status_can_be_turned_off_and_renamed()
    {
        using var off = new CacheHarness(o => o.AddCacheStatusHeader = false);
        off.Serve(("Cache-Control", "max-age=60"));
        (await off.GetAsync()).CacheStatus.Should().BeNull();
        (await off.GetAsync()).CacheStatus.Should().BeNull();

        using var renamed = new CacheHarness(o => o.CacheStatusName = "edge-1");
        renamed.Serve(("Cache-Control", "max-age=60"));
        await renamed.GetAsync();
        (await renamed.GetAsync()).CacheStatus.Should().Be("edge-1; hit; ttl=60");
    }

    [Fact]
    public async Task An_upstream_Cache_Status_is_kept_on_a_miss_and_not_replayed_on_a_hit()
    {
        using var h = new CacheHarness();
        h.Serve(("Cache-Control", "max-age=60"), ("Cache-Status", "Origin-CDN; hit"));

        var miss = await h.GetAsync();
        var hit = await h.GetAsync();

        miss.CacheStatus.Should().Be("Origin-CDN; hit, EdgeKit; fwd=miss; fwd-status=200; stored");
        hit.CacheStatus.Should().Be("EdgeKit; hit; ttl=60");
    }

    private static async Task<CacheHarness.Answer> WaitForBodyAsync(CacheHarness h, string body)
    {
        // The background revalidation stores just after the origin answers; poll the cache (not the clock) briefly.
        for (int i = 0; i < 200; i++)
        {
            var answer = await h.GetAsync();
            if (answer.Body == body)
            {
                return answer;
            }

            await Task.Delay(10);
        }

        throw new TimeoutException("The background revalidation did not store the new response.");
    }

    internal static HttpResponseMessage WithHeaders(HttpResponseMessage response, params (string Name, string Value)[] headers)
    {
        foreach (var (name, value) in headers)
        {
            if (!response.Headers.TryAddWithoutValidation(name, value))
            {
                response.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return response;
    }

    private sealed class UnknownLengthStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();
    }
}
