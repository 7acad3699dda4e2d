using EdgeKit.TestShared;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeKit.AspNetCore.Tests.Caching;

/// <summary>Two gateway instances sharing their cache through a real redis-server.</summary>
public sealed class SharedGatewayCacheTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    [Fact]
    public async Task An_entry_stored_by_one_gateway_instance_is_served_by_a_second_instance_with_its_own_connection()
    {
        redis.Unavailable.Should().BeNull("this test needs a real redis-server");
        string prefix = "edgekit-gw-test:" + Guid.NewGuid().ToString("N") + ":";
        await using var g = await CachingGateway.StartAsync(configureServices: services =>
        {
            services.AddStackExchangeRedisCache(o => o.Configuration = redis.Configuration);
            services.AddEdgeKit().UseDistributedCacheStore(prefix);
        });
        g.Serve(("Cache-Control", "max-age=60"));
        using var second = await g.StartAnotherGatewayAsync();

        // Behind a load balancer both instances see the same Host; the key is the URI the client asked for.
        using var toFirst = new HttpRequestMessage(HttpMethod.Get, "/items/1") { Headers = { Host = "shop.test" } };
        var first = await g.SendAsync(toFirst);
        using var toSecond = new HttpRequestMessage(HttpMethod.Get, "/items/1") { Headers = { Host = "shop.test" } };
        using var response = await second.SendAsync(toSecond);
        string body = await response.Content.ReadAsStringAsync();

        g.BackendCalls.Should().Be(1);
        first.CacheStatus.Should().Be("EdgeKit; fwd=miss; fwd-status=200; stored");
        body.Should().Be("v1");
        string.Join(", ", response.Headers.GetValues("Cache-Status")).Should().Be("EdgeKit; hit; ttl=60");
    }
}
