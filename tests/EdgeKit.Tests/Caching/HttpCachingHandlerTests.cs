using System.Net;
using EdgeKit.Caching;
using EdgeKit.Configuration;
using EdgeKit.Tests.TestSupport;
using Microsoft.Extensions.Logging;

namespace EdgeKit.Tests.Caching;

/// <summary>The handler's behaviour beyond RFC 9111 conformance: coalescing rules, store failures, metrics.</summary>
public sealed class HttpCachingHandlerTests
{
    [Fact]
    public async Task Waiting_requests_are_served_the_leaders_stored_response()
    {
        using var h = new CacheHarness();
        var release = new TaskCompletionSource<HttpResponseMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Origin = (_, _) => release.Task;
        string key = $"{h.Name}|GET|http://origin.test/r";

        var requests = Enumerable.Range(0, 10).Select(_ => h.GetAsync()).ToArray();
        await WaitUntilAsync(() => h.Handler.Cache.Coalescer.Waiting(key) == 9);
        release.SetResult(HttpCachingHandlerConformanceTests.WithHeaders(CacheHarness.Ok("one"), ("Cache-Control", "max-age=60")));
        var answers = await Task.WhenAll(requests);

        h.OriginCalls.Should().Be(1);
        answers.Should().OnlyContain(a => a.Body == "one");
        h.Results.Count(r => r == "collapsed").Should().Be(9);
        h.Results.Count(r => r == "miss").Should().Be(1);
        h.Handler.Cache.Coalescer.FlightCount.Should().Be(0);
    }

    [Fact]
    public async Task A_waiting_request_that_is_cancelled_stops_waiting_without_disturbing_the_others()
    {
        using var h = new CacheHarness();
        var release = new TaskCompletionSource<HttpResponseMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Origin = (_, _) => release.Task;
        string key = $"{h.Name}|GET|http://origin.test/r";
        using var cancel = new CancellationTokenSource();

        var leader = h.GetAsync();
        await WaitUntilAsync(() => h.OriginCalls == 1);
        var cancelled = h.Client.GetAsync("/r", cancel.Token);
        await WaitUntilAsync(() => h.Handler.Cache.Coalescer.Waiting(key) == 1);
        cancel.Cancel();

        await FluentActions.Awaiting(() => cancelled).Should().ThrowAsync<OperationCanceledException>();
        release.SetResult(HttpCachingHandlerConformanceTests.WithHeaders(CacheHarness.Ok("one"), ("Cache-Control", "max-age=60")));
        (await leader).Body.Should().Be("one");
    }

    [Fact]
    public async Task Coalescing_can_be_turned_off()
    {
        using var h = new CacheHarness(o => o.CoalesceRequests = false);
        var release = new TaskCompletionSource<HttpResponseMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        int calls = 0;
        h.Origin = async (_, call) =>
        {
            if (Interlocked.Increment(ref calls) == 3)
            {
                release.SetResult(null!);
            }

            await release.Task;
            return HttpCachingHandlerConformanceTests.WithHeaders(CacheHarness.Ok("v" + call), ("Cache-Control", "max-age=60"));
        };

        await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => h.GetAsync()));

        h.OriginCalls.Should().Be(3);
    }

    [Fact]
    public async Task A_response_that_expires_at_the_end_of_year_9999_is_stored_with_a_lifetime_capped_at_2_pow_31_seconds()
    {
        // Found by CacheSemanticsPropertyTests: the lifetime (Expires - now) plus the stale retention became the store's
        // time to live, and the memory store's "now + time to live" passed DateTimeOffset.MaxValue: the store threw, and
        // a response meant to be cached "forever" was never cached.
        using var h = new CacheHarness();
        h.Serve(("Expires", "Fri, 31 Dec 9999 23:59:59 GMT"));

        (await h.GetAsync()).Body.Should().Be("v1");
        (await h.GetAsync()).Body.Should().Be("v1");
        h.Advance(2147483648 - 1);
        (await h.GetAsync()).Body.Should().Be("v1");
        h.Advance(2);
        (await h.GetAsync()).Body.Should().Be("v2");

        h.OriginCalls.Should().Be(2);
        h.Results.Should().Equal("miss", "hit", "hit", "miss");
    }

    [Fact]
    public async Task A_failing_store_is_logged_and_the_request_is_served_from_the_origin()
    {
        using var logs = new CapturingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Debug));
        var handler = new HttpCachingHandler("failing", new HttpCacheOptions(), new FailingStore(), TimeProvider.System, factory)
        {
            InnerHandler = new FakeTerminalHandler
            {
                Respond = (request, _) => Task.FromResult(HttpCachingHandlerConformanceTests.WithHeaders(
                    new HttpResponseMessage(HttpStatusCode.OK) { RequestMessage = request, Content = new StringContent("ok") }, ("Cache-Control", "max-age=60"))),
            },
        };
        using var client = new HttpClient(handler);

        var body = await client.GetStringAsync("http://origin.test/x");

        body.Should().Be("ok");
        logs.Entries.Select(e => e.EventId.Id).Should().Contain([1201, 1202]);
    }

    [Fact]
    public void A_relative_request_URI_is_explained()
    {
        var handler = new HttpCachingHandler(new HttpCacheOptions()) { InnerHandler = new FakeTerminalHandler() };
        using var invoker = new HttpMessageInvoker(handler);

        FluentActions.Awaiting(() => invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/relative"), default))
            .Should().ThrowAsync<InvalidOperationException>()
            .WithMessage("The EdgeKit caching handler needs an absolute request URI (set the HttpClient's BaseAddress).");
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var limit = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > limit)
            {
                throw new TimeoutException("The condition did not hold within 10 s.");
            }

            await Task.Delay(2);
        }
    }

    private sealed class FailingStore : IHttpCacheStore
    {
        public ValueTask<HttpCacheEntry?> GetAsync(string key, CancellationToken cancellationToken) => throw new IOException("store down");

        public ValueTask SetAsync(string key, HttpCacheEntry entry, TimeSpan timeToLive, CancellationToken cancellationToken) => throw new IOException("store down");

        public ValueTask RemoveAsync(string key, CancellationToken cancellationToken) => throw new IOException("store down");
    }
}
