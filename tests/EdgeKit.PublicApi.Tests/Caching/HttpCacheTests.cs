using System.Text;
using EdgeKit.Caching;
using EdgeKit.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace EdgeKit.PublicApi.Tests.Caching;

/// <summary>
/// The cache engine as a third party's server uses it: a tiny host with its own request and response types that serves
/// from an <see cref="HttpCache"/> through its public members only (no InternalsVisibleTo member is used here).
/// </summary>
public sealed class HttpCacheTests
{
    private static readonly DateTimeOffset s_start = new(2026, 1, 1, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_miss_is_stored_and_the_next_request_is_a_fresh_hit_with_its_age()
    {
        var host = new TinyHost();
        host.Backend = (_, call) => new("200", [("Cache-Control", "max-age=60"), ("Content-Type", "text/plain")], "v" + call);

        var miss = await host.SendAsync("GET", "http://shop.test/items/1");
        host.Time.Advance(TimeSpan.FromSeconds(15));
        var hit = await host.SendAsync("GET", "http://shop.test/items/1");

        host.Lookups.Select(l => (l.Action, l.ForwardReason, l.Key)).Should().Equal(
            (CacheAction.Miss, CacheForwardReason.UriMiss, "shop|GET|http://shop.test/items/1"),
            (CacheAction.Serve, CacheForwardReason.None, "shop|GET|http://shop.test/items/1"));
        host.Lookups[1].Age.Should().Be(TimeSpan.FromSeconds(15));
        host.Lookups[1].FreshnessLeft.Should().Be(TimeSpan.FromSeconds(45));
        miss.Seen.Should().Be((200, "v1", (string?)null, "EdgeKit; fwd=miss; fwd-status=200; stored"));
        hit.Seen.Should().Be((200, "v1", "15", "EdgeKit; hit; ttl=45"));
        hit.Header("Content-Type").Should().Be("text/plain");
        host.BackendCalls.Should().Be(1);
    }

    [Fact]
    public async Task A_stale_entry_with_a_validator_needs_revalidation_and_a_304_freshens_it()
    {
        var host = new TinyHost();
        host.Backend = (request, call) => call == 1
            ? new("200", [("Cache-Control", "max-age=10"), ("ETag", "\"v1\"")], "body-1")
            : new("304", [("Cache-Control", "max-age=10"), ("ETag", "\"v1\"")], "");

        await host.SendAsync("GET", "http://shop.test/items/1");
        host.Time.Advance(TimeSpan.FromSeconds(30));
        var revalidated = await host.SendAsync("GET", "http://shop.test/items/1");
        host.Time.Advance(TimeSpan.FromSeconds(4));
        var hit = await host.SendAsync("GET", "http://shop.test/items/1");

        var stale = host.Lookups[1];
        stale.Action.Should().Be(CacheAction.Revalidate);
        stale.ForwardReason.Should().Be(CacheForwardReason.Stale);
        stale.Age.Should().Be(TimeSpan.FromSeconds(30));
        stale.FreshnessLeft.Should().Be(TimeSpan.FromSeconds(-20));
        stale.StaleIfErrorAllowed.Should().BeFalse();
        stale.Entry!.GetHeader("ETag").Should().Be("\"v1\"");
        host.Forwarded[1].Should().Equal(("If-None-Match", "\"v1\""));
        revalidated.Seen.Should().Be((200, "body-1", "0", "EdgeKit; fwd=stale; fwd-status=304; stored"));
        host.Lookups[2].Action.Should().Be(CacheAction.Serve);
        hit.Seen.Should().Be((200, "body-1", "4", "EdgeKit; hit; ttl=6"));
        host.BackendCalls.Should().Be(2);
    }

    [Fact]
    public async Task A_client_precondition_only_the_origin_evaluates_makes_the_revalidation_unconditional()
    {
        var host = new TinyHost();
        host.Backend = (_, call) => new("200", [("Cache-Control", "max-age=10"), ("ETag", "\"v" + call + "\"")], "body-" + call);

        await host.SendAsync("GET", "http://shop.test/a");
        host.Time.Advance(TimeSpan.FromSeconds(30));
        var answer = await host.SendAsync("GET", "http://shop.test/a", ("If-Match", "\"v1\""));

        host.Lookups[1].Action.Should().Be(CacheAction.Revalidate);
        host.Forwarded[1].Should().Equal(("If-Match", "\"v1\""));
        answer.Seen.Should().Be((200, "body-2", (string?)null, "EdgeKit; fwd=stale; fwd-status=200; stored"));
    }

    [Fact]
    public async Task A_successful_unsafe_method_bypasses_the_cache_and_invalidates_the_target()
    {
        var host = new TinyHost();
        host.Backend = (request, call) => request.Method == "POST"
            ? new("201", [("Location", "/items/1")], "")
            : new("200", [("Cache-Control", "max-age=60")], "v" + call);

        await host.SendAsync("GET", "http://shop.test/items/1");
        var post = await host.SendAsync("POST", "http://shop.test/items");
        var after = await host.SendAsync("GET", "http://shop.test/items/1");

        host.Lookups.Select(l => (l.Action, l.ForwardReason, l.Key)).Should().Equal(
            (CacheAction.Miss, CacheForwardReason.UriMiss, "shop|GET|http://shop.test/items/1"),
            (CacheAction.Bypass, CacheForwardReason.Method, (string?)null),
            (CacheAction.Miss, CacheForwardReason.UriMiss, "shop|GET|http://shop.test/items/1"));
        post.Seen.Should().Be((201, "", (string?)null, "EdgeKit; fwd=method; fwd-status=201"));
        after.Body.Should().Be("v3", "the POST's Location named the stored response, which it removed");
    }

    [Fact]
    public async Task An_unsafe_method_that_fails_or_points_to_another_origin_removes_nothing_else()
    {
        var host = new TinyHost();
        host.Backend = (request, call) => (request.Method, request.AbsoluteUri) switch
        {
            ("DELETE", _) => new("500", [], ""),
            ("PUT", _) => new("204", [("Location", "http://other.test/items/1"), ("Content-Location", "/items/2")], ""),
            _ => new("200", [("Cache-Control", "max-age=60")], "v" + call),
        };
        await host.SendAsync("GET", "http://shop.test/items/1");
        await host.SendAsync("GET", "http://other.test/items/1");
        await host.SendAsync("GET", "http://shop.test/items/2");

        await host.SendAsync("DELETE", "http://shop.test/items/1");
        var afterFailure = await host.SendAsync("GET", "http://shop.test/items/1");
        await host.SendAsync("PUT", "http://shop.test/items/3");
        var foreign = await host.SendAsync("GET", "http://other.test/items/1");
        var sameOrigin = await host.SendAsync("GET", "http://shop.test/items/2");

        afterFailure.Seen.Should().Be((200, "v1", "0", "EdgeKit; hit; ttl=60"), "a failed DELETE invalidates nothing");
        foreign.Seen.Should().Be((200, "v2", "0", "EdgeKit; hit; ttl=60"), "a Location of another origin is not removed");
        sameOrigin.Body.Should().Be("v6", "the Content-Location of the same origin was removed");
        await FluentActions.Awaiting(() => host.Cache.InvalidateAsync(null!, 204, null, null, CancellationToken.None).AsTask())
            .Should().ThrowAsync<ArgumentNullException>().WithParameterName("request");
    }

    [Fact]
    public async Task Only_if_cached_with_nothing_stored_is_unavailable_and_several_ranges_are_forwarded_alone()
    {
        var host = new TinyHost();
        host.Backend = (_, call) => new("200", [("Cache-Control", "max-age=60")], "0123456789");

        var refused = await host.SendAsync("GET", "http://shop.test/r", ("Cache-Control", "only-if-cached"));
        await host.SendAsync("GET", "http://shop.test/r", ("Range", "bytes=0-1, 4-5"));
        var range = await host.SendAsync("GET", "http://shop.test/r", ("Range", "bytes=2-4"));

        host.Lookups.Select(l => (l.Action, l.ForwardReason)).Should().Equal(
            (CacheAction.Unavailable, CacheForwardReason.None),
            (CacheAction.Forward, CacheForwardReason.Request),
            (CacheAction.Serve, CacheForwardReason.None));
        refused.Seen.Should().Be((504, "", (string?)null, "EdgeKit; fwd=miss; detail=only-if-cached"));
        range.Seen.Should().Be((206, "234", "0", "EdgeKit; hit; ttl=60"));
        range.Header("Content-Range").Should().Be("bytes 2-4/10");
        host.BackendCalls.Should().Be(1);
    }

    [Fact]
    public async Task A_stale_while_revalidate_entry_is_served_and_revalidated_once_per_key()
    {
        var host = new TinyHost();
        host.Backend = (_, call) => new("200", [("Cache-Control", "max-age=10, stale-while-revalidate=60")], "v" + call);
        await host.SendAsync("GET", "http://shop.test/s");
        host.Time.Advance(TimeSpan.FromSeconds(20));

        var served = await host.SendAsync("GET", "http://shop.test/s");
        var lookup = host.Lookups[1];
        var revalidation = lookup.ToBackgroundRevalidation();

        served.Seen.Should().Be((200, "v1", "20", "EdgeKit; hit; ttl=-10"));
        lookup.Action.Should().Be(CacheAction.ServeStaleWhileRevalidate);
        (revalidation.Action, revalidation.Key, revalidation.Entry, revalidation.StaleIfErrorAllowed).Should().Be(
            (CacheAction.Revalidate, lookup.Key, lookup.Entry, false));
        host.Cache.Coalescer.TryBeginBackgroundRevalidation(lookup.Key!).Should().BeTrue();
        host.Cache.Coalescer.TryBeginBackgroundRevalidation(lookup.Key!).Should().BeFalse();
        host.Cache.Coalescer.EndBackgroundRevalidation(lookup.Key!);
        host.Cache.Coalescer.TryBeginBackgroundRevalidation(lookup.Key!).Should().BeTrue();
    }

    [Fact]
    public async Task Concurrent_misses_share_one_flight_and_followers_learn_whether_it_stored()
    {
        var cache = new HttpCache("flights", new HttpCacheOptions(), new MemoryHttpCacheStore(), new FakeTimeProvider(s_start));

        cache.Coalescer.TryLead("k", out var leader).Should().BeTrue();
        cache.Coalescer.TryLead("k", out var joined).Should().BeFalse();
        var follower = joined.FollowAsync(CancellationToken.None);
        leader.Followers.Should().Be(1);
        joined.Should().BeSameAs(leader);
        leader.Complete(stored: true);

        (await follower).Should().BeTrue();
        cache.Coalescer.TryLead("k", out var next).Should().BeTrue("a completed flight ends; the next miss leads its own");
        next.Should().NotBeSameAs(leader);
    }

    [Fact]
    public async Task Bad_arguments_are_refused_with_typed_exceptions_that_say_why()
    {
        var time = new FakeTimeProvider(s_start);
        var cache = new HttpCache("shop", new HttpCacheOptions(), new MemoryHttpCacheStore(), time);
        var request = new HostCacheRequest("GET", "http://shop.test/x", []);
        var entry = new HttpCacheEntry(200, [], Encoding.UTF8.GetBytes("x"), s_start, s_start);
        var noStore = cache.DecideStore(request, 200, [new("Cache-Control", ["no-store"])], 1, s_start, s_start);
        var miss = await cache.LookupAsync(request, CancellationToken.None);

        noStore.Storable.Should().BeFalse();
        noStore.Reason.Should().Be("no-store");
        await FluentActions.Awaiting(() => cache.StoreAsync("shop|GET|http://shop.test/x", request, entry, noStore, CancellationToken.None).AsTask())
            .Should().ThrowAsync<ArgumentException>()
            .WithMessage("Only a response the cache decided to store can be stored; this decision is not storable (no-store). (Parameter 'decision')");
        await FluentActions.Awaiting(() => cache.StoreAsync("k", request, entry, default, CancellationToken.None).AsTask())
            .Should().ThrowAsync<ArgumentException>().WithMessage("*(not made by DecideStore)*");
        await FluentActions.Awaiting(() => cache.LookupAsync(null!, CancellationToken.None).AsTask())
            .Should().ThrowAsync<ArgumentNullException>().WithParameterName("request");
        await FluentActions.Awaiting(() => cache.FreshenAsync(miss, request, [], s_start, s_start, CancellationToken.None).AsTask())
            .Should().ThrowAsync<ArgumentException>()
            .WithMessage("A 304 freshens the stored response of a lookup; this Miss lookup has none. (Parameter 'lookup')");
        FluentActions.Invoking(() => miss.ToBackgroundRevalidation())
            .Should().Throw<InvalidOperationException>()
            .WithMessage("Only a ServeStaleWhileRevalidate lookup is revalidated in the background; this one is Miss.");
        FluentActions.Invoking(() => cache.Record((CacheResult)42))
            .Should().Throw<ArgumentOutOfRangeException>().WithParameterName("result");
        FluentActions.Invoking(() => new HttpCache("shop", new HttpCacheOptions { MaximumEntrySize = -1 }, new MemoryHttpCacheStore(), time))
            .Should().Throw<ArgumentException>().WithParameterName("options");
    }

    [Fact]
    public void A_policy_without_Cache_Status_gives_no_member_and_the_field_rules_and_age_are_the_engine_s()
    {
        var cache = new HttpCache("quiet", new HttpCacheOptions { AddCacheStatusHeader = false }, new MemoryHttpCacheStore(), new FakeTimeProvider(s_start));

        cache.HitStatus(TimeSpan.FromSeconds(5)).Should().BeNull();
        cache.ForwardStatus(CacheForwardReason.UriMiss, 200, stored: true).Should().BeNull();
        (cache.CoalesceRequests, cache.MaximumEntrySize, cache.BackgroundRevalidationTimeout).Should().Be((true, 1024 * 1024L, TimeSpan.FromSeconds(30)));
        HttpCache.IsStoredHeader("Connection").Should().BeFalse();
        HttpCache.IsStoredHeader("cache-status").Should().BeFalse();
        HttpCache.IsStoredHeader("ETag").Should().BeTrue();
        HttpCache.FormatAge(TimeSpan.FromSeconds(-3)).Should().Be("0");
        HttpCache.FormatAge(TimeSpan.FromSeconds(59.9)).Should().Be("59");
    }

    [Fact]
    public void The_registry_gives_each_named_policy_one_cache_on_the_application_clock()
    {
        var time = new FakeTimeProvider(s_start);
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddEdgeKit().AddCachePolicy("Shop", o => o.CacheStatusName = "shop-edge");
        using var provider = services.BuildServiceProvider();
        var registry = provider.GetRequiredService<HttpCacheRegistry>();

        var cache = registry.Get("shop");

        registry.Names.Should().Equal("Shop");
        cache.Should().BeSameAs(registry.Get("SHOP"));
        cache.Name.Should().Be("Shop");
        cache.TimeProvider.Should().BeSameAs(time);
        cache.HitStatus(TimeSpan.FromSeconds(5)).Should().Be("shop-edge; hit; ttl=5");
        FluentActions.Invoking(() => registry.Get(null!)).Should().Throw<ArgumentNullException>().WithParameterName("name");
    }

    /// <summary>The third party's own request type, as the cache sees it.</summary>
    private sealed class HostCacheRequest(string method, string url, IReadOnlyList<(string Name, string Value)> headers) : CacheRequest
    {
        public override string Method { get; } = method;

        public override string AbsoluteUri { get; } = new Uri(url).AbsoluteUri;

        public override string? GetHeader(string name)
        {
            var values = headers.Where(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).ToArray();
            return values.Length == 0 ? null : string.Join(", ", values);
        }
    }

    private sealed record BackendAnswer(string Status, (string Name, string Value)[] Headers, string Body);

    private sealed class HostResponse(int status, string body, string? age, string? cacheStatus)
    {
        public int Status => status;

        public string Body => body;

        /// <summary>Status, body, Age and Cache-Status: what the client sees of the answer.</summary>
        public (int Status, string Body, string? Age, string? CacheStatus) Seen => (status, body, age, cacheStatus);

        public IReadOnlyList<KeyValuePair<string, string[]>> Headers { get; init; } = [];

        public string? Header(string name) =>
            Headers.Where(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => string.Join(", ", h.Value)).FirstOrDefault();
    }

    /// <summary>A third party's server: answers from the cache, forwards to a scripted backend, stores what may be stored.</summary>
    private sealed class TinyHost
    {
        public TinyHost() => Cache = new HttpCache("shop", new HttpCacheOptions(), new MemoryHttpCacheStore(new MemoryHttpCacheStoreOptions(), Time), Time);

        public FakeTimeProvider Time { get; } = new(s_start);

        public HttpCache Cache { get; }

        public Func<HostCacheRequest, int, BackendAnswer> Backend { get; set; } = (_, _) => new("404", [], "");

        public int BackendCalls { get; private set; }

        public List<CacheLookup> Lookups { get; } = [];

        /// <summary>The conditional and precondition fields of each forwarded request, in order.</summary>
        public List<(string Name, string Value)[]> Forwarded { get; } = [];

        public async Task<HostResponse> SendAsync(string method, string url, params (string Name, string Value)[] headers)
        {
            var request = new HostCacheRequest(method, url, headers);
            var lookup = await Cache.LookupAsync(request, CancellationToken.None);
            Lookups.Add(lookup);
            switch (lookup.Action)
            {
                case CacheAction.Serve or CacheAction.ServeStale or CacheAction.ServeStaleWhileRevalidate:
                    Cache.Record(lookup.Action == CacheAction.Serve ? CacheResult.Hit : CacheResult.Stale);
                    return Answer(Cache.Answer(lookup.Entry!, request), lookup.Age, Cache.HitStatus(lookup.FreshnessLeft));
                case CacheAction.Unavailable:
                    Cache.Record(CacheResult.OnlyIfCached);
                    return new HostResponse(504, "", null, Cache.ForwardStatus(CacheForwardReason.None, null, stored: false, "only-if-cached"));
                case CacheAction.Bypass:
                {
                    var answer = Call(request);
                    int status = int.Parse(answer.Status, System.Globalization.CultureInfo.InvariantCulture);
                    await Cache.InvalidateAsync(request, status, Find(answer.Headers, "Location"), Find(answer.Headers, "Content-Location"), CancellationToken.None);
                    Cache.Record(CacheResult.Bypass);
                    return new HostResponse(status, answer.Body, null, Cache.ForwardStatus(CacheForwardReason.Method, status, stored: false));
                }
            }

            // Miss, Revalidate, Forward: the cache's validators replace the client's own If-None-Match/If-Modified-Since.
            var sent = headers.ToList();
            if (Cache.TryGetValidators(lookup, request, out var etag, out var lastModified))
            {
                sent.RemoveAll(h => h.Name.Equals("If-None-Match", StringComparison.OrdinalIgnoreCase)
                    || h.Name.Equals("If-Modified-Since", StringComparison.OrdinalIgnoreCase));
                if (etag is not null)
                {
                    sent.Add(("If-None-Match", etag));
                }

                if (lastModified is not null)
                {
                    sent.Add(("If-Modified-Since", lastModified));
                }
            }

            var forwarded = new HostCacheRequest(method, url, sent);
            Forwarded.Add(sent.Where(h => h.Name.StartsWith("If-", StringComparison.OrdinalIgnoreCase)).ToArray());
            var requestTime = Time.GetUtcNow();
            var backend = Call(forwarded);
            var responseTime = Time.GetUtcNow();
            int code = int.Parse(backend.Status, System.Globalization.CultureInfo.InvariantCulture);
            var stored = backend.Headers.Where(h => HttpCache.IsStoredHeader(h.Name))
                .Select(h => new KeyValuePair<string, string[]>(h.Name, [h.Value])).ToList();
            if (code == 304 && lookup.Action == CacheAction.Revalidate)
            {
                var freshened = await Cache.FreshenAsync(lookup, request, stored, requestTime, responseTime, CancellationToken.None);
                Cache.Record(CacheResult.Revalidated);
                return Answer(Cache.Answer(freshened.Entry, request), freshened.Age, Cache.ForwardStatus(lookup.ForwardReason, 304, freshened.Stored));
            }

            byte[] body = Encoding.UTF8.GetBytes(backend.Body);
            var decision = Cache.DecideStore(request, code, stored, body.Length, requestTime, responseTime);
            if (decision.Storable)
            {
                await Cache.StoreAsync(lookup.Key!, request, new HttpCacheEntry(code, stored, body, requestTime, responseTime), decision, CancellationToken.None);
            }

            Cache.Record(CacheResult.Miss);
            return new HostResponse(code, backend.Body, null, Cache.ForwardStatus(lookup.ForwardReason, code, decision.Storable, decision.Reason))
            {
                Headers = stored,
            };
        }

        private BackendAnswer Call(HostCacheRequest request) => Backend(request, ++BackendCalls);

        private static HostResponse Answer(HttpCacheEntry entry, TimeSpan age, string? cacheStatus) =>
            new(entry.StatusCode, Encoding.UTF8.GetString(entry.Body.Span), HttpCache.FormatAge(age), cacheStatus) { Headers = entry.Headers };

        private static string? Find((string Name, string Value)[] headers, string name) =>
            headers.Where(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).FirstOrDefault();
    }
}
