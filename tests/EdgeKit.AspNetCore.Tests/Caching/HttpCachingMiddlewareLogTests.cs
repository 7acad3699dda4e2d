using EdgeKit.AspNetCore.Tests.TestSupport;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeKit.AspNetCore.Tests.Caching;

/// <summary>The gateway's cache logs the cache's own events (the same ids and messages as the HttpClient handler's).</summary>
public sealed class HttpCachingMiddlewareLogTests
{
    [Fact]
    public async Task Stale_responses_served_for_a_failing_status_and_for_a_throwing_endpoint_log_event_1204_naming_the_status_or_the_exception()
    {
        var logs = new CapturingLoggerProvider();
        await using var g = await CachingGateway.StartAsync(configureServices: services => services.AddSingleton<ILoggerProvider>(logs));
        g.Backend = (ctx, call) =>
        {
            switch (call)
            {
                case 1:
                    ctx.Response.Headers.CacheControl = "max-age=10, stale-if-error=60";
                    return ctx.Response.WriteAsync("v1");
                case 2:
                    ctx.Response.StatusCode = 502;
                    return Task.CompletedTask;
                default:
                    ctx.Abort();
                    return Task.CompletedTask;
            }
        };

        await g.GetAsync();
        g.Advance(20);
        var answers = new[] { await g.GetAsync(), await g.GetAsync() };

        answers.Select(a => (a.Status, a.Body)).Should().Equal((200, "v1"), (200, "v1"));
        string key = $"api|GET|{g.GatewayAddress.ToString().TrimEnd('/')}/items/1";
        var logged = logs.Entries.Where(e => e.EventId.Id == 1204).ToList();
        logged.Should().OnlyContain(e => e.Category == "EdgeKit.Caching" && e.EventId.Name == "CacheServedStaleOnError");
        logged.Select(e => e.Text[..e.Text.IndexOf(" | ", StringComparison.Ordinal)]).Should().Equal(
            $"Cache 'api': the backend failed (502) for '{key}'; a stale response was served (stale-if-error).",
            $"Cache 'api': the backend failed (HttpRequestException) for '{key}'; a stale response was served (stale-if-error).");
    }
}
