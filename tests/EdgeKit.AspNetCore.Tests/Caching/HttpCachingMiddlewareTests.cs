using System.Net;
using System.Text.Json;
using EdgeKit.Caching;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeKit.AspNetCore.Tests.Caching;

/// <summary>The cache seam of the gateway: a middleware caching any endpoint that names a policy, against a real backend.</summary>
public sealed class HttpCachingMiddlewareTests
{
    [Fact]
    public async Task A_fresh_response_is_served_from_the_cache_with_Age_and_Cache_Status()
    {
        await using var g = await CachingGateway.StartAsync();
        g.Serve(("Cache-Control", "max-age=60"), ("X-Backend", "yes"));

        var miss = await g.GetAsync();
        g.Advance(10);
        var hit = await g.GetAsync();

        miss.Body.Should().Be("v1");
        miss.CacheStatus.Should().Be("EdgeKit; fwd=miss; fwd-status=200; stored");
        hit.Body.Should().Be("v1");
        hit.CacheStatus.Should().Be("EdgeKit; hit; ttl=50");
        hit.Age.Should().Be("10");
        hit.Header("X-Backend").Should().Be("yes");
        g.BackendCalls.Should().Be(1);
    }

    [Fact]
    public async Task Concurrent_misses_for_one_key_make_exactly_one_backend_call()
    {
        await using var g = await CachingGateway.StartAsync();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        g.Backend = async (ctx, call) =>
        {
            await release.Task;
            ctx.Response.Headers.CacheControl = "max-age=60";
            await ctx.Response.WriteAsync("v" + call);
        };
        const int n = 20;
        var cache = g.Services.GetRequiredService<HttpCacheRegistry>().Get("api");
        string key = $"api|GET|{g.GatewayAddress}items/1";

        var requests = Enumerable.Range(0, n).Select(_ => g.GetAsync()).ToArray();
        await WaitUntilAsync(() => cache.Coalescer.Waiting(key) == n - 1);
        release.SetResult();
        var answers = await Task.WhenAll(requests);

        g.BackendCalls.Should().Be(1);
        answers.Should().OnlyContain(a => a.Status == 200 && a.Body == "v1");
        answers.Count(a => a.CacheStatus == "EdgeKit; fwd=miss; fwd-status=200; stored").Should().Be(1);
        // The others found the stored response fresh: hits, although they arrived while it was being stored.
        answers.Count(a => a.CacheStatus == "EdgeKit; hit; ttl=60").Should().Be(n - 1);
    }

    [Fact]
    public async Task When_the_coalesced_response_may_not_be_stored_each_waiting_request_goes_to_the_backend_itself()
    {
        await using var g = await CachingGateway.StartAsync();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        g.Backend = async (ctx, call) =>
        {
            await release.Task;
            ctx.Response.Headers.CacheControl = "private, max-age=60";
            await ctx.Response.WriteAsync("v" + call);
        };
        var cache = g.Services.GetRequiredService<HttpCacheRegistry>().Get("api");
        string key = $"api|GET|{g.GatewayAddress}items/1";

        var requests = Enumerable.Range(0, 5).Select(_ => g.GetAsync()).ToArray();
        await WaitUntilAsync(() => cache.Coalescer.Waiting(key) == 4);
        release.SetResult();
        var answers = await Task.WhenAll(requests);

        g.BackendCalls.Should().Be(5);
        answers.Select(a => a.Body).Should().OnlyHaveUniqueItems();
    }

    [Fact]
    public async Task A_stale_response_is_revalidated_with_its_ETag_and_a_304_serves_the_stored_body()
    {
        await using var g = await CachingGateway.StartAsync();
        g.Backend = async (ctx, call) =>
        {
            ctx.Response.Headers.ETag = "\"v1\"";
            ctx.Response.Headers.CacheControl = "max-age=10";
            if (ctx.Request.Headers.IfNoneMatch == "\"v1\"")
            {
                ctx.Response.StatusCode = 304;
                return;
            }

            await ctx.Response.WriteAsync("v" + call);
        };

        await g.GetAsync();
        g.Advance(20);
        var revalidated = await g.GetAsync();
        var hit = await g.GetAsync();

        revalidated.Status.Should().Be(200);
        revalidated.Body.Should().Be("v1");
        revalidated.CacheStatus.Should().Be("EdgeKit; fwd=stale; fwd-status=304; stored");
        hit.CacheStatus.Should().Be("EdgeKit; hit; ttl=10");
        g.BackendCalls.Should().Be(2);
    }

    [Fact]
    public async Task A_client_304_to_its_own_conditional_request_reaches_the_client()
    {
        await using var g = await CachingGateway.StartAsync();
        g.Backend = async (ctx, call) =>
        {
            ctx.Response.Headers.ETag = "\"v1\"";
            ctx.Response.Headers.CacheControl = "max-age=10";
            if (ctx.Request.Headers.IfNoneMatch == "\"v1\"")
            {
                ctx.Response.StatusCode = 304;
                return;
            }

            await ctx.Response.WriteAsync("v" + call);
        };

        await g.GetAsync();
        g.Advance(20);
        var answer = await g.GetAsync("/items/1", ("If-None-Match", "\"v1\""));

        answer.Status.Should().Be(304);
    }

    [Fact]
    public async Task StaleIfError_serves_the_stale_response_when_the_backend_fails()
    {
        await using var g = await CachingGateway.StartAsync();
        g.Backend = async (ctx, call) =>
        {
            if (call > 1)
            {
                ctx.Response.StatusCode = 503;
                await ctx.Response.WriteAsync("down");
                return;
            }

            ctx.Response.Headers.CacheControl = "max-age=10, stale-if-error=60";
            await ctx.Response.WriteAsync("v1");
        };

        await g.GetAsync();
        g.Advance(20);
        var answer = await g.GetAsync();

        answer.Status.Should().Be(200);
        answer.Body.Should().Be("v1");
        answer.CacheStatus.Should().Be("EdgeKit; fwd=stale; fwd-status=503; detail=stale-if-error");
    }

    [Fact]
    public async Task StaleWhileRevalidate_answers_stale_and_refreshes_through_the_endpoint_in_the_background()
    {
        await using var g = await CachingGateway.StartAsync();
        g.Serve(("Cache-Control", "max-age=10, stale-while-revalidate=60"));

        await g.GetAsync();
        g.Advance(20);
        var stale = await g.GetAsync();
        await WaitUntilAsync(() => g.BackendCalls == 2);
        CachingGateway.Answer refreshed;
        do
        {
            refreshed = await g.GetAsync();
        }
        while (refreshed.Body != "v2" && g.BackendCalls == 2);

        stale.Body.Should().Be("v1");
        stale.CacheStatus.Should().Be("EdgeKit; hit; ttl=-10");
        refreshed.Body.Should().Be("v2");
        refreshed.CacheStatus.Should().StartWith("EdgeKit; hit; ttl=");
        g.BackendCalls.Should().Be(2);
    }

    [Fact]
    public async Task Vary_keeps_a_variant_per_request_value()
    {
        await using var g = await CachingGateway.StartAsync();
        g.Backend = (ctx, call) =>
        {
            ctx.Response.Headers.CacheControl = "max-age=60";
            ctx.Response.Headers.Vary = "Accept-Language";
            return ctx.Response.WriteAsync(ctx.Request.Headers.AcceptLanguage + call);
        };

        (await g.GetAsync("/items/1", ("Accept-Language", "en"))).Body.Should().Be("en1");
        (await g.GetAsync("/items/1", ("Accept-Language", "fr"))).Body.Should().Be("fr2");
        (await g.GetAsync("/items/1", ("Accept-Language", "en"))).Body.Should().Be("en1");
        g.BackendCalls.Should().Be(2);
    }

    [Fact]
    public async Task A_POST_to_a_cached_URI_invalidates_it()
    {
        await using var g = await CachingGateway.StartAsync();
        g.Serve(("Cache-Control", "max-age=60"));

        await g.GetAsync();
        using var post = new HttpRequestMessage(HttpMethod.Post, "/items/1");
        var posted = await g.SendAsync(post);
        var after = await g.GetAsync();

        posted.CacheStatus.Should().Be("EdgeKit; fwd=method; fwd-status=200");
        after.Body.Should().Be("v3");
    }

    [Fact]
    public async Task A_response_to_an_authorised_request_is_not_shared_without_permission()
    {
        await using var g = await CachingGateway.StartAsync();
        g.Serve(("Cache-Control", "max-age=60"));

        await g.GetAsync("/items/1", ("Authorization", "Bearer alice"));
        var bob = await g.GetAsync("/items/1", ("Authorization", "Bearer bob"));

        bob.Body.Should().Be("v2");
        bob.CacheStatus.Should().Be("EdgeKit; fwd=miss; fwd-status=200; detail=authorization");
    }

    [Fact]
    public async Task A_body_over_the_entry_bound_reaches_the_client_whole_and_is_not_stored()
    {
        await using var g = await CachingGateway.StartAsync(o => o.MaximumEntrySize = 1000);
        string big = new('x', 100_000);
        g.Backend = (ctx, call) =>
        {
            ctx.Response.Headers.CacheControl = "max-age=60";
            return ctx.Response.WriteAsync(big);
        };

        var first = await g.GetAsync();
        var second = await g.GetAsync();

        first.Body.Should().Be(big);
        second.Body.Should().Be(big);
        g.BackendCalls.Should().Be(2);
    }

    [Fact]
    public async Task An_endpoint_without_the_metadata_is_not_touched()
    {
        await using var g = await CachingGateway.StartAsync();
        g.Serve(("Cache-Control", "max-age=60"));

        var first = await g.GetAsync("/plain");
        var second = await g.GetAsync("/plain");

        first.CacheStatus.Should().BeNull();
        second.Body.Should().Be("v2");
    }

    [Fact]
    public async Task An_unknown_policy_name_answers_500_problem_json_naming_it()
    {
        await using var g = await CachingGateway.StartAsync();

        using var response = await g.Client.GetAsync("/unknown");
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        response.StatusCode.Should().Be(HttpStatusCode.InternalServerError);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        problem.RootElement.GetProperty("detail").GetString().Should().Be(
            "No EdgeKit cache policy is named 'nope'. Define it with AddCachePolicy(\"nope\", ...) or in configuration under EdgeKit:Caching:Policies:nope.");
        g.BackendCalls.Should().Be(0);
    }

    [Fact]
    public async Task A_policy_from_configuration_applies_its_options()
    {
        await using var g = await CachingGateway.StartAsync(configuration: new()
        {
            ["EdgeKit:Caching:Policies:api:Mode"] = "Private",
            ["EdgeKit:Caching:Policies:api:CacheStatusName"] = "edge-a",
        });
        g.Serve(("Cache-Control", "private, max-age=60"));

        await g.GetAsync();
        var hit = await g.GetAsync();

        hit.Body.Should().Be("v1", "a private-mode policy stores private responses");
        hit.CacheStatus.Should().Be("edge-a; hit; ttl=60");
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var limit = DateTime.UtcNow.AddSeconds(15);
        while (!condition())
        {
            if (DateTime.UtcNow > limit)
            {
                throw new TimeoutException("The condition did not hold within 15 s.");
            }

            await Task.Delay(5);
        }
    }
}
