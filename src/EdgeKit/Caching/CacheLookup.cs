namespace EdgeKit.Caching;

/// <summary>
/// The decision of <see cref="HttpCache.LookupAsync"/> for one request: the action, the stored response it concerns,
/// its age and freshness now, and what a forwarded request needs (the key, the reason, whether a stale answer may
/// replace a failure).
/// </summary>
public readonly struct CacheLookup
{
    internal CacheLookup(CacheAction action, HttpCacheEntry? entry, TimeSpan age, TimeSpan freshnessLeft, CacheForwardReason forwardReason,
        bool staleIfErrorAllowed, string? key = null)
    {
        Action = action;
        Entry = entry;
        Age = age;
        FreshnessLeft = freshnessLeft;
        ForwardReason = forwardReason;
        StaleIfErrorAllowed = staleIfErrorAllowed;
        Key = key;
    }

    /// <summary>What to do with the request.</summary>
    public CacheAction Action { get; }

    /// <summary>
    /// The request's primary cache key (cache name, method, target URI): what <see cref="HttpCache.StoreAsync"/> and the
    /// <see cref="HttpCache.Coalescer"/> take. Null only for <see cref="CacheAction.Bypass"/>.
    /// </summary>
    public string? Key { get; }

    /// <summary>The stored response the action concerns; null for a miss, a bypass or a forward.</summary>
    public HttpCacheEntry? Entry { get; }

    /// <summary>The stored response's current age (RFC 9111 §4.2.3); the value of the <c>Age</c> field when it is served.</summary>
    public TimeSpan Age { get; }

    /// <summary>The freshness lifetime left; negative when stale (the <c>ttl</c> of <see cref="HttpCache.HitStatus"/>).</summary>
    public TimeSpan FreshnessLeft { get; }

    /// <summary>Why the request is forwarded (the <c>Cache-Status</c> <c>fwd</c> value); <see cref="CacheForwardReason.None"/> when served.</summary>
    public CacheForwardReason ForwardReason { get; }

    /// <summary>
    /// Whether <see cref="Entry"/> may answer instead when forwarding fails or the backend answers 5xx
    /// (<c>stale-if-error</c>, RFC 5861 §4).
    /// </summary>
    public bool StaleIfErrorAllowed { get; }

    /// <summary>
    /// The lookup the background revalidation of a <see cref="CacheAction.ServeStaleWhileRevalidate"/> lookup forwards
    /// with: the same entry and key, <see cref="CacheAction.Revalidate"/>, and no <c>stale-if-error</c> (its answer
    /// goes to no client).
    /// </summary>
    /// <returns>The revalidation lookup.</returns>
    /// <exception cref="InvalidOperationException">The action is not <see cref="CacheAction.ServeStaleWhileRevalidate"/>.</exception>
    public CacheLookup ToBackgroundRevalidation() =>
        Action == CacheAction.ServeStaleWhileRevalidate
            ? new(CacheAction.Revalidate, Entry, Age, FreshnessLeft, ForwardReason, false, Key)
            : throw new InvalidOperationException(
                $"Only a {nameof(CacheAction.ServeStaleWhileRevalidate)} lookup is revalidated in the background; this one is {Action}.");

    internal CacheLookup WithKey(string key) => new(Action, Entry, Age, FreshnessLeft, ForwardReason, StaleIfErrorAllowed, key);

    internal static CacheLookup Miss(CacheForwardReason reason) => new(CacheAction.Miss, null, TimeSpan.Zero, TimeSpan.Zero, reason, false);
}
