using EdgeKit.Caching;
using EdgeKit.Configuration;
using EdgeKit.Tests.TestSupport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace EdgeKit.Tests.Caching;

/// <summary>
/// The cache's own events, raised through the cache by both of its hosts (the HttpClient handler and the gateway's
/// middleware), so each keeps one id, name, level and message.
/// </summary>
public sealed class HttpCacheLogTests
{
    private const string Key = "api|GET|http://origin.test/items/1";

    private readonly CapturingLoggerProvider _logs = new();
    private readonly HttpCache _cache;

    public HttpCacheLogTests()
    {
        var time = new FakeTimeProvider();
        _cache = new HttpCache("api", new HttpCacheOptions(), new MemoryHttpCacheStore(new MemoryHttpCacheStoreOptions(), time), time, _logs.CreateLogger("EdgeKit.Caching"));
    }

    [Fact]
    public void A_failed_coalesced_request_is_event_1200_at_debug_with_its_exception()
    {
        var failure = new HttpRequestException("refused");

        _cache.LogCoalescedRequestFailed(Key, failure);

        var entry = _logs.Entries.Should().ContainSingle().Subject;
        (entry.EventId.Id, entry.EventId.Name, entry.Level).Should().Be((1200, "CacheCoalescedRequestFailed", LogLevel.Debug));
        entry.Message.Should().Be($"Cache 'api': the request the others waited on for '{Key}' failed; they go to the backend on their own.");
        entry.Exception.Should().BeSameAs(failure);
    }

    [Fact]
    public void A_failed_background_revalidation_is_event_1203_at_warning_with_its_exception()
    {
        var failure = new TimeoutException();

        _cache.LogBackgroundRevalidationFailed(Key, failure);

        var entry = _logs.Entries.Should().ContainSingle().Subject;
        (entry.EventId.Id, entry.EventId.Name, entry.Level).Should().Be((1203, "CacheBackgroundRevalidationFailed", LogLevel.Warning));
        entry.Message.Should().Be($"Cache 'api': revalidating '{Key}' in the background (stale-while-revalidate) failed; the stale entry stays until it expires.");
        entry.Exception.Should().BeSameAs(failure);
    }

    [Fact]
    public void Stale_served_on_an_error_is_event_1204_at_information_naming_the_status_or_the_exceptions_type()
    {
        _cache.LogServedStaleOnError(Key, 503);
        _cache.LogServedStaleOnError(Key, new HttpRequestException("reset"));

        _logs.Entries.Select(e => (e.EventId.Id, e.EventId.Name, e.Level, e.Message, e.Exception)).Should().Equal(
            (1204, "CacheServedStaleOnError", LogLevel.Information, $"Cache 'api': the backend failed (503) for '{Key}'; a stale response was served (stale-if-error).", null),
            (1204, "CacheServedStaleOnError", LogLevel.Information, $"Cache 'api': the backend failed (HttpRequestException) for '{Key}'; a stale response was served (stale-if-error).", null));
    }
}
