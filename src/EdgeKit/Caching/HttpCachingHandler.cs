using System.Net;
using System.Runtime.InteropServices;
using EdgeKit.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeKit.Caching;

/// <summary>
/// An RFC 9111 HTTP cache for an <see cref="HttpClient"/>: answers GET and HEAD requests from stored responses while
/// they are fresh, revalidates them with conditional requests, coalesces concurrent misses, serves stale responses where
/// <c>stale-while-revalidate</c>/<c>stale-if-error</c> allow, invalidates after unsafe methods and adds a
/// <c>Cache-Status</c> header (RFC 9211) to every response.
/// </summary>
/// <remarks>
/// Put it outermost (add it before balancing and resilience) so a hit never reaches them and keys use the logical URI.
/// </remarks>
public sealed class HttpCachingHandler : DelegatingHandler
{
    private readonly HttpCache _cache;

    /// <summary>Creates a handler with its own in-memory store (64 MiB), the system clock and no logging.</summary>
    /// <param name="options">The cache's options; copied.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">The options are invalid (the message lists every problem).</exception>
    public HttpCachingHandler(HttpCacheOptions options)
        : this("default", options, new MemoryHttpCacheStore(), TimeProvider.System)
    {
    }

    /// <summary>Creates a handler.</summary>
    /// <param name="name">The cache's name: the start of its keys and its <c>edgekit.cache.policy</c> metric tag.</param>
    /// <param name="options">The cache's options; copied.</param>
    /// <param name="store">Where entries are kept; may be shared with other caches (keys start with the name).</param>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="loggerFactory">For the cache's log events (ids 1200-1249); none when null.</param>
    /// <exception cref="ArgumentNullException">An argument other than <paramref name="loggerFactory"/> is null.</exception>
    /// <exception cref="ArgumentException">The options are invalid (the message lists every problem).</exception>
    public HttpCachingHandler(string name, HttpCacheOptions options, IHttpCacheStore store, TimeProvider timeProvider, ILoggerFactory? loggerFactory = null)
        : this(new HttpCache(name, options, store, timeProvider,
            (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("EdgeKit.Caching.HttpCachingHandler")))
    {
    }

    internal HttpCachingHandler(HttpCache cache) => _cache = cache;

    internal HttpCache Cache => _cache;

    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var cacheRequest = new HttpRequestMessageCacheRequest(request);
        var lookup = await _cache.LookupAsync(cacheRequest, cancellationToken).ConfigureAwait(false);
        switch (lookup.Action)
        {
            case CacheAction.Bypass:
                var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
                await _cache.InvalidateAsync(cacheRequest, (int)response.StatusCode, Header(response, "Location"), Header(response, "Content-Location"), cancellationToken).ConfigureAwait(false);
                _cache.Record(CacheResult.Bypass);
                AddStatus(response, _cache.ForwardStatus(CacheForwardReason.Method, (int)response.StatusCode, stored: false));
                return response;
            case CacheAction.Forward:
                return await ForwardAndRecordAsync(request, cacheRequest, lookup.Key!, lookup, cancellationToken).ConfigureAwait(false);
            case CacheAction.Serve:
                _cache.Record(CacheResult.Hit);
                return ToResponse(lookup.Entry!, request, cacheRequest, lookup.Age, _cache.HitStatus(lookup.FreshnessLeft));
            case CacheAction.ServeStale:
                _cache.Record(CacheResult.Stale);
                return ToResponse(lookup.Entry!, request, cacheRequest, lookup.Age, _cache.HitStatus(lookup.FreshnessLeft));
            case CacheAction.ServeStaleWhileRevalidate:
                StartBackgroundRevalidation(request, lookup);
                _cache.Record(CacheResult.Stale);
                return ToResponse(lookup.Entry!, request, cacheRequest, lookup.Age, _cache.HitStatus(lookup.FreshnessLeft));
            case CacheAction.Unavailable:
                // RFC 9111 §5.2.1.7: nothing usable is stored, and the client forbids going to the backend.
                _cache.Record(CacheResult.OnlyIfCached);
                var gatewayTimeout = new HttpResponseMessage(HttpStatusCode.GatewayTimeout) { RequestMessage = request, Content = new ByteArrayContent([]) };
                AddStatus(gatewayTimeout, _cache.ForwardStatus(CacheForwardReason.None, null, stored: false, "only-if-cached"));
                return gatewayTimeout;
        }

        string key = lookup.Key!;
        if (!_cache.CoalesceRequests)
        {
            return await ForwardAndRecordAsync(request, cacheRequest, key, lookup, cancellationToken).ConfigureAwait(false);
        }

        if (_cache.Coalescer.TryLead(key, out var flight))
        {
            bool stored = false;
            try
            {
                var result = await ForwardAsync(request, cacheRequest, key, lookup, cancellationToken).ConfigureAwait(false);
                stored = result.Stored;
                _cache.Record(result.Result);
                return result.Response;
            }
            catch (Exception e) when (flight.Followers > 0 && Log(e, key))
            {
                throw;
            }
            finally
            {
                flight.Complete(stored);
            }
        }

        if (await flight.FollowAsync(cancellationToken).ConfigureAwait(false))
        {
            var again = await _cache.LookupAsync(cacheRequest, cancellationToken).ConfigureAwait(false);
            if (again.Action == CacheAction.Serve)
            {
                // It found a fresh stored response: a hit, although it arrived while that response was being stored.
                _cache.Record(CacheResult.Collapsed);
                return ToResponse(again.Entry!, request, cacheRequest, again.Age, _cache.HitStatus(again.FreshnessLeft));
            }

            lookup = again;
        }

        // The leader stored nothing this request may use (not storable, a different variant, or the leader failed): go on our own.
        return await ForwardAndRecordAsync(request, cacheRequest, key, lookup, cancellationToken).ConfigureAwait(false);
    }

    private bool Log(Exception e, string key)
    {
        _cache.LogCoalescedRequestFailed(key, e);
        return false;
    }

    private async Task<HttpResponseMessage> ForwardAndRecordAsync(HttpRequestMessage request, CacheRequest cacheRequest, string key, CacheLookup lookup, CancellationToken cancellationToken)
    {
        var result = await ForwardAsync(request, cacheRequest, key, lookup, cancellationToken).ConfigureAwait(false);
        _cache.Record(result.Result);
        return result.Response;
    }

    private async Task<ForwardResult> ForwardAsync(HttpRequestMessage request, CacheRequest cacheRequest, string key, CacheLookup lookup, CancellationToken cancellationToken)
    {
        var stale = lookup.Entry;
        // Revalidation uses the stored validators (RFC 9111 §4.3.1), in place of the client's own If-None-Match and
        // If-Modified-Since, which are then answered from the freshened entry; preconditions only an origin evaluates
        // are forwarded as they are.
        bool conditional = _cache.TryGetValidators(lookup, cacheRequest, out var etag, out var lastModified);
        ClientValidators saved = default;
        if (conditional)
        {
            saved = new(Take(request, "If-None-Match"), Take(request, "If-Modified-Since"));
            if (etag is not null)
            {
                request.Headers.TryAddWithoutValidation("If-None-Match", etag);
            }

            if (lastModified is not null)
            {
                request.Headers.TryAddWithoutValidation("If-Modified-Since", lastModified);
            }
        }

        var requestTime = _cache.TimeProvider.GetUtcNow();
        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (lookup.StaleIfErrorAllowed && !cancellationToken.IsCancellationRequested && e is HttpRequestException or OperationCanceledException)
        {
            RestoreConditionals(request, conditional, saved);
            _cache.LogServedStaleOnError(key, e);
            return new(ToResponse(stale!, request, cacheRequest, lookup.Age, _cache.ForwardStatus(CacheForwardReason.Stale, null, stored: false, "stale-if-error")), false, CacheResult.Stale);
        }

        RestoreConditionals(request, conditional, saved);
        var responseTime = _cache.TimeProvider.GetUtcNow();
        int status = (int)response.StatusCode;

        if (conditional && status == 304)
        {
            var freshened = await _cache.FreshenAsync(lookup, cacheRequest, HeadersOf(response), requestTime, responseTime, cancellationToken).ConfigureAwait(false);
            response.Dispose();
            return new(ToResponse(freshened.Entry, request, cacheRequest, freshened.Age, _cache.ForwardStatus(lookup.ForwardReason, 304, freshened.Stored)),
                freshened.Stored, CacheResult.Revalidated);
        }

        if (lookup.StaleIfErrorAllowed && status >= 500)
        {
            _cache.LogServedStaleOnError(key, status);
            response.Dispose();
            return new(ToResponse(stale!, request, cacheRequest, lookup.Age, _cache.ForwardStatus(CacheForwardReason.Stale, status, stored: false, "stale-if-error")), false, CacheResult.Stale);
        }

        var headers = HeadersOf(response);
        var decision = _cache.DecideStore(cacheRequest, status, headers, response.Content.Headers.ContentLength, requestTime, responseTime);
        byte[]? body = null;
        if (decision.Storable)
        {
            body = await BufferAsync(response, cancellationToken).ConfigureAwait(false);
            decision = body is null ? StoreDecision.No("too-large") : decision;
        }

        if (!decision.Storable)
        {
            AddStatus(response, _cache.ForwardStatus(lookup.ForwardReason, status, stored: false, decision.Reason));
            return new(response, false, CacheResult.Miss);
        }

        var entry = new HttpCacheEntry(status, headers, body, requestTime, responseTime);
        await _cache.StoreAsync(key, cacheRequest, entry, decision, cancellationToken).ConfigureAwait(false);
        AddStatus(response, _cache.ForwardStatus(lookup.ForwardReason, status, stored: true));
        return new(response, true, CacheResult.Miss);
    }

    /// <summary>
    /// Reads the body into an array when it fits <see cref="HttpCacheOptions.MaximumEntrySize"/> and replaces the content
    /// with one over that array; otherwise returns null and leaves the response readable from its start.
    /// </summary>
    private async Task<byte[]?> BufferAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var content = response.Content;
        long max = _cache.MaximumEntrySize;
        if (content.Headers.ContentLength is { } length && length > max)
        {
            return null;
        }

        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var buffer = new MemoryStream(content.Headers.ContentLength is { } known ? (int)known : 4096);
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > max)
            {
                // Too large to store: pass on what was read followed by the rest, unbuffered.
                response.Content = CopyHeaders(content, new StreamContent(new PrefixedStream(buffer.ToArray(), stream)));
                return null;
            }
        }

        byte[] body = buffer.ToArray();
        response.Content = CopyHeaders(content, new ByteArrayContent(body));
        content.Dispose();
        return body;
    }

    private static HttpContent CopyHeaders(HttpContent from, HttpContent to)
    {
        foreach (var header in from.Headers.NonValidated)
        {
            to.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        return to;
    }

    private void StartBackgroundRevalidation(HttpRequestMessage original, CacheLookup lookup)
    {
        string key = lookup.Key!;
        if (!_cache.Coalescer.TryBeginBackgroundRevalidation(key))
        {
            return;
        }

        var copy = new HttpRequestMessage(original.Method, original.RequestUri) { Version = original.Version, VersionPolicy = original.VersionPolicy };
        foreach (var header in original.Headers.NonValidated)
        {
            if (!header.Key.StartsWith("If-", StringComparison.OrdinalIgnoreCase))
            {
                copy.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        _ = Task.Run(async () =>
        {
            using var timeout = new CancellationTokenSource(_cache.BackgroundRevalidationTimeout, _cache.TimeProvider);
            try
            {
                var revalidate = lookup.ToBackgroundRevalidation();
                var result = await ForwardAsync(copy, new HttpRequestMessageCacheRequest(copy), key, revalidate, timeout.Token).ConfigureAwait(false);
                result.Response.Dispose();
            }
            catch (Exception e)
            {
                _cache.LogBackgroundRevalidationFailed(key, e);
            }
            finally
            {
                copy.Dispose();
                _cache.Coalescer.EndBackgroundRevalidation(key);
            }
        });
    }

    private static string[]? Take(HttpRequestMessage request, string name)
    {
        if (!request.Headers.NonValidated.TryGetValues(name, out var values))
        {
            return null;
        }

        string[] taken = [.. values];
        request.Headers.Remove(name);
        return taken;
    }

    private static void RestoreConditionals(HttpRequestMessage request, bool replaced, ClientValidators saved)
    {
        if (!replaced)
        {
            return;
        }

        request.Headers.Remove("If-None-Match");
        request.Headers.Remove("If-Modified-Since");
        if (saved.IfNoneMatch is { } ifNoneMatch)
        {
            request.Headers.TryAddWithoutValidation("If-None-Match", ifNoneMatch);
        }

        if (saved.IfModifiedSince is { } ifModifiedSince)
        {
            request.Headers.TryAddWithoutValidation("If-Modified-Since", ifModifiedSince);
        }
    }

    /// <summary>Answers from a stored entry: as it is, or a 304/206/416 the request's own fields ask for.</summary>
    private HttpResponseMessage ToResponse(HttpCacheEntry entry, HttpRequestMessage request, CacheRequest cacheRequest, TimeSpan age, string? cacheStatus) =>
        CreateResponse(_cache.Answer(entry, cacheRequest), request, age, cacheStatus);

    internal static HttpResponseMessage CreateResponse(HttpCacheEntry entry, HttpRequestMessage request, TimeSpan age, string? cacheStatus)
    {
        var content = MemoryMarshal.TryGetArray(entry.Body, out var segment)
            ? new ByteArrayContent(segment.Array!, segment.Offset, segment.Count)
            : new ByteArrayContent(entry.Body.ToArray());
        var response = new HttpResponseMessage((HttpStatusCode)entry.StatusCode) { RequestMessage = request, Content = content };
        foreach (var header in entry.Headers)
        {
            if (header.Key.Equals("Age", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (!response.Headers.TryAddWithoutValidation(header.Key, header.Value))
            {
                content.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        response.Headers.TryAddWithoutValidation("Age", HttpCache.FormatAge(age));
        if (cacheStatus is not null)
        {
            response.Headers.TryAddWithoutValidation("Cache-Status", cacheStatus);
        }

        return response;
    }

    private static void AddStatus(HttpResponseMessage response, string? value)
    {
        if (value is not null)
        {
            response.Headers.TryAddWithoutValidation("Cache-Status", value);
        }
    }

    private static List<KeyValuePair<string, string[]>> HeadersOf(HttpResponseMessage response)
    {
        var headers = new List<KeyValuePair<string, string[]>>();
        foreach (var header in response.Headers.NonValidated)
        {
            if (CacheSemantics.IsStoredHeader(header.Key))
            {
                headers.Add(new(header.Key, [.. header.Value]));
            }
        }

        foreach (var header in response.Content.Headers.NonValidated)
        {
            if (CacheSemantics.IsStoredHeader(header.Key))
            {
                headers.Add(new(header.Key, [.. header.Value]));
            }
        }

        return headers;
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        HttpRequestMessageCacheRequest.Join(response.Headers, name) ?? HttpRequestMessageCacheRequest.Join(response.Content.Headers, name);

    private readonly record struct ClientValidators(string[]? IfNoneMatch, string[]? IfModifiedSince);

    private readonly record struct ForwardResult(HttpResponseMessage Response, bool Stored, CacheResult Result);
}
