using Microsoft.Extensions.Caching.Hybrid;

namespace EdgeKit.Caching;

/// <summary>
/// An <see cref="IHttpCacheStore"/> over <see cref="HybridCache"/>: its in-process level answers repeated lookups and
/// its distributed level (when it has one, e.g. Redis) shares entries between instances. Entries are kept as the bytes
/// of <see cref="HttpCacheEntry.Serialize"/> under <see cref="KeyPrefix"/> + the cache key.
/// </summary>
public sealed class HybridHttpCacheStore : IHttpCacheStore
{
    private static readonly HybridCacheEntryOptions s_readOnly = new()
    {
        // A lookup must not create an entry: with both writes disabled a miss returns the factory's null and stores nothing.
        Flags = HybridCacheEntryFlags.DisableLocalCacheWrite | HybridCacheEntryFlags.DisableDistributedCacheWrite,
    };

    private readonly HybridCache _cache;

    /// <summary>Creates a store.</summary>
    /// <param name="cache">The hybrid cache.</param>
    /// <param name="keyPrefix">Prepended to every key (default <see cref="DistributedHttpCacheStore.DefaultKeyPrefix"/>).</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public HybridHttpCacheStore(HybridCache cache, string keyPrefix = DistributedHttpCacheStore.DefaultKeyPrefix)
    {
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(keyPrefix);
        _cache = cache;
        KeyPrefix = keyPrefix;
    }

    /// <summary>Prepended to every key.</summary>
    public string KeyPrefix { get; }

    /// <inheritdoc />
    /// <exception cref="FormatException">The stored value is not a serialised entry.</exception>
    public async ValueTask<HttpCacheEntry?> GetAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        var data = await _cache.GetOrCreateAsync<byte[]?>(KeyPrefix + key, static _ => ValueTask.FromResult<byte[]?>(null), s_readOnly,
            cancellationToken: cancellationToken).ConfigureAwait(false);
        return data is null ? null : HttpCacheEntry.Deserialize(data);
    }

    /// <inheritdoc />
    public async ValueTask SetAsync(string key, HttpCacheEntry entry, TimeSpan timeToLive, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(entry);
        if (timeToLive <= TimeSpan.Zero)
        {
            await RemoveAsync(key, cancellationToken).ConfigureAwait(false);
            return;
        }

        await _cache.SetAsync(KeyPrefix + key, entry.Serialize(),
            new HybridCacheEntryOptions { Expiration = timeToLive, LocalCacheExpiration = timeToLive }, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask RemoveAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        await _cache.RemoveAsync(KeyPrefix + key, cancellationToken).ConfigureAwait(false);
    }
}
