using EdgeKit.Caching;
using EdgeKit.Configuration;
using Microsoft.AspNetCore.Http;

namespace EdgeKit.IntegrationTests.Caching;

/// <summary>Request coalescing of the HttpClient cache, counted at a real Kestrel backend.</summary>
public sealed class HttpCachingHandlerCoalescingTests
{
    [Fact]
    public async Task Concurrent_identical_misses_make_exactly_one_backend_call_and_all_get_the_body()
    {
        await using var backend = await CountingBackend.StartAsync();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        backend.Respond = async (ctx, call) =>
        {
            await release.Task;
            ctx.Response.Headers.CacheControl = "max-age=60";
            await ctx.Response.WriteAsync("payload-" + call);
        };
        var handler = new HttpCachingHandler("coalesce", new HttpCacheOptions(), new MemoryHttpCacheStore(), TimeProvider.System)
        {
            InnerHandler = new SocketsHttpHandler(),
        };
        using var client = new HttpClient(handler) { BaseAddress = backend.Address };
        const int n = 50;
        string key = $"coalesce|GET|{backend.Address}data";

        var requests = Enumerable.Range(0, n).Select(_ => client.GetAsync("/data")).ToArray();
        await WaitUntilAsync(() => handler.Cache.Coalescer.Waiting(key) == n - 1);
        release.SetResult();
        var responses = await Task.WhenAll(requests);
        var bodies = await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync()));
        var statuses = responses.Select(r => string.Join(", ", r.Headers.GetValues("Cache-Status"))).ToList();

        backend.Calls.Should().Be(1);
        bodies.Should().OnlyContain(b => b == "payload-1");
        statuses.Count(s => s == "EdgeKit; fwd=miss; fwd-status=200; stored").Should().Be(1);
        // The others found the stored response fresh: hits, although they arrived while it was being stored.
        statuses.Count(s => s.StartsWith("EdgeKit; hit; ttl=", StringComparison.Ordinal)).Should().Be(n - 1);
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task When_the_leading_request_fails_the_waiting_ones_go_to_the_backend_themselves_and_succeed()
    {
        await using var backend = await CountingBackend.StartAsync();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        backend.Respond = async (ctx, call) =>
        {
            if (call == 1)
            {
                await release.Task;
                ctx.Abort(); // the leader's connection is reset: its caller gets an HttpRequestException
                return;
            }

            ctx.Response.Headers.CacheControl = "max-age=60";
            await ctx.Response.WriteAsync("payload-" + call);
        };
        var handler = new HttpCachingHandler("leader-fails", new HttpCacheOptions(), new MemoryHttpCacheStore(), TimeProvider.System)
        {
            InnerHandler = new SocketsHttpHandler(),
        };
        using var client = new HttpClient(handler) { BaseAddress = backend.Address };
        const int n = 5;
        string key = $"leader-fails|GET|{backend.Address}data";

        var requests = Enumerable.Range(0, n).Select(async _ =>
        {
            try
            {
                using var response = await client.GetAsync("/data");
                return await response.Content.ReadAsStringAsync();
            }
            catch (HttpRequestException)
            {
                return "failed";
            }
        }).ToArray();
        await WaitUntilAsync(() => handler.Cache.Coalescer.Waiting(key) == n - 1);
        release.SetResult();
        var bodies = await Task.WhenAll(requests);

        bodies.Count(b => b == "failed").Should().Be(1, "only the leader's own call failed");
        bodies.Count(b => b.StartsWith("payload-", StringComparison.Ordinal)).Should().Be(n - 1);
        backend.Calls.Should().Be(n, "each follower made its own call after the leader failed");
    }

    internal static async Task WaitUntilAsync(Func<bool> condition)
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
