namespace EdgeKit.Configuration;

/// <summary>Bounds of a <see cref="EdgeKit.Caching.MemoryHttpCacheStore"/>.</summary>
public sealed class MemoryHttpCacheStoreOptions
{
    /// <summary>
    /// The most memory the entries may hold together, in bytes, by <see cref="EdgeKit.Caching.HttpCacheEntry.Size"/> (default 64 MiB).
    /// Storing past it evicts expired entries first, then the least recently used. Must be positive.
    /// </summary>
    public long SizeLimit { get; set; } = 64L * 1024 * 1024;
}
