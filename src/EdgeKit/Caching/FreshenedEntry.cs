namespace EdgeKit.Caching;

/// <summary>
/// A stored response freshened by the backend's <c>304 Not Modified</c> (RFC 9111 §4.3.4), from
/// <see cref="HttpCache.FreshenAsync"/>: what to answer with, its age now, and whether it was stored again.
/// </summary>
public readonly struct FreshenedEntry
{
    internal FreshenedEntry(HttpCacheEntry entry, TimeSpan age, bool stored)
    {
        Entry = entry;
        Age = age;
        Stored = stored;
    }

    /// <summary>The freshened response: the stored one with the 304's header fields, timed by the revalidation.</summary>
    public HttpCacheEntry Entry { get; }

    /// <summary>Its current age (the <c>Age</c> field value, through <see cref="HttpCache.FormatAge"/>).</summary>
    public TimeSpan Age { get; }

    /// <summary>Whether it replaced the stored response (the <c>stored</c> of its <c>Cache-Status</c> member).</summary>
    public bool Stored { get; }
}
