using System.Globalization;
using EdgeKit.Configuration;
using EdgeKit.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeKit.Caching;

/// <summary>
/// One named HTTP cache: the RFC 9111 decisions over an <see cref="IHttpCacheStore"/>, with request coalescing, the
/// <c>edgekit.cache.requests</c> metric and <c>Cache-Status</c> values. Transport-neutral: a host (EdgeKit's HttpClient
/// handler, its ASP.NET middleware, or yours) adapts its request to a <see cref="CacheRequest"/>, asks
/// <see cref="LookupAsync"/> what to do, and answers, forwards and stores accordingly.
/// </summary>
/// <remarks>
/// <para>
/// A host's round trip: <see cref="LookupAsync"/>; on <see cref="CacheAction.Serve"/> (and the other serving actions)
/// write <see cref="Answer"/> of <see cref="CacheLookup.Entry"/> with <c>Age</c> <see cref="FormatAge"/> of
/// <see cref="CacheLookup.Age"/>; on a miss or revalidation forward (conditionally with <see cref="TryGetValidators"/>),
/// then <see cref="FreshenAsync"/> on a <c>304</c>, or <see cref="DecideStore"/> and <see cref="StoreAsync"/> the answer.
/// </para>
/// <para>Thread-safe; one instance serves every request of its policy. An application's named caches come from
/// <see cref="HttpCacheRegistry"/>.</para>
/// </remarks>
public sealed class HttpCache
{
    /// <summary>Creates a cache.</summary>
    /// <param name="name">The cache's name: the start of its keys and its <c>edgekit.cache.policy</c> metric tag.</param>
    /// <param name="options">The cache's options; copied.</param>
    /// <param name="store">Where entries are kept; may be shared with other caches (keys start with the name).</param>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="loggerFactory">For the cache's log events (category <c>EdgeKit.Caching</c>, ids 1200-1249); none when null.</param>
    /// <exception cref="ArgumentNullException">An argument other than <paramref name="loggerFactory"/> is null.</exception>
    /// <exception cref="ArgumentException">The options are invalid (the message lists every problem).</exception>
    public HttpCache(string name, HttpCacheOptions options, IHttpCacheStore store, TimeProvider timeProvider, ILoggerFactory? loggerFactory = null)
        : this(name, options, store, timeProvider, (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("EdgeKit.Caching"))
    {
    }

    internal HttpCache(string name, HttpCacheOptions options, IHttpCacheStore store, TimeProvider timeProvider, ILogger logger)
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

    /// <summary>The cache's name (its policy's name for a cache of <see cref="HttpCacheRegistry"/>).</summary>
    public string Name { get; }

    /// <summary>The clock of the cache's ages and freshness; a host times its exchanges by it too.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>Where the cache writes its log events (ids 1200-1249); a host logs the events of its own part there.</summary>
    public ILogger Logger { get; }

    /// <summary>Makes concurrent misses of one key share one backend call, and background revalidations one per key.</summary>
    public RequestCoalescer Coalescer { get; } = new();

    /// <summary>
    /// Whether concurrent misses of one key wait for one backend call (<see cref="HttpCacheOptions.CoalesceRequests"/>):
    /// when true, a host forwards a <see cref="CacheAction.Miss"/> or <see cref="CacheAction.Revalidate"/> through
    /// <see cref="Coalescer"/>.
    /// </summary>
    public bool CoalesceRequests => Options.CoalesceRequests;

    /// <summary>The largest body stored, in bytes (<see cref="HttpCacheOptions.MaximumEntrySize"/>): a host stops buffering past it.</summary>
    public long MaximumEntrySize => Options.MaximumEntrySize;

    /// <summary>How long a background revalidation may take (<see cref="HttpCacheOptions.BackgroundRevalidationTimeout"/>).</summary>
    public TimeSpan BackgroundRevalidationTimeout => Options.BackgroundRevalidationTimeout;

    internal HttpCacheOptions Options { get; }

    internal IHttpCacheStore Store { get; }

    /// <summary>The primary cache key (RFC 9111 §2): cache name, method and target URI.</summary>
    internal string PrimaryKey(CacheRequest request) => PrimaryKey(request.Method, request.AbsoluteUri);

    private string PrimaryKey(string method, string absoluteUri) => string.Concat(Name, "|", method, "|", absoluteUri);

    /// <summary>
    /// Decides what to do with a request: finds what is stored for it (following a variant index for a response that
    /// varies) and decides by RFC 9111 §4 (and RFC 5861) whether it may answer now, stale, or after revalidation.
    /// A store that fails to read counts as a miss (logged as event 1201).
    /// </summary>
    /// <param name="request">The request.</param>
    /// <param name="cancellationToken">Cancels the store read.</param>
    /// <returns>The decision; it allocates nothing beyond the key when the store answers synchronously.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> is null.</exception>
    public async ValueTask<CacheLookup> LookupAsync(CacheRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!CacheSemantics.IsCacheableMethod(request.Method))
        {
            return new CacheLookup(CacheAction.Bypass, null, TimeSpan.Zero, TimeSpan.Zero, CacheForwardReason.Method, false);
        }

        string key = PrimaryKey(request);
        if (CacheSemantics.HasMultipleRanges(request))
        {
            // Several ranges: the backend assembles them; a complete 200 it may send instead is stored as usual.
            return new CacheLookup(CacheAction.Forward, null, TimeSpan.Zero, TimeSpan.Zero, CacheForwardReason.Request, false, key);
        }

        var lookup = await FindAsync(key, request, cancellationToken).ConfigureAwait(false);
        if (lookup.Action is CacheAction.Miss or CacheAction.Revalidate && request.CacheControl.OnlyIfCached)
        {
            // RFC 9111 §5.2.1.7: nothing usable is stored, and the client forbids going to the backend.
            return new CacheLookup(CacheAction.Unavailable, lookup.Entry, lookup.Age, lookup.FreshnessLeft, CacheForwardReason.None, false, key);
        }

        return lookup.WithKey(key);
    }

    private async ValueTask<CacheLookup> FindAsync(string primaryKey, CacheRequest request, CancellationToken cancellationToken)
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

    /// <summary>
    /// The validators a revalidation sends in place of the client's own <c>If-None-Match</c> and
    /// <c>If-Modified-Since</c> (RFC 9111 §4.3.1): the stored response's <c>ETag</c> and <c>Last-Modified</c>. A host
    /// removes the client's two fields, sends these, and restores the client's afterwards (a <c>304</c> is then
    /// answered with <see cref="FreshenAsync"/>, which answers the client's own conditions).
    /// </summary>
    /// <param name="lookup">The lookup being forwarded.</param>
    /// <param name="request">The request being forwarded.</param>
    /// <param name="entityTag">The <c>If-None-Match</c> value to send, or null.</param>
    /// <param name="lastModified">The <c>If-Modified-Since</c> value to send, or null.</param>
    /// <returns>
    /// True when the request goes conditionally: the action is <see cref="CacheAction.Revalidate"/>, the stored
    /// response has a validator, and the request has no precondition only the origin evaluates (<c>If-Match</c>,
    /// <c>If-Unmodified-Since</c>, RFC 9111 §4.3.2), which is then forwarded as it is.
    /// </returns>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> is null.</exception>
    public bool TryGetValidators(in CacheLookup lookup, CacheRequest request, out string? entityTag, out string? lastModified)
    {
        ArgumentNullException.ThrowIfNull(request);
        entityTag = null;
        lastModified = null;
        if (lookup.Action != CacheAction.Revalidate || lookup.Entry is not { } stored)
        {
            return false;
        }

        var analysis = CacheSemantics.AnalysisOf(stored, Options);
        if (!analysis.HasValidator || request.HasOriginPreconditions)
        {
            return false;
        }

        entityTag = analysis.ETag;
        lastModified = analysis.LastModified;
        return true;
    }

    /// <summary>Decides whether and for how long the backend's response to <paramref name="request"/> may be stored (RFC 9111 §3).</summary>
    /// <param name="request">The request that was forwarded.</param>
    /// <param name="statusCode">The response's status code.</param>
    /// <param name="headers">The response's header fields as the cache would store them (see <see cref="IsStoredHeader"/>).</param>
    /// <param name="contentLength">The response's <c>Content-Length</c>, when known.</param>
    /// <param name="requestTime">When the request was sent (by <see cref="TimeProvider"/>).</param>
    /// <param name="responseTime">When the response's header fields arrived.</param>
    /// <returns>The decision; when it is not <see cref="StoreDecision.Storable"/>, its reason.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> or <paramref name="headers"/> is null.</exception>
    public StoreDecision DecideStore(CacheRequest request, int statusCode, IReadOnlyList<KeyValuePair<string, string[]>> headers, long? contentLength,
        DateTimeOffset requestTime, DateTimeOffset responseTime)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(headers);
        return CacheSemantics.DecideStore(request, ResponseFacts.From(statusCode, headers, contentLength, Options), Options, requestTime, responseTime);
    }

    /// <summary>
    /// Stores a response (and, when it varies, the variant index under the primary key). A store failure is logged
    /// (event 1202), never thrown: the response is served but not stored.
    /// </summary>
    /// <param name="key">The request's <see cref="CacheLookup.Key"/>.</param>
    /// <param name="request">The request that was forwarded (its <c>Vary</c> fields select the variant).</param>
    /// <param name="entry">The response with its whole body, timed by the exchange.</param>
    /// <param name="decision">The <see cref="StoreDecision.Storable"/> decision of <see cref="DecideStore"/> for it.</param>
    /// <param name="cancellationToken">Cancels the store write.</param>
    /// <returns>A task that completes when the entry is stored.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/>, <paramref name="request"/> or <paramref name="entry"/> is null.</exception>
    /// <exception cref="ArgumentException">The decision does not allow storing.</exception>
    public async ValueTask StoreAsync(string key, CacheRequest request, HttpCacheEntry entry, StoreDecision decision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(entry);
        if (!decision.Storable)
        {
            throw new ArgumentException(
                $"Only a response the cache decided to store can be stored; this decision is not storable ({decision.Reason ?? "not made by DecideStore"}).",
                nameof(decision));
        }

        try
        {
            entry.Analysis = decision.Analysis;
            if (decision.VaryFields.Length == 0)
            {
                await Store.SetAsync(key, entry, decision.TimeToLive, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await Store.SetAsync(CacheSemantics.VariantKey(key, decision.VaryFields, request), entry, decision.TimeToLive, cancellationToken).ConfigureAwait(false);
                await Store.SetAsync(key, HttpCacheEntry.CreateVariantIndex(decision.VaryFields, entry.ResponseTime), decision.TimeToLive, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            EdgeKitLog.CacheStoreWriteFailed(Logger, Name, key, e);
        }
    }

    /// <summary>
    /// Answers a revalidation the backend answered <c>304 Not Modified</c> (RFC 9111 §4.3.4): the stored response
    /// freshened by the 304's header fields and timed by this exchange, stored again when it may be.
    /// </summary>
    /// <param name="lookup">The <see cref="CacheAction.Revalidate"/> lookup that was forwarded conditionally.</param>
    /// <param name="request">The request that was forwarded.</param>
    /// <param name="notModifiedHeaders">The 304's header fields.</param>
    /// <param name="requestTime">When the conditional request was sent.</param>
    /// <param name="responseTime">When the 304 arrived.</param>
    /// <param name="cancellationToken">Cancels the store write.</param>
    /// <returns>The freshened entry (answer with it through <see cref="Answer"/>), its age now, and whether it was stored.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> or <paramref name="notModifiedHeaders"/> is null.</exception>
    /// <exception cref="ArgumentException">The lookup has no stored entry or no key.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="responseTime"/> precedes <paramref name="requestTime"/>.</exception>
    public async ValueTask<FreshenedEntry> FreshenAsync(CacheLookup lookup, CacheRequest request, IReadOnlyList<KeyValuePair<string, string[]>> notModifiedHeaders,
        DateTimeOffset requestTime, DateTimeOffset responseTime, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(notModifiedHeaders);
        if (lookup.Entry is not { } stored || lookup.Key is not { } key)
        {
            throw new ArgumentException($"A 304 freshens the stored response of a lookup; this {lookup.Action} lookup has none.", nameof(lookup));
        }

        var freshened = CacheSemantics.Freshen(stored, notModifiedHeaders, requestTime, responseTime);
        var decision = CacheSemantics.DecideStore(request, ResponseFacts.From(freshened, Options), Options, requestTime, responseTime);
        if (decision.Storable)
        {
            await StoreAsync(key, request, freshened, decision, cancellationToken).ConfigureAwait(false);
        }

        var age = CacheSemantics.CurrentAge(freshened, CacheSemantics.AnalysisOf(freshened, Options), TimeProvider.GetUtcNow());
        return new FreshenedEntry(freshened, age, decision.Storable);
    }

    /// <summary>
    /// The response a usable stored entry gives <paramref name="request"/> now: the entry as it is, or the <c>304</c>
    /// the request's own <c>If-None-Match</c>/<c>If-Modified-Since</c> ask for (RFC 9111 §4.3.2), or the
    /// <c>206</c>/<c>416</c> for its one byte range (RFC 9110 §14).
    /// </summary>
    /// <param name="entry">The stored entry (<see cref="CacheLookup.Entry"/> or <see cref="FreshenedEntry.Entry"/>).</param>
    /// <param name="request">The request to answer.</param>
    /// <returns>The entry to write: status, header fields (write <c>Age</c> yourself) and body.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public HttpCacheEntry Answer(HttpCacheEntry entry, CacheRequest request)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(request);
        return CacheSemantics.Answer(entry, request, TimeProvider.GetUtcNow());
    }

    /// <summary>
    /// RFC 9111 §4.4: after a non-error response (2xx, 3xx) to an unsafe method, removes what is stored for the target
    /// URI and for the <c>Location</c> and <c>Content-Location</c> URIs of the same origin; does nothing otherwise. A
    /// store failure is logged (event 1202), never thrown.
    /// </summary>
    /// <param name="request">The request that was forwarded (a <see cref="CacheAction.Bypass"/>).</param>
    /// <param name="statusCode">The response's status code.</param>
    /// <param name="location">The response's <c>Location</c>, or null.</param>
    /// <param name="contentLocation">The response's <c>Content-Location</c>, or null.</param>
    /// <param name="cancellationToken">Cancels the store removals.</param>
    /// <returns>A task that completes when the entries are removed.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> is null.</exception>
    public ValueTask InvalidateAsync(CacheRequest request, int statusCode, string? location, string? contentLocation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return CacheSemantics.IsSafeMethod(request.Method) || statusCode is < 200 or >= 400
            ? ValueTask.CompletedTask
            : InvalidateUriAsync(new Uri(request.AbsoluteUri), location, contentLocation, cancellationToken);
    }

    private async ValueTask InvalidateUriAsync(Uri target, string? location, string? contentLocation, CancellationToken cancellationToken)
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

    /// <summary>Counts a request in <c>edgekit.cache.requests</c>, tagged with the cache's name and <paramref name="result"/>.</summary>
    /// <param name="result">How the request was answered.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="result"/> is not a defined value.</exception>
    public void Record(CacheResult result) => EdgeKitMetrics.RecordCacheRequest(Name, result switch
    {
        CacheResult.Hit => "hit",
        CacheResult.Stale => "stale",
        CacheResult.Revalidated => "revalidated",
        CacheResult.Collapsed => "collapsed",
        CacheResult.Miss => "miss",
        CacheResult.Bypass => "bypass",
        CacheResult.OnlyIfCached => "only-if-cached",
        _ => throw new ArgumentOutOfRangeException(nameof(result), result, "Not a cache result."),
    });

    /// <summary>
    /// The RFC 9211 <c>Cache-Status</c> member for a response served from the cache: <c>&lt;name&gt;; hit; ttl=N</c>
    /// (negative when stale).
    /// </summary>
    /// <param name="freshnessLeft">The served entry's <see cref="CacheLookup.FreshnessLeft"/>.</param>
    /// <returns>The member, or null when the policy adds no <c>Cache-Status</c> (<see cref="HttpCacheOptions.AddCacheStatusHeader"/>).</returns>
    public string? HitStatus(TimeSpan freshnessLeft) =>
        Options.AddCacheStatusHeader ? string.Create(CultureInfo.InvariantCulture, $"{Options.CacheStatusName}; hit; ttl={Seconds(freshnessLeft)}") : null;

    /// <summary>
    /// The RFC 9211 <c>Cache-Status</c> member for a forwarded request: <c>&lt;name&gt;; fwd=R</c>, with
    /// <c>fwd-status</c>, <c>stored</c> and <c>detail</c> where given.
    /// </summary>
    /// <param name="reason">Why it was forwarded (<see cref="CacheLookup.ForwardReason"/>).</param>
    /// <param name="forwardStatus">The backend's status code, when it answered.</param>
    /// <param name="stored">Whether the answer was stored.</param>
    /// <param name="detail">A detail (a <see cref="StoreDecision.Reason"/>, <c>stale-if-error</c>, <c>only-if-cached</c>), or null.</param>
    /// <returns>The member, or null when the policy adds no <c>Cache-Status</c> (<see cref="HttpCacheOptions.AddCacheStatusHeader"/>).</returns>
    public string? ForwardStatus(CacheForwardReason reason, int? forwardStatus, bool stored, string? detail = null)
    {
        if (!Options.AddCacheStatusHeader)
        {
            return null;
        }

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
    internal static long Seconds(TimeSpan value) => (long)Math.Floor(value.TotalSeconds);

    /// <summary>The <c>Age</c> field value of a served entry (RFC 9111 §5.1): whole seconds, never negative.</summary>
    /// <param name="age">The entry's age (<see cref="CacheLookup.Age"/>, <see cref="FreshenedEntry.Age"/>).</param>
    /// <returns>The field value.</returns>
    public static string FormatAge(TimeSpan age) => Math.Max(0, Seconds(age)).ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Whether a response header field is stored with a response: all but the hop-by-hop fields, the proxy
    /// authentication fields and <c>Cache-Status</c> (RFC 9111 §3.1). A host stores and passes to
    /// <see cref="DecideStore"/> and <see cref="FreshenAsync"/> only these.
    /// </summary>
    /// <param name="name">The field name, compared case-insensitively.</param>
    /// <returns>True when the field is stored.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is null.</exception>
    public static bool IsStoredHeader(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return CacheSemantics.IsStoredHeader(name);
    }
}
