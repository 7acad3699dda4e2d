using System.Text.Json;
using EdgeKit.AspNetCore.Http;
using EdgeKit.Caching;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Primitives;

namespace EdgeKit.AspNetCore.Caching;

/// <summary>
/// Caches the responses of endpoints that carry <see cref="EdgeKitCachePolicyMetadata"/>, whatever produces them
/// (a gateway route, a minimal API, a controller): the RFC 9111 engine of the HttpClient handler, adapted to
/// <see cref="HttpContext"/>. Runs after routing, so the endpoint and its metadata are known.
/// </summary>
internal sealed class HttpCachingMiddleware(RequestDelegate next, HttpCacheRegistry registry, IServiceScopeFactory scopes)
{
    /// <summary>Marks a request whose caching is already being handled.</summary>
    internal static readonly object HandledKey = new();

    public async Task InvokeAsync(HttpContext context)
    {
        var endpoint = context.GetEndpoint();
        var metadata = endpoint?.Metadata.GetMetadata<EdgeKitCachePolicyMetadata>();
        if (metadata is null || context.Items.ContainsKey(HandledKey))
        {
            await next(context);
            return;
        }

        // Gateway routes with a cache policy cache by themselves; when the app also runs this middleware, the
        // first one to see the request does the caching and the other passes it on.
        context.Items[HandledKey] = true;

        HttpCache cache;
        try
        {
            cache = registry.Get(metadata.PolicyName);
        }
        catch (KeyNotFoundException e)
        {
            await WriteProblemAsync(context, StatusCodes.Status500InternalServerError, "Unknown cache policy", e.Message);
            return;
        }

        var request = new HttpContextCacheRequest(context.Request);
        var cancellationToken = context.RequestAborted;
        var lookup = await cache.LookupAsync(request, cancellationToken);
        switch (lookup.Action)
        {
            case CacheAction.Bypass:
                context.Response.OnStarting(static state =>
                {
                    var (ctx, c) = ((HttpContext, HttpCache))state;
                    AddStatus(ctx, c.ForwardStatus(CacheForwardReason.Method, ctx.Response.StatusCode, stored: false));
                    return Task.CompletedTask;
                }, (context, cache));
                await next(context);
                await cache.InvalidateAsync(request, context.Response.StatusCode, Header(context.Response.Headers, "Location"),
                    Header(context.Response.Headers, "Content-Location"), context.RequestAborted);
                cache.Record(CacheResult.Bypass);
                return;
            case CacheAction.Forward:
                // Several ranges: the backend assembles them; a complete 200 it may send instead is stored as usual.
                cache.Record((await ForwardAsync(context, next, cache, request, lookup.Key!, lookup)).Result);
                return;
            case CacheAction.Serve:
                cache.Record(CacheResult.Hit);
                await WriteEntryAsync(context, cache, request, lookup.Entry!, lookup.Age, cache.HitStatus(lookup.FreshnessLeft));
                return;
            case CacheAction.ServeStale:
                cache.Record(CacheResult.Stale);
                await WriteEntryAsync(context, cache, request, lookup.Entry!, lookup.Age, cache.HitStatus(lookup.FreshnessLeft));
                return;
            case CacheAction.ServeStaleWhileRevalidate:
                StartBackgroundRevalidation(context, endpoint!, cache, lookup.Key!, lookup);
                cache.Record(CacheResult.Stale);
                await WriteEntryAsync(context, cache, request, lookup.Entry!, lookup.Age, cache.HitStatus(lookup.FreshnessLeft));
                return;
            case CacheAction.Unavailable:
                cache.Record(CacheResult.OnlyIfCached);
                context.Response.StatusCode = StatusCodes.Status504GatewayTimeout;
                AddStatus(context, cache.ForwardStatus(CacheForwardReason.None, null, stored: false, "only-if-cached"));
                return;
        }

        string key = lookup.Key!;
        if (!cache.CoalesceRequests)
        {
            cache.Record((await ForwardAsync(context, next, cache, request, key, lookup)).Result);
            return;
        }

        if (cache.Coalescer.TryLead(key, out var flight))
        {
            bool stored = false;
            try
            {
                var result = await ForwardAsync(context, next, cache, request, key, lookup);
                stored = result.Stored;
                cache.Record(result.Result);
            }
            catch (Exception e) when (flight.Followers > 0 && LogLeaderFailure(cache, key, e))
            {
                throw;
            }
            finally
            {
                flight.Complete(stored);
            }

            return;
        }

        if (await flight.FollowAsync(cancellationToken))
        {
            var again = await cache.LookupAsync(request, cancellationToken);
            if (again.Action == CacheAction.Serve)
            {
                // It found a fresh stored response: a hit, although it arrived while that response was being stored.
                cache.Record(CacheResult.Collapsed);
                await WriteEntryAsync(context, cache, request, again.Entry!, again.Age, cache.HitStatus(again.FreshnessLeft));
                return;
            }

            lookup = again;
        }

        cache.Record((await ForwardAsync(context, next, cache, request, key, lookup)).Result);
    }

    private static bool LogLeaderFailure(HttpCache cache, string key, Exception e)
    {
        cache.LogCoalescedRequestFailed(key, e);
        return false;
    }

    /// <summary>
    /// Runs the endpoint (conditionally when revalidating), stores what may be stored, and answers from the cache
    /// instead when the endpoint's answer is a 304 to the cache's own conditional request or an error that
    /// stale-if-error covers. Returns the metric result and whether a response was stored.
    /// </summary>
    private static async Task<(CacheResult Result, bool Stored)> ForwardAsync(HttpContext context, RequestDelegate next, HttpCache cache, CacheRequest request, string key, CacheLookup lookup)
    {
        var stale = lookup.Entry;
        // Revalidation uses the stored validators (RFC 9111 §4.3.1), in place of the client's own If-None-Match and
        // If-Modified-Since, which are then answered from the freshened entry; preconditions only an origin evaluates
        // are forwarded as they are.
        bool conditional = cache.TryGetValidators(lookup, request, out var etag, out var lastModified);
        var headers = context.Request.Headers;
        var clientIfNoneMatch = headers.IfNoneMatch;
        var clientIfModifiedSince = headers.IfModifiedSince;
        if (conditional)
        {
            headers.Remove("If-None-Match");
            headers.Remove("If-Modified-Since");
            if (etag is not null)
            {
                headers.IfNoneMatch = etag;
            }

            if (lastModified is not null)
            {
                headers.IfModifiedSince = lastModified;
            }
        }

        var requestTime = cache.TimeProvider.GetUtcNow();
        var responseTime = requestTime;
        StoreDecision decision = default;
        var response = context.Response;
        var originalBody = response.Body;

        // What the cache stores is the endpoint's (the backend's) response, not the response this client is sent: the
        // headers middleware outside the endpoint set before it ran (rate-limit headers, CORS, trace context) and what
        // the endpoint marks per-request (the affinity cookie, marked transforms) are left out. Headers added when the
        // response starts (OnStarting callbacks, Cache-Status) come after the capture below.
        var outerHeaders = Snapshot(response.Headers);
        var perRequest = new PerRequestResponseHeaders();
        var previousPerRequest = context.Features.Get<PerRequestResponseHeaders>();
        context.Features.Set(perRequest);
        List<KeyValuePair<string, string[]>> storable = [];
        var capture = new ResponseCaptureStream(originalBody, () =>
        {
            int status = response.StatusCode;
            responseTime = cache.TimeProvider.GetUtcNow();
            storable = StorableHeaders(response.Headers, outerHeaders, perRequest);
            if ((conditional && status == StatusCodes.Status304NotModified) || (lookup.StaleIfErrorAllowed && status >= 500))
            {
                return CaptureMode.Discard;
            }

            decision = cache.DecideStore(request, status, storable, response.ContentLength, requestTime, responseTime);
            AddStatus(context, cache.ForwardStatus(lookup.ForwardReason, status, decision.Storable, decision.Storable ? null : decision.Reason));
            return decision.Storable ? CaptureMode.PassThroughAndBuffer : CaptureMode.PassThrough;
        }, cache.MaximumEntrySize);

        response.Body = capture;
        try
        {
            await next(context);
        }
        catch (Exception e) when (lookup.StaleIfErrorAllowed && !response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            response.Body = originalBody;
            RestoreConditionals(headers, conditional, clientIfNoneMatch, clientIfModifiedSince);
            cache.LogServedStaleOnError(key, e);
            response.Clear();
            await WriteEntryAsync(context, cache, request, stale!, lookup.Age, cache.ForwardStatus(CacheForwardReason.Stale, null, stored: false, "stale-if-error"));
            return (CacheResult.Stale, false);
        }
        finally
        {
            response.Body = originalBody;
            context.Features.Set(previousPerRequest);
            RestoreConditionals(headers, conditional, clientIfNoneMatch, clientIfModifiedSince);
        }

        var mode = capture.Decide();
        int finalStatus = response.StatusCode;
        if (mode == CaptureMode.Discard && finalStatus == StatusCodes.Status304NotModified)
        {
            var freshened = await cache.FreshenAsync(lookup, request, storable, requestTime, responseTime, context.RequestAborted);
            response.Clear();
            await WriteEntryAsync(context, cache, request, freshened.Entry, freshened.Age, cache.ForwardStatus(lookup.ForwardReason, 304, freshened.Stored));
            return (CacheResult.Revalidated, freshened.Stored);
        }

        if (mode == CaptureMode.Discard)
        {
            cache.LogServedStaleOnError(key, finalStatus);
            response.Clear();
            await WriteEntryAsync(context, cache, request, stale!, lookup.Age, cache.ForwardStatus(CacheForwardReason.Stale, finalStatus, stored: false, "stale-if-error"));
            return (CacheResult.Stale, false);
        }

        if (mode == CaptureMode.PassThroughAndBuffer && capture.Body is { } body)
        {
            var entry = new HttpCacheEntry(finalStatus, storable, body, requestTime, responseTime);
            await cache.StoreAsync(key, request, entry, decision, context.RequestAborted);
            return (CacheResult.Miss, true);
        }

        return (CacheResult.Miss, false);
    }

    private void StartBackgroundRevalidation(HttpContext context, Endpoint endpoint, HttpCache cache, string key, CacheLookup lookup)
    {
        if (endpoint.RequestDelegate is null || !cache.Coalescer.TryBeginBackgroundRevalidation(key))
        {
            return;
        }

        // A detached copy of the request, run through the endpoint alone after this request has its stale answer.
        var source = context.Request;
        var method = source.Method;
        var scheme = source.Scheme;
        var host = source.Host;
        var pathBase = source.PathBase;
        var path = source.Path;
        var query = source.QueryString;
        var protocol = source.Protocol;
        var requestHeaders = source.Headers
            .Where(h => !h.Key.StartsWith("If-", StringComparison.OrdinalIgnoreCase))
            .Select(h => new KeyValuePair<string, StringValues>(h.Key, h.Value))
            .ToArray();

        _ = Task.Run(async () =>
        {
            await using var scope = scopes.CreateAsyncScope();
            using var timeout = new CancellationTokenSource(cache.BackgroundRevalidationTimeout, cache.TimeProvider);
            var detached = new DefaultHttpContext { RequestServices = scope.ServiceProvider, RequestAborted = timeout.Token };
            detached.Request.Method = method;
            detached.Request.Scheme = scheme;
            detached.Request.Host = host;
            detached.Request.PathBase = pathBase;
            detached.Request.Path = path;
            detached.Request.QueryString = query;
            detached.Request.Protocol = protocol;
            foreach (var header in requestHeaders)
            {
                detached.Request.Headers[header.Key] = header.Value;
            }

            detached.SetEndpoint(endpoint);
            try
            {
                var revalidate = lookup.ToBackgroundRevalidation();
                await ForwardAsync(detached, endpoint.RequestDelegate, cache, new HttpContextCacheRequest(detached.Request), key, revalidate);
            }
            catch (Exception e)
            {
                cache.LogBackgroundRevalidationFailed(key, e);
            }
            finally
            {
                cache.Coalescer.EndBackgroundRevalidation(key);
            }
        });
    }

    private static async Task WriteEntryAsync(HttpContext context, HttpCache cache, CacheRequest request, HttpCacheEntry entry, TimeSpan age, string? cacheStatus)
    {
        // As it is, or the 304/206/416 the request's own fields ask for.
        entry = cache.Answer(entry, request);
        var response = context.Response;
        response.StatusCode = entry.StatusCode;
        foreach (var header in entry.Headers)
        {
            // Replaced, as the forwarder replaces what middleware set before it: a stored field is the backend's.
            if (!header.Key.Equals("Age", StringComparison.OrdinalIgnoreCase))
            {
                response.Headers[header.Key] = new StringValues(header.Value);
            }
        }

        response.Headers.Age = HttpCache.FormatAge(age);
        AddStatus(context, cacheStatus);
        if (!HttpMethods.IsHead(context.Request.Method) && !entry.Body.IsEmpty)
        {
            await response.Body.WriteAsync(entry.Body, context.RequestAborted);
        }
    }

    private static void AddStatus(HttpContext context, string? value)
    {
        if (value is not null)
        {
            context.Response.Headers.Append("Cache-Status", value);
        }
    }

    private static void RestoreConditionals(IHeaderDictionary headers, bool replaced, StringValues ifNoneMatch, StringValues ifModifiedSince)
    {
        if (replaced)
        {
            headers.IfNoneMatch = ifNoneMatch;
            headers.IfModifiedSince = ifModifiedSince;
        }
    }

    private static KeyValuePair<string, StringValues>[] Snapshot(IHeaderDictionary headers)
    {
        if (headers.Count == 0)
        {
            return [];
        }

        var snapshot = new KeyValuePair<string, StringValues>[headers.Count];
        int i = 0;
        foreach (var header in headers)
        {
            snapshot[i++] = header;
        }

        return snapshot;
    }

    /// <summary>
    /// The response's header fields as the cache stores them: without the fields it never stores, without the values
    /// that were there before the endpoint ran (an endpoint that replaced such a field made it its own), and without the
    /// values the endpoint marked per-request.
    /// </summary>
    private static List<KeyValuePair<string, string[]>> StorableHeaders(IHeaderDictionary headers, KeyValuePair<string, StringValues>[] outer, PerRequestResponseHeaders perRequest)
    {
        var list = new List<KeyValuePair<string, string[]>>(headers.Count);
        foreach (var header in headers)
        {
            if (!HttpCache.IsStoredHeader(header.Key))
            {
                continue;
            }

            var values = header.Value;
            int skip = 0;
            foreach (var before in outer)
            {
                if (before.Key.Equals(header.Key, StringComparison.OrdinalIgnoreCase))
                {
                    while (skip < values.Count && skip < before.Value.Count && string.Equals(values[skip], before.Value[skip], StringComparison.Ordinal))
                    {
                        skip++;
                    }

                    break;
                }
            }

            var kept = new List<string>(values.Count - skip);
            for (int i = skip; i < values.Count; i++)
            {
                if (values[i] is { } value && !perRequest.IsMarked(header.Key, value))
                {
                    kept.Add(value);
                }
            }

            if (kept.Count > 0)
            {
                list.Add(new(header.Key, kept.ToArray()));
            }
        }

        return list;
    }

    private static string? Header(IHeaderDictionary headers, string name) =>
        headers.TryGetValue(name, out var values) && values.Count > 0
            ? values.Count == 1 ? values[0] : string.Join(", ", values.ToArray())
            : null;

    private static async Task WriteProblemAsync(HttpContext context, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/problem+json";
        await using var writer = new Utf8JsonWriter(context.Response.Body);
        writer.WriteStartObject();
        writer.WriteString("type", "https://tools.ietf.org/html/rfc9110#section-15.6.1");
        writer.WriteString("title", title);
        writer.WriteNumber("status", status);
        writer.WriteString("detail", detail);
        writer.WriteString("instance", context.Request.GetEncodedPathAndQuery());
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted);
    }
}
