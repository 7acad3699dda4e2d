using System.Net;
using System.Text.Json;
using System.Threading.RateLimiting;
using EdgeKit.AspNetCore.RateLimiting;
using EdgeKit.AspNetCore.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace EdgeKit.AspNetCore.Tests.RateLimiting;

/// <summary>
/// A gateway route naming an EdgeKit rate-limit policy takes its permit in the route's own request delegate: no
/// <c>app.UseRateLimiter()</c> needed, ASP.NET's middleware not on the request's path, the same 429, headers, queueing
/// and counters as before. Real Kestrel gateway and backend on 127.0.0.1, a fake clock for refill.
/// </summary>
public sealed class GatewayRouteRateLimitTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static Dictionary<string, string?> Orders(EchoBackend backend, int permits, params (string Key, string? Value)[] extra)
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Clusters:orders:Destinations:o1:Address"] = backend.Address,
            ["Routes:orders:Match:Path"] = "/orders/{**rest}",
            ["Routes:orders:Cluster"] = "orders",
            ["Routes:orders:RateLimiterPolicy"] = "per-client",
            ["RateLimiting:Policies:per-client:Limits:0:PermitLimit"] = permits.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["RateLimiting:Policies:per-client:Limits:0:Window"] = "00:01:00",
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return settings;
    }

    private static Task<GatewayHost> StartAsync(Dictionary<string, string?> settings, FakeTimeProvider time, Action<Microsoft.AspNetCore.Builder.WebApplicationBuilder>? builder = null, Action<WebApplication>? app = null) =>
        GatewayHost.StartAsync(settings, b =>
        {
            b.Services.AddSingleton<TimeProvider>(time);
            builder?.Invoke(b);
        }, app);

    private static EdgeKitRateLimiterPolicy Policy(GatewayHost gateway, string name = "per-client") =>
        gateway.Services.GetRequiredService<EdgeKitRateLimitPolicies>().Policies[name];

    [Fact]
    public async Task A_route_with_an_EdgeKit_policy_is_limited_without_UseRateLimiter_with_the_same_429_and_headers()
    {
        await using var backend = await EchoBackend.StartAsync("orders");
        var time = new FakeTimeProvider(Start);
        await using var gateway = await StartAsync(Orders(backend, 2), time);

        using var first = await gateway.Client.GetAsync("/orders/1");
        first.StatusCode.Should().Be(HttpStatusCode.OK);
        Header(first, "RateLimit-Policy").Should().Be("\"per-client\";q=2;w=60");
        Header(first, "RateLimit").Should().Be("\"per-client\";r=1;t=30");
        using var second = await gateway.Client.GetAsync("/orders/1");
        second.StatusCode.Should().Be(HttpStatusCode.OK);
        Header(second, "RateLimit").Should().Be("\"per-client\";r=0;t=60");

        time.Advance(TimeSpan.FromSeconds(10.5));
        using var rejected = await gateway.Client.GetAsync("/orders/1");
        rejected.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        rejected.Headers.RetryAfter!.Delta.Should().Be(TimeSpan.FromSeconds(20), "19.5 s rounded up");
        Header(rejected, "RateLimit-Policy").Should().Be("\"per-client\";q=2;w=60");
        Header(rejected, "RateLimit").Should().Be("\"per-client\";r=0;t=50", "49.5 s rounded up");
        rejected.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        using (var body = JsonDocument.Parse(await rejected.Content.ReadAsStringAsync()))
        {
            body.RootElement.GetProperty("type").GetString().Should().Be("https://iana.org/assignments/http-problem-types#quota-exceeded");
            body.RootElement.GetProperty("title").GetString().Should().Be("Request cannot be satisfied as assigned quota has been exceeded");
            body.RootElement.GetProperty("status").GetInt32().Should().Be(429);
            body.RootElement.GetProperty("detail").GetString().Should().Be("The quota of policy 'per-client' is exhausted; retry later.");
            body.RootElement.GetProperty("violated-policies").EnumerateArray().Select(e => e.GetString()).Should().Equal("per-client");
        }

        backend.Requests.Should().Be(2, "the refused request never reaches the backend");

        time.Advance(TimeSpan.FromSeconds(19.5));
        using var again = await gateway.Client.GetAsync("/orders/1");
        again.StatusCode.Should().Be(HttpStatusCode.OK, "one permit refilled after 30 s");

        var policy = Policy(gateway);
        policy.Accepted.Should().Be(3);
        policy.Rejected.Should().Be(1);
    }

    [Fact]
    public async Task The_route_endpoint_carries_no_aspnet_rate_limiting_metadata_and_UseRateLimiter_does_not_take_a_second_permit()
    {
        await using var backend = await EchoBackend.StartAsync("orders");
        var time = new FakeTimeProvider(Start);
        await using var gateway = await StartAsync(Orders(backend, 2), time, app: app => app.UseRateLimiter());

        var endpoint = gateway.Services.GetRequiredService<EndpointDataSource>().Endpoints.Single(e => e.DisplayName == "EdgeKit route 'orders'");
        endpoint.Metadata.GetMetadata<EnableRateLimitingAttribute>().Should().BeNull("ASP.NET's middleware is not on the path of an EdgeKit policy's route");

        (await Status(gateway, "/orders/1")).Should().Be(HttpStatusCode.OK);
        (await Status(gateway, "/orders/2")).Should().Be(HttpStatusCode.OK, "one permit per request, not one in the middleware and one in the route");
        (await Status(gateway, "/orders/3")).Should().Be(HttpStatusCode.TooManyRequests);
        Policy(gateway).Accepted.Should().Be(2);
        Policy(gateway).Rejected.Should().Be(1);
    }

    [Fact]
    public async Task A_cache_hit_still_takes_a_permit()
    {
        await using var backend = await EchoBackend.StartAsync("orders");
        backend.Override = context =>
        {
            context.Response.Headers.CacheControl = "public, max-age=600";
            context.Response.Headers.Date = Start.ToString("r");
            return context.Response.WriteAsync("order " + backend.Requests);
        };
        var time = new FakeTimeProvider(Start);
        await using var gateway = await StartAsync(
            Orders(backend, 2, ("Routes:orders:CachePolicy", "api"), ("Caching:Policies:api:Mode", "Shared")), time);

        using var miss = await gateway.Client.GetAsync("/orders/1");
        using var hit = await gateway.Client.GetAsync("/orders/1");
        using var refused = await gateway.Client.GetAsync("/orders/1");

        miss.StatusCode.Should().Be(HttpStatusCode.OK);
        hit.StatusCode.Should().Be(HttpStatusCode.OK);
        Header(hit, "Cache-Status").Should().Be("EdgeKit; hit; ttl=600");
        Header(hit, "RateLimit").Should().Be("\"per-client\";r=0;t=60");
        (await hit.Content.ReadAsStringAsync()).Should().Be("order 1");
        refused.StatusCode.Should().Be(HttpStatusCode.TooManyRequests, "the hit took the second permit");
        backend.Requests.Should().Be(1);
    }

    [Fact]
    public async Task An_apps_GlobalLimiter_still_applies_to_gateway_routes_through_UseRateLimiter_before_the_routes_policy()
    {
        await using var backend = await EchoBackend.StartAsync("orders");
        var time = new FakeTimeProvider(Start);
        await using var gateway = await StartAsync(Orders(backend, 10), time,
            builder => builder.Services.AddRateLimiter(o =>
            {
                o.RejectionStatusCode = StatusCodes.Status503ServiceUnavailable;
                o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(_ => RateLimitPartition.GetFixedWindowLimiter("all",
                    _ => new FixedWindowRateLimiterOptions { PermitLimit = 1, Window = TimeSpan.FromDays(1), QueueLimit = 0 }));
            }),
            app => app.UseRateLimiter());

        using var first = await gateway.Client.GetAsync("/orders/1");
        using var second = await gateway.Client.GetAsync("/orders/1");

        first.StatusCode.Should().Be(HttpStatusCode.OK);
        Header(first, "RateLimit").Should().Be("\"per-client\";r=9;t=6");
        second.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable, "the app's global limiter refused it");
        Header(second, "RateLimit").Should().BeNull("the route's policy was never asked");
        Policy(gateway).Accepted.Should().Be(1);
        Policy(gateway).Rejected.Should().Be(0);
        backend.Requests.Should().Be(1);
    }

    [Fact]
    public async Task A_queued_request_whose_client_goes_away_stops_waiting_and_gives_its_permit_back()
    {
        await using var backend = await EchoBackend.StartAsync("orders");
        var time = new FakeTimeProvider(Start);
        await using var gateway = await StartAsync(Orders(backend, 1, ("RateLimiting:Policies:per-client:QueueLimit", "1")), time);
        var policy = Policy(gateway);
        (await Status(gateway, "/orders/1")).Should().Be(HttpStatusCode.OK);

        using (var abandon = new CancellationTokenSource())
        {
            var waiting = gateway.Client.GetAsync("/orders/2", abandon.Token);
            await WaitUntil(() => policy.Limiter.GetStatistics("127.0.0.1")?.CurrentQueuedCount == 1, "the second request waits in the queue");
            abandon.Cancel();
            Func<Task> act = () => waiting;
            await act.Should().ThrowAsync<OperationCanceledException>();
            await WaitUntil(() => policy.Limiter.GetStatistics("127.0.0.1")?.CurrentQueuedCount == 0, "the gateway saw the client go away and stopped waiting");
        }

        time.Advance(TimeSpan.FromMinutes(1));
        using var next = await gateway.Client.GetAsync("/orders/3");
        next.StatusCode.Should().Be(HttpStatusCode.OK, "the abandoned wait gave its permit back, so the refilled one is free");
        Header(next, "RateLimit").Should().Be("\"per-client\";r=0;t=60");
        backend.Received.Select(r => (string?)r["path"]).Should().Equal("/orders/1", "/orders/3");
        policy.Accepted.Should().Be(2);
        policy.Rejected.Should().Be(0, "an abandoned wait is neither accepted nor refused");
    }

    [Fact]
    public async Task A_queued_request_is_served_when_its_permit_refills()
    {
        await using var backend = await EchoBackend.StartAsync("orders");
        var time = new FakeTimeProvider(Start);
        await using var gateway = await StartAsync(Orders(backend, 1, ("RateLimiting:Policies:per-client:QueueLimit", "1")), time);
        var policy = Policy(gateway);
        (await Status(gateway, "/orders/1")).Should().Be(HttpStatusCode.OK);

        var waiting = gateway.Client.GetAsync("/orders/2");
        await WaitUntil(() => policy.Limiter.GetStatistics("127.0.0.1")?.CurrentQueuedCount == 1, "the second request waits in the queue");
        (await Status(gateway, "/orders/3")).Should().Be(HttpStatusCode.TooManyRequests, "the queue holds one request");
        time.Advance(TimeSpan.FromMinutes(1));
        using var served = await waiting.WaitAsync(TimeSpan.FromSeconds(30));

        served.StatusCode.Should().Be(HttpStatusCode.OK);
        backend.Received.Select(r => (string?)r["path"]).Should().Equal("/orders/1", "/orders/2");
        policy.Accepted.Should().Be(2);
        policy.Rejected.Should().Be(1);
    }

    [Fact]
    public async Task A_User_partition_sees_the_user_authentication_found_because_the_route_decides_after_every_middleware()
    {
        await using var backend = await EchoBackend.StartAsync("orders");
        var time = new FakeTimeProvider(Start);
        await using var gateway = await StartAsync(Orders(backend, 1, ("RateLimiting:Policies:per-client:Partition:Kind", "User")), time,
            app: app => app.Use((context, next) =>
            {
                // Stands for app.UseAuthentication(): sets the user before the endpoint runs.
                if (context.Request.Headers["X-User"] is [{ Length: > 0 } user])
                {
                    context.User = new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity(
                        [new System.Security.Claims.Claim(System.Security.Claims.ClaimTypes.Name, user)], "test"));
                }

                return next(context);
            }));

        (await Status(gateway, "/orders/1", ("X-User", "alice"))).Should().Be(HttpStatusCode.OK);
        (await Status(gateway, "/orders/1", ("X-User", "bob"))).Should().Be(HttpStatusCode.OK, "bob has his own bucket");
        (await Status(gateway, "/orders/1", ("X-User", "alice"))).Should().Be(HttpStatusCode.TooManyRequests);
        Policy(gateway).Limiter.GetStatistics("user:alice")!.CurrentAvailablePermits.Should().Be(0);
        Policy(gateway).Limiter.GetStatistics("user:bob")!.CurrentAvailablePermits.Should().Be(0);
    }

    [Fact]
    public async Task A_DisableRateLimiting_convention_on_the_gateways_endpoints_turns_the_routes_policy_off()
    {
        await using var backend = await EchoBackend.StartAsync("orders");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Configuration.AddInMemoryCollection(Orders(backend, 1).ToDictionary(kv => "EdgeKit:" + kv.Key, kv => kv.Value));
        builder.Services.AddEdgeKit().AddGateway(builder.Configuration.GetSection("EdgeKit"));
        await using var app = builder.Build();
        app.MapEdgeKit().DisableRateLimiting();
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var client = new HttpClient { BaseAddress = new Uri(address) };

        using var first = await client.GetAsync("/orders/1");
        using var second = await client.GetAsync("/orders/1");

        first.StatusCode.Should().Be(HttpStatusCode.OK);
        second.StatusCode.Should().Be(HttpStatusCode.OK, "the app turned rate limiting off for the gateway's endpoints, as ASP.NET's middleware honoured it");
        Header(second, "RateLimit").Should().BeNull();
        app.Services.GetRequiredService<EdgeKitRateLimitPolicies>().Policies["per-client"].Accepted.Should().Be(0);
    }

    private static async Task<HttpStatusCode> Status(GatewayHost gateway, string path, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await gateway.Client.SendAsync(request);
        return response.StatusCode;
    }

    /// <summary>Polls a condition the server reaches on its own (a hang guard of 30 s, not a timing assumption).</summary>
    private static async Task WaitUntil(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("Timed out waiting until " + what + ".");
            }

            await Task.Delay(10);
        }
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : null;
}
