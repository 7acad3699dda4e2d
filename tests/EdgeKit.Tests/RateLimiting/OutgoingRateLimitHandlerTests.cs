using System.Net;
using System.Threading.RateLimiting;
using EdgeKit.Configuration;
using EdgeKit.RateLimiting;
using EdgeKit.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EdgeKit.Tests.RateLimiting;

public sealed class OutgoingRateLimitHandlerTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly FakeTerminalHandler _terminal = new();

    private ServiceProvider Build(Action<IHttpClientBuilder> configure)
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        var client = services.AddHttpClient("downstream", c => c.BaseAddress = new Uri("http://downstream.test/"))
            .ConfigurePrimaryHttpMessageHandler(() => _terminal);
        configure(client);
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task Requests_beyond_the_limit_fail_without_being_sent()
    {
        using var provider = Build(c => c.AddEdgeKitRateLimiting(o => o.Limits.Add(new TokenBucketLimit(2, TimeSpan.FromSeconds(1)))));
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("downstream");

        (await client.GetAsync("a")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await client.GetAsync("b")).StatusCode.Should().Be(HttpStatusCode.OK);
        var third = () => client.GetAsync("c");

        var thrown = await third.Should().ThrowAsync<RateLimitRejectedException>();
        thrown.Which.RetryAfter.Should().Be(TimeSpan.FromMilliseconds(500));
        thrown.Which.Message.Should().Be("HttpClient 'downstream': the outgoing rate limit is reached; the request was not sent (retry after 00:00:00.5000000).");
        _terminal.Sent.Should().HaveCount(2);
    }

    [Fact]
    public async Task The_limit_is_shared_by_every_client_instance_and_refills_with_time()
    {
        using var provider = Build(c => c.AddEdgeKitRateLimiting(o => o.Limits.Add(new TokenBucketLimit(1, TimeSpan.FromSeconds(1)))));
        var factory = provider.GetRequiredService<IHttpClientFactory>();

        (await factory.CreateClient("downstream").GetAsync("a")).StatusCode.Should().Be(HttpStatusCode.OK);
        await factory.CreateClient("downstream").Invoking(c => c.GetAsync("b")).Should().ThrowAsync<RateLimitRejectedException>();
        _time.Advance(TimeSpan.FromSeconds(1));
        (await factory.CreateClient("downstream").GetAsync("c")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task With_a_queue_requests_wait_for_their_permit()
    {
        using var provider = Build(c => c.AddEdgeKitRateLimiting(o =>
        {
            o.Limits.Add(new TokenBucketLimit(1, TimeSpan.FromSeconds(1)));
            o.QueueLimit = 1;
        }));
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("downstream");
        await client.GetAsync("a");

        var waiting = client.GetAsync("b");
        await Task.Delay(50);
        waiting.IsCompleted.Should().BeFalse();
        _terminal.Sent.Should().HaveCount(1);

        _time.Advance(TimeSpan.FromSeconds(1));
        (await waiting).StatusCode.Should().Be(HttpStatusCode.OK);
        _terminal.Sent.Should().HaveCount(2);
    }

    [Fact]
    public async Task Any_rate_limiter_can_be_used()
    {
        using var limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions { PermitLimit = 1 });
        using var provider = Build(c => c.AddEdgeKitRateLimiting(limiter));
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("downstream");
        using var held = limiter.AttemptAcquire();

        await client.Invoking(c => c.GetAsync("a")).Should().ThrowAsync<RateLimitRejectedException>();
    }

    [Fact]
    public void Invalid_limits_are_reported_at_start_every_problem_at_once()
    {
        using var provider = Build(c => c.AddEdgeKitRateLimiting(o =>
        {
            o.Limits.Add(new TokenBucketLimit(0, TimeSpan.FromSeconds(1)));
            o.QueueLimit = -2;
        }));

        var read = () => provider.GetRequiredService<IOptionsMonitor<OutgoingRateLimitOptions>>().Get("downstream");

        read.Should().Throw<OptionsValidationException>().Which.Failures.Should().Equal(
            "HttpClient 'downstream' rate limiting: Limits[0].PermitLimit must be at least 1 (was 0).",
            "HttpClient 'downstream' rate limiting: QueueLimit must be 0 or more (was -2).");
    }

    [Fact]
    public void Calling_it_twice_adds_one_handler()
    {
        var services = new ServiceCollection();
        services.AddHttpClient("downstream")
            .AddEdgeKitRateLimiting(o => o.Limits.Add(new TokenBucketLimit(1, TimeSpan.FromSeconds(1))))
            .AddEdgeKitRateLimiting(o => o.QueueLimit = 1);
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptionsMonitor<OutgoingRateLimitOptions>>().Get("downstream");
        options.Limits.Should().HaveCount(1);
        options.QueueLimit.Should().Be(1);
        var factoryOptions = provider.GetRequiredService<IOptionsMonitor<Microsoft.Extensions.Http.HttpClientFactoryOptions>>().Get("downstream");
        factoryOptions.HttpMessageHandlerBuilderActions.Should().HaveCount(1);
    }
}
