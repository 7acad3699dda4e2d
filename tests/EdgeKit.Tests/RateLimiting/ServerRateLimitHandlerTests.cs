using System.Net;
using System.Net.Http.Headers;
using EdgeKit.RateLimiting;
using EdgeKit.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace EdgeKit.Tests.RateLimiting;

public sealed class ServerRateLimitHandlerTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly FakeTerminalHandler _terminal = new();

    private HttpClient Client(Action<ServerRateLimitOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        services.AddHttpClient("api", c => c.BaseAddress = new Uri("http://api.test/"))
            .AddEdgeKitServerRateLimits(configure)
            .ConfigurePrimaryHttpMessageHandler(() => _terminal);
        return services.BuildServiceProvider().GetRequiredService<IHttpClientFactory>().CreateClient("api");
    }

    private void AnswerOnce(HttpStatusCode status, Action<HttpResponseMessage> headers)
    {
        int calls = 0;
        _terminal.Respond = (request, _) =>
        {
            var response = new HttpResponseMessage(Interlocked.Increment(ref calls) == 1 ? status : HttpStatusCode.OK) { RequestMessage = request };
            if (calls == 1)
            {
                headers(response);
            }

            return Task.FromResult(response);
        };
    }

    [Fact]
    public async Task After_a_429_with_retry_after_requests_fail_fast_until_it_has_passed()
    {
        AnswerOnce(HttpStatusCode.TooManyRequests, r => r.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(10)));
        var client = Client(o => o.Behavior = ServerRateLimitBehavior.FailFast);

        (await client.GetAsync("a")).StatusCode.Should().Be(HttpStatusCode.TooManyRequests, "the 429 itself reaches the caller");
        _time.Advance(TimeSpan.FromSeconds(4));
        var blocked = await client.Invoking(c => c.GetAsync("b")).Should().ThrowAsync<RateLimitRejectedException>();
        blocked.Which.RetryAfter.Should().Be(TimeSpan.FromSeconds(6));
        _terminal.Sent.Should().HaveCount(1, "nothing was sent while blocked");

        _time.Advance(TimeSpan.FromSeconds(6));
        (await client.GetAsync("c")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task By_default_requests_wait_until_the_server_allows_them()
    {
        AnswerOnce(HttpStatusCode.ServiceUnavailable, r => r.Headers.RetryAfter = new RetryConditionHeaderValue(new DateTimeOffset(2026, 1, 1, 0, 0, 5, TimeSpan.Zero)));
        var client = Client();
        (await client.GetAsync("a")).StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);

        var waiting = client.GetAsync("b");
        await Task.Delay(50);
        waiting.IsCompleted.Should().BeFalse();
        _time.Advance(TimeSpan.FromSeconds(4.999));
        await Task.Delay(20);
        waiting.IsCompleted.Should().BeFalse();
        _time.Advance(TimeSpan.FromMilliseconds(1));
        (await waiting).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_wait_longer_than_the_maximum_fails_at_once()
    {
        AnswerOnce(HttpStatusCode.TooManyRequests, r => r.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromMinutes(5)));
        var client = Client(o => o.MaxWait = TimeSpan.FromSeconds(30));
        await client.GetAsync("a");

        var thrown = await client.Invoking(c => c.GetAsync("b")).Should().ThrowAsync<RateLimitRejectedException>();
        thrown.Which.RetryAfter.Should().Be(TimeSpan.FromMinutes(5));
    }

    [Fact]
    public async Task A_rate_limit_field_with_nothing_remaining_blocks_until_its_reset()
    {
        AnswerOnce(HttpStatusCode.OK, r => r.Headers.TryAddWithoutValidation("RateLimit", "\"per-client\";r=0;t=7"));
        var client = Client(o => o.Behavior = ServerRateLimitBehavior.FailFast);
        await client.GetAsync("a");

        var thrown = await client.Invoking(c => c.GetAsync("b")).Should().ThrowAsync<RateLimitRejectedException>();
        thrown.Which.RetryAfter.Should().Be(TimeSpan.FromSeconds(7));
        _time.Advance(TimeSpan.FromSeconds(7));
        (await client.GetAsync("c")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task An_absurdly_distant_reset_on_a_nanosecond_clock_blocks_instead_of_wrapping_around()
    {
        // t = 30,000,000,000 s on a 1 GHz timestamp clock (Stopwatch's on Linux) is 3 x 10^19 ticks: past a long. Before the
        // conversion saturated, the wrapped value was an arbitrary deadline (here in the past: the block was ignored).
        var clock = new NanosecondClock(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(clock);
        services.AddHttpClient("api", c => c.BaseAddress = new Uri("http://api.test/"))
            .AddEdgeKitServerRateLimits(o => o.Behavior = ServerRateLimitBehavior.FailFast)
            .ConfigurePrimaryHttpMessageHandler(() => _terminal);
        var client = services.BuildServiceProvider().GetRequiredService<IHttpClientFactory>().CreateClient("api");
        AnswerOnce(HttpStatusCode.OK, r => r.Headers.TryAddWithoutValidation("RateLimit", "\"per-client\";r=0;t=30000000000"));
        await client.GetAsync("a");

        var thrown = await client.Invoking(c => c.GetAsync("b")).Should().ThrowAsync<RateLimitRejectedException>();
        thrown.Which.RetryAfter.Should().BeGreaterThan(TimeSpan.FromDays(365 * 50), "the server's reset is honoured as a very long block (capped at about 73 years)");
        _terminal.Sent.Should().HaveCount(1, "nothing was sent while blocked");
    }

    /// <summary>A fake clock whose timestamps count nanoseconds from its start, like Stopwatch on Linux.</summary>
    private sealed class NanosecondClock : FakeTimeProvider
    {
        private readonly long _origin;

        public NanosecondClock(DateTimeOffset start)
            : base(start) => _origin = base.GetTimestamp();

        public override long TimestampFrequency => 1_000_000_000;

        public override long GetTimestamp() => (base.GetTimestamp() - _origin) * (1_000_000_000 / base.TimestampFrequency);
    }

    [Fact]
    public async Task Adaptive_slowdown_spaces_requests_when_little_quota_remains()
    {
        _terminal.Respond = (request, _) =>
        {
            var response = new HttpResponseMessage(HttpStatusCode.OK) { RequestMessage = request };
            response.Headers.TryAddWithoutValidation("RateLimit", "\"per-client\";r=4;t=8");
            return Task.FromResult(response);
        };
        var client = Client(o => o.SlowdownBelowRemaining = 5);
        await client.GetAsync("a"); // learns: 4 left for 8 s, so one every 2 s

        (await client.GetAsync("b")).StatusCode.Should().Be(HttpStatusCode.OK, "the first slot is now");
        var third = client.GetAsync("c");
        await Task.Delay(50);
        third.IsCompleted.Should().BeFalse("the next slot is 2 s later");
        _time.Advance(TimeSpan.FromSeconds(2));
        (await third).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Limits_are_kept_per_server()
    {
        AnswerOnce(HttpStatusCode.TooManyRequests, r => r.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(10)));
        var client = Client(o => o.Behavior = ServerRateLimitBehavior.FailFast);
        await client.GetAsync("http://one.test/a");

        (await client.GetAsync("http://two.test/a")).StatusCode.Should().Be(HttpStatusCode.OK);
        await client.Invoking(c => c.GetAsync("http://one.test/b")).Should().ThrowAsync<RateLimitRejectedException>();
    }
}
