namespace EdgeKit.Caching;

/// <summary>The value of the <c>edgekit.cache.result</c> tag a request is counted with (<see cref="HttpCache.Record"/>).</summary>
public enum CacheResult
{
    /// <summary><c>hit</c>: a fresh stored response answered.</summary>
    Hit,

    /// <summary><c>stale</c>: a stale stored response answered (<c>max-stale</c>, <c>stale-while-revalidate</c>, <c>stale-if-error</c>).</summary>
    Stale,

    /// <summary><c>revalidated</c>: the backend's <c>304</c> freshened the stored response, which answered.</summary>
    Revalidated,

    /// <summary><c>collapsed</c>: the request waited for a concurrent miss and was answered by what it stored.</summary>
    Collapsed,

    /// <summary><c>miss</c>: the backend's answer was passed on (stored or not).</summary>
    Miss,

    /// <summary><c>bypass</c>: a method the cache does not answer.</summary>
    Bypass,

    /// <summary><c>only-if-cached</c>: refused with 504, nothing usable stored.</summary>
    OnlyIfCached,
}
