using EdgeKit.Caching;
using EdgeKit.Configuration;
using EdgeKit.TestShared;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EdgeKit.IntegrationTests.Caching;

/// <summary>Entries shared through a real redis-server: stored by one cache instance, served by another with its own connection.</summary>
public sealed class SharedCacheStoreTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    [Fact]
    public async Task An_entry_stored_through_IDistributedCache_by_one_instance_is_served_by_a_second_instance()
    {
        redis.Unavailable.Should().BeNull("these tests need a real redis-server");
        await using var backend = await CountingBackend.StartAsync();
        backend.Respond = (ctx, call) =>
        {
            ctx.Response.Headers.CacheControl = "max-age=60";
            ctx.Response.Headers["X-Call"] = call.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return ctx.Response.WriteAsync("shared-" + call);
        };
        string prefix = "edgekit-test:" + Guid.NewGuid().ToString("N") + ":";
        using var redisA = NewRedisCache();
        using var redisB = NewRedisCache();
        using var clientA = NewClient(new DistributedHttpCacheStore(redisA, prefix), backend);
        using var clientB = NewClient(new DistributedHttpCacheStore(redisB, prefix), backend);

        using var first = await clientA.GetAsync("/shared");
        using var second = await clientB.GetAsync("/shared");

        backend.Calls.Should().Be(1);
        (await second.Content.ReadAsStringAsync()).Should().Be("shared-1");
        second.Headers.GetValues("X-Call").Should().Equal("1");
        string.Join(", ", first.Headers.GetValues("Cache-Status")).Should().Be("EdgeKit; fwd=miss; fwd-status=200; stored");
        string.Join(", ", second.Headers.GetValues("Cache-Status")).Should().StartWith("EdgeKit; hit; ttl=");
    }

    [Fact]
    public async Task An_entry_stored_through_HybridCache_by_one_instance_is_served_by_a_second_instance()
    {
        redis.Unavailable.Should().BeNull("these tests need a real redis-server");
        await using var backend = await CountingBackend.StartAsync();
        backend.Respond = (ctx, call) =>
        {
            ctx.Response.Headers.CacheControl = "max-age=60";
            return ctx.Response.WriteAsync("hybrid-" + call);
        };
        string prefix = "edgekit-test:" + Guid.NewGuid().ToString("N") + ":";
        await using var servicesA = NewHybridServices();
        await using var servicesB = NewHybridServices();
        using var clientA = NewClient(new HybridHttpCacheStore(servicesA.GetRequiredService<HybridCache>(), prefix), backend);
        using var clientB = NewClient(new HybridHttpCacheStore(servicesB.GetRequiredService<HybridCache>(), prefix), backend);

        using var first = await clientA.GetAsync("/hybrid");
        using var second = await clientB.GetAsync("/hybrid");

        backend.Calls.Should().Be(1);
        (await second.Content.ReadAsStringAsync()).Should().Be("hybrid-1");
    }

    [Fact]
    public async Task An_unreachable_store_does_not_fail_requests()
    {
        await using var backend = await CountingBackend.StartAsync();
        backend.Respond = (ctx, call) =>
        {
            ctx.Response.Headers.CacheControl = "max-age=60";
            return ctx.Response.WriteAsync("v" + call);
        };
        using var deadRedis = new RedisCache(Options.Create(new RedisCacheOptions
        {
            Configuration = "127.0.0.1:1,abortConnect=false,connectTimeout=200,syncTimeout=200,asyncTimeout=200",
        }));
        using var client = NewClient(new DistributedHttpCacheStore(deadRedis), backend);

        using var first = await client.GetAsync("/x");
        using var second = await client.GetAsync("/x");

        (await second.Content.ReadAsStringAsync()).Should().Be("v2");
    }

    private RedisCache NewRedisCache() => new(Options.Create(new RedisCacheOptions { Configuration = redis.Configuration }));

    private ServiceProvider NewHybridServices()
    {
        var services = new ServiceCollection();
        services.AddStackExchangeRedisCache(o => o.Configuration = redis.Configuration);
        services.AddHybridCache();
        return services.BuildServiceProvider();
    }

    private static HttpClient NewClient(IHttpCacheStore store, CountingBackend backend) =>
        new(new HttpCachingHandler("shared", new HttpCacheOptions(), store, TimeProvider.System) { InnerHandler = new SocketsHttpHandler() })
        {
            BaseAddress = backend.Address,
        };
}
