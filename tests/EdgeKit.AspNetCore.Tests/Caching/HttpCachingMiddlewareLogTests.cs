using EdgeKit.AspNetCore.Tests.TestSupport;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeKit.AspNetCore.Tests.Caching;

/// <summary>The gateway's cache logs the cache's own events (the same ids and messages as the HttpClient handler's).</summary>
public sealed class HttpCachingMiddlewareLogTests
{
    [Fact]
    public async Task A_stale_response_served_because_the_endpoint_failed_logs_event_1204_with_the_cache_the_key_and_the_status()
    {
        var logs = new CapturingLoggerProvider();
        await using var g = await CachingGateway.StartAsync(configureServices: services => services.AddSingleton<ILoggerProvider>(logs));
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
        (await g.GetAsync()).Body.Should().Be("v1");

        var logged = logs.Entries.Where(e => e.EventId.Id == 1204).Should().ContainSingle().Subject;
        logged.EventId.Name.Should().Be("CacheServedStaleOnError");
        logged.Category.Should().Be("EdgeKit.Caching");
        logged.Text.Should().Match($"Cache 'api': the backend failed (503) for 'api|GET|{g.GatewayAddress.ToString().TrimEnd('/')}/items/1'; a stale response was served (stale-if-error). | *");
    }
}
