namespace EdgeKit.Caching;

/// <summary>
/// Where an EdgeKit HTTP cache keeps its entries. EdgeKit decides what to store and for how long; a store only keeps
/// entries by key until their time to live ends (or it evicts them earlier). Built in: <see cref="MemoryHttpCacheStore"/>
/// (the default, bounded in bytes), <see cref="DistributedHttpCacheStore"/> and <see cref="HybridHttpCacheStore"/>
/// (entries shared by several instances, e.g. through Redis).
/// </summary>
/// <remarks>
/// A store may throw; the cache then logs the failure and carries on as if the entry were absent (a lookup) or not
/// stored (a write), so an unavailable store never fails a request.
/// </remarks>
public interface IHttpCacheStore
{
    /// <summary>Gets the entry stored under <paramref name="key"/>, or null when there is none (or it expired).</summary>
    /// <param name="key">The entry's key.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns>The entry or null.</returns>
    ValueTask<HttpCacheEntry?> GetAsync(string key, CancellationToken cancellationToken);

    /// <summary>Stores <paramref name="entry"/> under <paramref name="key"/>, replacing any entry there.</summary>
    /// <param name="key">The entry's key.</param>
    /// <param name="entry">The entry.</param>
    /// <param name="timeToLive">How long to keep it at most (positive).</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task completing when the entry is stored.</returns>
    ValueTask SetAsync(string key, HttpCacheEntry entry, TimeSpan timeToLive, CancellationToken cancellationToken);

    /// <summary>Removes the entry stored under <paramref name="key"/>, if any.</summary>
    /// <param name="key">The entry's key.</param>
    /// <param name="cancellationToken">Cancels the removal.</param>
    /// <returns>A task completing when the entry is removed.</returns>
    ValueTask RemoveAsync(string key, CancellationToken cancellationToken);
}
