using System.Globalization;
using EdgeKit.Configuration;
using EdgeKit.Telemetry;
using Microsoft.Extensions.Logging;

namespace EdgeKit.Caching;

/// <summary>
/// One named HTTP cache: the RFC 9111 decisions (<see cref="CacheSemantics"/>) over a store, with request coalescing,
/// metrics and <c>Cache-Status</c> values. Transport-neutral: the HttpClient handler and the ASP.NET middleware each
/// adapt their request and response to it.
/// </summary>
internal sealed class HttpCache
{
    public HttpCache(string name, HttpCacheOptions options, IHttpCacheStore store, TimeProvider timeProvider, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        HttpCacheOptionsValidator.ThrowIfInvalid(options, nameof(options));
        Name = name;
        Options = options.Clone();
        Store = store;
        TimeProvider = timeProvider;
        Logger = logger;
    }

    public string Name { get; }

    public HttpCacheOptions Options { get; }

    public IHttpCacheStore Store { get; }

    public TimeProvider TimeProvider { get; }

    public ILogger Logger { get; }

    public RequestCoalescer Coalescer { get; } = new();

    /// <summary>The primary cache key (RFC 9111 §2): cache name, method and target URI.</summary>
    public string PrimaryKey(CacheRequest request) => PrimaryKey(request.Method, request.AbsoluteUri);

    private string PrimaryKey(string method, string absoluteUri) => string.Concat(Name, "|", method, "|", absoluteUri);

    /// <summary>Finds the stored response for the request (following a variant index) and decides how it may be used.</summary>
    public async ValueTask<CacheLookup> LookupAsync(string primaryKey, CacheRequest request, CancellationToken cancellationToken)
    {
        var entry = await GetAsync(primaryKey, cancellationToken).ConfigureAwait(false);
        if (entry is null)
        {
            return CacheLookup.Miss(CacheForwardReason.UriMiss);
        }

        if (entry.IsVariantIndex)
        {
            entry = await GetAsync(CacheSemantics.VariantKey(primaryKey, entry.VaryFields, request), cancellationToken).ConfigureAwait(false);
            if (entry is null || entry.IsVariantIndex)
            {
                return CacheLookup.Miss(CacheForwardReason.VaryMiss);
            }
        }

        return CacheSemantics.Evaluate(entry, request, Options, TimeProvider.GetUtcNow());
    }

    /// <summary>Whether and for how long a response may be stored.</summary>
    public StoreDecision DecideStore(CacheRequest request, in ResponseFacts response, DateTimeOffset requestTime, DateTimeOffset responseTime) =>
        CacheSemantics.DecideStore(request, response, Options, requestTime, responseTime);

    /// <summary>Stores a response (and, when it varies, the variant index under the primary key). Never throws for a store failure.</summary>
    public async ValueTask StoreAsync(string primaryKey, CacheRequest request, HttpCacheEntry entry, StoreDecision decision, CancellationToken cancellationToken)
    {
        try
        {
            entry.Analysis = decision.Analysis;
            if (decision.VaryFields.Length == 0)
            {
                await Store.SetAsync(primaryKey, entry, decision.TimeToLive, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await Store.SetAsync(CacheSemantics.VariantKey(primaryKey, decision.VaryFields, request), entry, decision.TimeToLive, cancellationToken).ConfigureAwait(false);
                await Store.SetAsync(primaryKey, HttpCacheEntry.CreateVariantIndex(decision.VaryFields, entry.ResponseTime), decision.TimeToLive, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            EdgeKitLog.CacheStoreWriteFailed(Logger, Name, primaryKey, e);
        }
    }

    /// <summary>
    /// RFC 9111 §4.4: after a non-error response to an unsafe method, removes what is stored for the target URI and for
    /// the Location and Content-Location URIs of the same origin. Never throws for a store failure.
    /// </summary>
    public async ValueTask InvalidateAsync(Uri target, string? location, string? contentLocation, CancellationToken cancellationToken)
    {
        await RemoveAsync(target, cancellationToken).ConfigureAwait(false);
        foreach (var related in new[] { location, contentLocation })
        {
            if (related is not null && Uri.TryCreate(target, related, out var uri)
                && string.Equals(uri.GetLeftPart(UriPartial.Authority), target.GetLeftPart(UriPartial.Authority), StringComparison.OrdinalIgnoreCase))
            {
                await RemoveAsync(uri, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async ValueTask RemoveAsync(Uri uri, CancellationToken cancellationToken)
    {
        foreach (var method in new[] { "GET", "HEAD" })
        {
            string key = PrimaryKey(method, uri.AbsoluteUri);
            try
            {
                await Store.RemoveAsync(key, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                EdgeKitLog.CacheStoreWriteFailed(Logger, Name, key, e);
            }
        }
    }

    private async ValueTask<HttpCacheEntry?> GetAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            return await Store.GetAsync(key, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            EdgeKitLog.CacheStoreReadFailed(Logger, Name, key, e);
            return null;
        }
    }

    /// <summary>Counts a request in <c>edgekit.cache.requests</c>.</summary>
    public void Record(string result) => EdgeKitMetrics.RecordCacheRequest(Name, result);

    /// <summary>
    /// Logs that the request the others waited on for <paramref name="key"/> failed, so they go to the backend on their
    /// own (event 1200, <c>CacheCoalescedRequestFailed</c>, Debug).
    /// </summary>
    public void LogCoalescedRequestFailed(string key, Exception exception) => EdgeKitLog.CacheCoalescedRequestFailed(Logger, Name, key, exception);

    /// <summary>
    /// Logs that revalidating <paramref name="key"/> in the background (stale-while-revalidate) failed (event 1203,
    /// <c>CacheBackgroundRevalidationFailed</c>, Warning).
    /// </summary>
    public void LogBackgroundRevalidationFailed(string key, Exception exception) => EdgeKitLog.CacheBackgroundRevalidationFailed(Logger, Name, key, exception);

    /// <summary>
    /// Logs that the backend failed with <paramref name="exception"/> for <paramref name="key"/> and a stale response was
    /// served instead (stale-if-error; event 1204, <c>CacheServedStaleOnError</c>, Information, naming the exception's type).
    /// </summary>
    public void LogServedStaleOnError(string key, Exception exception) => EdgeKitLog.CacheServedStaleOnError(Logger, Name, key, exception.GetType().Name);

    /// <summary>
    /// Logs that the backend answered <paramref name="status"/> for <paramref name="key"/> and a stale response was served
    /// instead (stale-if-error; event 1204, <c>CacheServedStaleOnError</c>, Information).
    /// </summary>
    public void LogServedStaleOnError(string key, int status) =>
        EdgeKitLog.CacheServedStaleOnError(Logger, Name, key, status.ToString(CultureInfo.InvariantCulture));

    /// <summary>RFC 9211 member for a response served from the cache: <c>hit; ttl=N</c> (negative when stale).</summary>
    public string HitStatus(TimeSpan freshnessLeft) =>
        string.Create(CultureInfo.InvariantCulture, $"{Options.CacheStatusName}; hit; ttl={Seconds(freshnessLeft)}");

    /// <summary>RFC 9211 member for a forwarded request.</summary>
    public string ForwardStatus(CacheForwardReason reason, int? forwardStatus, bool stored, string? detail = null)
    {
        var text = new System.Text.StringBuilder(Options.CacheStatusName).Append("; fwd=").Append(reason switch
        {
            CacheForwardReason.VaryMiss => "vary-miss",
            CacheForwardReason.Stale => "stale",
            CacheForwardReason.Request => "request",
            CacheForwardReason.Method => "method",
            _ => "miss",
        });
        if (forwardStatus is { } status)
        {
            text.Append("; fwd-status=").Append(status.ToString(CultureInfo.InvariantCulture));
        }

        if (stored)
        {
            text.Append("; stored");
        }

        if (detail is not null)
        {
            text.Append("; detail=").Append(detail);
        }

        return text.ToString();
    }

    /// <summary>Whole seconds, rounded toward negative infinity for stale and down for fresh (RFC 9211 ttl).</summary>
    public static long Seconds(TimeSpan value) => (long)Math.Floor(value.TotalSeconds);

    /// <summary>The Age header value (RFC 9111 §5.1): whole seconds, never negative.</summary>
    public static string AgeValue(TimeSpan age) => Math.Max(0, Seconds(age)).ToString(CultureInfo.InvariantCulture);
}
