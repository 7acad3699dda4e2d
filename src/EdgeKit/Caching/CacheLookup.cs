namespace EdgeKit.Caching;

/// <summary>What to do with a request, given what the cache holds for it.</summary>
internal enum CacheAction
{
    /// <summary>Nothing stored: forward.</summary>
    Miss,

    /// <summary>Fresh: answer from the cache.</summary>
    Serve,

    /// <summary>Stale but the request accepts it (<c>max-stale</c>): answer from the cache.</summary>
    ServeStale,

    /// <summary>Stale within <c>stale-while-revalidate</c>: answer from the cache and revalidate in the background.</summary>
    ServeStaleWhileRevalidate,

    /// <summary>Forward (conditionally when the entry has a validator) and use the answer, or the entry on 304.</summary>
    Revalidate,
}

/// <summary>Why a request went to the backend: RFC 9211 <c>fwd</c> values.</summary>
internal enum CacheForwardReason
{
    None,
    UriMiss,
    VaryMiss,
    Stale,
    Request,
    Method,
}

/// <summary>The outcome of looking a request up: the action, the entry it concerns, and its age and freshness now.</summary>
internal readonly record struct CacheLookup(
    CacheAction Action,
    HttpCacheEntry? Entry,
    TimeSpan Age,
    TimeSpan FreshnessLeft,
    CacheForwardReason ForwardReason,
    bool StaleIfErrorAllowed)
{
    public static CacheLookup Miss(CacheForwardReason reason) => new(CacheAction.Miss, null, TimeSpan.Zero, TimeSpan.Zero, reason, false);
}
