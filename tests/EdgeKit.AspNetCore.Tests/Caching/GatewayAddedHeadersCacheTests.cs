using EdgeKit.AspNetCore.Tests.Infrastructure;
using EdgeKit.AspNetCore.Transforms;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace EdgeKit.AspNetCore.Tests.Caching;

/// <summary>
/// A gateway route with a rate-limit policy, session affinity, transforms and a cache policy, in front of a real
/// backend: what the cache stores is the backend's response, never a header the gateway added for one client.
/// </summary>
public sealed class GatewayAddedHeadersCacheTests
{
    private static readonly string AffinityKey = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());

    private static readonly DateTimeOffset Start = new(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private static Dictionary<string, string?> Settings(EchoBackend backend) => new()
    {
        ["Clusters:c:Destinations:d:Address"] = backend.Address,
        ["SessionAffinity:c:Keys:0"] = AffinityKey,
        ["Caching:Policies:api:Mode"] = "Shared",
        ["RateLimiting:Policies:per-client:Partition:Kind"] = "Header",
        ["RateLimiting:Policies:per-client:Partition:Name"] = "X-Client",
        ["RateLimiting:Policies:per-client:Limits:0:PermitLimit"] = "5",
        ["RateLimiting:Policies:per-client:Limits:0:Window"] = "00:01:00",
        ["Routes:r:Match:Path"] = "/{**rest}",
        ["Routes:r:Cluster"] = "c",
        ["Routes:r:CachePolicy"] = "api",
        ["Routes:r:RateLimiterPolicy"] = "per-client",
        ["Routes:r:Transforms:0:ResponseHeader"] = "X-Edge",
        ["Routes:r:Transforms:0:Set"] = "static",
    };

    [Fact]
    public async Task A_hit_carries_one_set_of_rate_limit_headers_this_clients()
    {
        await using var backend = await EchoBackend.StartAsync("b");
        backend.Override = context =>
        {
            context.Response.Headers.CacheControl = "public, max-age=60";
            context.Response.Headers.Date = Start.ToString("r");
            return context.Response.WriteAsync("v" + backend.Requests);
        };
        var settings = Settings(backend);
        settings.Remove("SessionAffinity:c:Keys:0");
        var time = new FakeTimeProvider(Start);
        await using var gateway = await GatewayHost.StartAsync(settings,
            configureBuilder: builder => builder.Services.AddSingleton<TimeProvider>(time), configureApp: app => app.UseRateLimiter());

        using var alice = await GetAsync(gateway, "alice");
        using var alice2 = await GetAsync(gateway, "alice");
        using var bob = await GetAsync(gateway, "bob");

        backend.Requests.Should().Be(1);
        Values(alice, "RateLimit").Should().Equal("\"per-client\";r=4;t=12");
        Values(alice2, "RateLimit").Should().Equal("\"per-client\";r=3;t=24");
        Values(alice2, "Cache-Status").Should().Equal("EdgeKit; hit; ttl=60");
        Values(bob, "RateLimit-Policy").Should().Equal("\"per-client\";q=5;w=60");
        Values(bob, "RateLimit").Should().Equal("\"per-client\";r=4;t=12");
        (await bob.Content.ReadAsStringAsync()).Should().Be("v1");
    }

    private static async Task<HttpResponseMessage> GetAsync(GatewayHost gateway, string client)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/items/1") { Headers = { { "X-Client", client } } };
        return await gateway.Client.SendAsync(request);
    }

    private static string[] Values(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.ToArray() : [];

    [Fact]
    public async Task A_hit_carries_the_backends_headers_and_only_this_clients_gateway_headers()
    {
        await using var backend = await EchoBackend.StartAsync("b");
        int call = 0;
        backend.Override = async context =>
        {
            int n = Interlocked.Increment(ref call);
            context.Response.Headers.CacheControl = "public, max-age=60";
            context.Response.Headers["X-Backend"] = "b";
            context.Response.Headers["Retry-After"] = "120";
            context.Response.Headers.Date = Start.ToString("r");
            await context.Response.WriteAsync("v" + n);
        };
        int traces = 0;
        var time = new FakeTimeProvider(Start);
        await using var gateway = await GatewayHost.StartAsync(Settings(backend),
            configureBuilder: builder =>
            {
                builder.Services.AddSingleton<TimeProvider>(time);
                builder.Services.AddEdgeKit().ConfigureTransforms(t => t.ResponseTransforms.Add(new RequestIdTransform()));
            },
            configureApp: app =>
            {
                // Middleware outside the endpoint: one header set before it runs, one when the response starts.
                app.Use(async (context, next) =>
                {
                    string trace = "00-" + Interlocked.Increment(ref traces).ToString("x32") + "-00f067aa0ba902b7-01";
                    context.Response.Headers["traceresponse"] = trace;
                    context.Response.OnStarting(() =>
                    {
                        context.Response.Headers["Server-Timing"] = "edge;dur=" + traces;
                        return Task.CompletedTask;
                    });
                    await next(context);
                });
                app.UseRateLimiter();
            });

        using var alice = await GetAsync(gateway, "alice");
        using var alice2 = await GetAsync(gateway, "alice");
        using var bob = await GetAsync(gateway, "bob");

        backend.Requests.Should().Be(1);
        (await alice.Content.ReadAsStringAsync()).Should().Be("v1");
        (await bob.Content.ReadAsStringAsync()).Should().Be("v1");
        Values(alice, "Cache-Status").Should().Equal("EdgeKit; fwd=miss; fwd-status=200; stored");
        Values(alice, "RateLimit").Should().Equal("\"per-client\";r=4;t=12");
        Values(alice, "X-Request-Id").Should().Equal("alice");
        Values(alice, "Set-Cookie").Should().ContainSingle().Which.Should().StartWith(".EdgeKit.Affinity=");

        Values(alice2, "RateLimit").Should().Equal("\"per-client\";r=3;t=24");
        Values(bob, "Cache-Status").Should().Equal("EdgeKit; hit; ttl=60");
        Values(bob, "RateLimit-Policy").Should().Equal("\"per-client\";q=5;w=60");
        Values(bob, "RateLimit").Should().Equal("\"per-client\";r=4;t=12");
        Values(bob, "traceresponse").Should().Equal("00-" + 3.ToString("x32") + "-00f067aa0ba902b7-01");
        Values(bob, "Server-Timing").Should().Equal("edge;dur=3");
        Values(bob, "Set-Cookie").Should().BeEmpty("the affinity cookie was alice's");
        Values(bob, "X-Request-Id").Should().BeEmpty("the transform marked it per-request");
        Values(bob, "X-Backend").Should().Equal("b");
        Values(bob, "Retry-After").Should().ContainSingle().Which.Should().Be("120", "the backend's own Retry-After is part of its response");
        Values(bob, "X-Edge").Should().Equal("static");
    }

    [Fact]
    public async Task The_affinity_cookie_does_not_make_a_response_uncacheable_but_the_backends_own_cookie_does()
    {
        await using var backend = await EchoBackend.StartAsync("b");
        backend.Override = async context =>
        {
            context.Response.Headers.CacheControl = "public, max-age=60";
            if (context.Request.Path == "/cookie")
            {
                context.Response.Headers.SetCookie = "session=backend";
            }

            await context.Response.WriteAsync("ok");
        };
        await using var gateway = await GatewayHost.StartAsync(Settings(backend), configureApp: app => app.UseRateLimiter());

        using var plain = await gateway.Client.GetAsync("/plain");
        using var cookie = await gateway.Client.GetAsync("/cookie");

        Values(plain, "Cache-Status").Should().Equal("EdgeKit; fwd=miss; fwd-status=200; stored");
        Values(cookie, "Cache-Status").Should().Equal("EdgeKit; fwd=miss; fwd-status=200; detail=set-cookie");
        Values(cookie, "Set-Cookie").Should().HaveCount(2).And.Contain("session=backend");
    }

    /// <summary>A code-defined transform writing a value of this request alone, marked so.</summary>
    private sealed class RequestIdTransform : ResponseTransform
    {
        public override ValueTask ApplyAsync(ResponseTransformContext context)
        {
            context.HttpContext.Response.Headers["X-Request-Id"] = context.HttpContext.Request.Headers["X-Client"].ToString();
            context.MarkPerRequest("X-Request-Id");
            return default;
        }
    }
}
