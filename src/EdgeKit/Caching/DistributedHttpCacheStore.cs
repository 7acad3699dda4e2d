using Microsoft.Extensions.Caching.Distributed;

namespace EdgeKit.Caching;

/// <summary>
/// An <see cref="IHttpCacheStore"/> over any <see cref="IDistributedCache"/> (Redis, SQL Server, ...), so several
/// gateway instances or clients share entries. Entries are serialised with <see cref="HttpCacheEntry.Serialize"/>
/// (status, header fields, body and the exchange's times) under <see cref="KeyPrefix"/> + the cache key.
/// </summary>
public sealed class DistributedHttpCacheStore : IHttpCacheStore
{
    /// <summary>The default prefix of every key: <c>edgekit:http:</c>.</summary>
    public const string DefaultKeyPrefix = "edgekit:http:";

    private readonly IDistributedCache _cache;

    /// <summary>Creates a store.</summary>
    /// <param name="cache">The distributed cache.</param>
    /// <param name="keyPrefix">Prepended to every key (default <see cref="DefaultKeyPrefix"/>).</param>
    /// <exception cref="ArgumentNullException"><paramref name="cache"/> is null.</exception>
    public DistributedHttpCacheStore(IDistributedCache cache, string keyPrefix = DefaultKeyPrefix)
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
        var data = await _cache.GetAsync(KeyPrefix + key, cancellationToken).ConfigureAwait(false);
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
            new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = timeToLive }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask RemoveAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        await _cache.RemoveAsync(KeyPrefix + key, cancellationToken).ConfigureAwait(false);
    }
}
