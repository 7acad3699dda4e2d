namespace EdgeKit.Caching;

/// <summary>What a host does with a request, given what the cache holds for it (<see cref="CacheLookup.Action"/>).</summary>
public enum CacheAction
{
    /// <summary>
    /// Nothing usable is stored: forward the request (after waiting for a concurrent miss of the same key where the
    /// cache coalesces, see <see cref="HttpCache.CoalesceRequests"/>) and store the answer where
    /// <see cref="HttpCache.DecideStore"/> allows.
    /// </summary>
    Miss,

    /// <summary>Fresh: answer from the cache (<see cref="CacheLookup.Entry"/>, through <see cref="HttpCache.Answer"/>).</summary>
    Serve,

    /// <summary>Stale, but the request accepts it (<c>max-stale</c>): answer from the cache.</summary>
    ServeStale,

    /// <summary>
    /// Stale within <c>stale-while-revalidate</c> (RFC 5861): answer from the cache, and revalidate in the background
    /// with <see cref="CacheLookup.ToBackgroundRevalidation"/>.
    /// </summary>
    ServeStaleWhileRevalidate,

    /// <summary>
    /// Stored but not usable as it is: forward, conditionally when <see cref="HttpCache.TryGetValidators"/> gives
    /// validators; on a <c>304</c> answer with <see cref="HttpCache.FreshenAsync"/>, otherwise use the answer.
    /// </summary>
    Revalidate,

    /// <summary>
    /// The method is not one the cache answers (anything but GET and HEAD): forward the request as it is, store nothing,
    /// and afterwards call <see cref="HttpCache.InvalidateAsync"/> (a successful unsafe method invalidates, RFC 9111 §4.4).
    /// </summary>
    Bypass,

    /// <summary>
    /// The request asks for several ranges, which the cache does not assemble: forward it on its own (no coalescing,
    /// no <c>only-if-cached</c>); a complete response the backend sends instead is stored as usual.
    /// </summary>
    Forward,

    /// <summary>
    /// Nothing usable is stored and the request forbids going to the backend (<c>only-if-cached</c>, RFC 9111
    /// §5.2.1.7): answer <c>504 Gateway Timeout</c>.
    /// </summary>
    Unavailable,
}
