using System.Globalization;
using EdgeKit.Caching;
using EdgeKit.Configuration;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace EdgeKit.IntegrationTests.Caching;

/// <summary>The HttpClient cache in front of a real Kestrel backend whose connection closes without a response.</summary>
public sealed class HttpCachingHandlerStaleIfErrorTests
{
    [Theory]
    [InlineData("max-age=10, stale-if-error=600", true)]
    [InlineData("max-age=10, stale-if-error=600, must-revalidate", false)]
    [InlineData("max-age=10, stale-if-error=600, no-cache", false)]
    public async Task A_connection_reset_is_covered_by_stale_if_error_unless_a_directive_forbids_stale(string cacheControl, bool servedStale)
    {
        await using var backend = await CountingBackend.StartAsync();
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 1, 1, 12, 0, 0, TimeSpan.Zero));
        backend.Respond = (context, call) =>
        {
            if (call > 1)
            {
                context.Abort();
                return Task.CompletedTask;
            }

            context.Response.Headers.Date = time.GetUtcNow().ToString("r", CultureInfo.InvariantCulture);
            context.Response.Headers.CacheControl = cacheControl;
            context.Response.Headers.ETag = "\"a\"";
            return context.Response.WriteAsync("v1");
        };
        using var handler = new HttpCachingHandler("reset", new HttpCacheOptions(), new MemoryHttpCacheStore(), time) { InnerHandler = new SocketsHttpHandler() };
        using var client = new HttpClient(handler) { BaseAddress = backend.Address };

        (await client.GetStringAsync("/r")).Should().Be("v1");
        time.Advance(TimeSpan.FromSeconds(60));
        var second = () => client.GetAsync("/r");

        if (servedStale)
        {
            using var response = await second();
            (await response.Content.ReadAsStringAsync()).Should().Be("v1");
            string.Join(", ", response.Headers.GetValues("Cache-Status")).Should().Be("EdgeKit; fwd=stale; detail=stale-if-error");
            response.Headers.Age.Should().Be(TimeSpan.FromSeconds(60));
        }
        else
        {
            await second.Should().ThrowAsync<HttpRequestException>();
        }

        backend.Calls.Should().Be(2);
    }
}
