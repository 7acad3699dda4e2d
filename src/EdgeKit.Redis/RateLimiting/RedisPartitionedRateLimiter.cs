using System.Threading.RateLimiting;
using EdgeKit.Configuration;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace EdgeKit.Redis.RateLimiting;

/// <summary>
/// A token bucket per key, kept in Redis: every resource is mapped to a key by a selector (a client's API key, user,
/// IP, route...), and every instance using the same Redis and policy shares each key's limit. Nothing per key is kept
/// in this process except the bounded over-limit cache, so any number of keys costs no local memory; idle keys expire
/// in Redis once their bucket is full again.
/// </summary>
/// <remarks>
/// Decisions behave as <see cref="RedisRateLimiter"/>'s (one atomic round trip, Redis's clock, the same lease metadata,
/// the same synchronous path). Plugs into ASP.NET Core's rate-limiting middleware as a <see cref="PartitionedRateLimiter{TResource}"/>
/// of <c>HttpContext</c>.
/// </remarks>
/// <typeparam name="TResource">The resource limited, for example <c>HttpContext</c>.</typeparam>
public sealed class RedisPartitionedRateLimiter<TResource> : PartitionedRateLimiter<TResource>
{
    private readonly RedisTokenBucket _bucket;
    private readonly Func<TResource, string> _keySelector;
    private int _disposed;

    /// <summary>Creates a partitioned limiter.</summary>
    /// <param name="connection">The Redis connection; owned by the caller.</param>
    /// <param name="keySelector">Maps a resource to its key; must return a non-empty string.</param>
    /// <param name="options">The limit of every key and its behaviour; validated and copied.</param>
    /// <param name="timeProvider">The clock for timeouts, breaks and the over-limit cache; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <param name="logger">Where to log; nothing is logged when <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="EdgeKitConfigurationException">The options are invalid; every problem is listed.</exception>
    public RedisPartitionedRateLimiter(IConnectionMultiplexer connection, Func<TResource, string> keySelector, RedisRateLimiterOptions options, TimeProvider? timeProvider = null, ILogger? logger = null)
        : this(new RedisTokenBucket(new RedisConnection(connection), options, timeProvider, logger), keySelector)
    {
    }

    internal RedisPartitionedRateLimiter(RedisTokenBucket bucket, Func<TResource, string> keySelector)
    {
        ArgumentNullException.ThrowIfNull(keySelector);
        _bucket = bucket;
        _keySelector = keySelector;
    }

    /// <summary>The Redis key that holds a resource's bucket: <c>{KeyPrefix}{PolicyName}:{{key}}</c>.</summary>
    /// <param name="resource">The resource.</param>
    /// <returns>The Redis key.</returns>
    /// <exception cref="InvalidOperationException">The key selector returned <see langword="null"/> or an empty string.</exception>
    public string GetRedisKey(TResource resource) => _bucket.RedisKeyOf(KeyOf(resource));

    /// <summary>Counts of this instance's leases over every key (the state of a key lives in Redis).</summary>
    /// <param name="resource">Ignored: the counts cover every key.</param>
    /// <returns>The statistics.</returns>
    public override RateLimiterStatistics? GetStatistics(TResource resource)
    {
        ThrowIfDisposed();
        return _bucket.GetStatistics();
    }

    /// <inheritdoc/>
    protected override RateLimitLease AttemptAcquireCore(TResource resource, int permitCount)
    {
        ThrowIfDisposed();
        return _bucket.AttemptAcquire(KeyOf(resource), permitCount);
    }

    /// <inheritdoc/>
    protected override ValueTask<RateLimitLease> AcquireAsyncCore(TResource resource, int permitCount, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        return _bucket.AcquireAsync(KeyOf(resource), permitCount, cancellationToken);
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        Interlocked.Exchange(ref _disposed, 1);
        base.Dispose(disposing);
    }

    private string KeyOf(TResource resource)
    {
        string key = _keySelector(resource);
        if (string.IsNullOrEmpty(key))
        {
            throw new InvalidOperationException(
                $"Redis rate limiter policy '{_bucket.Options.PolicyName}': the key selector returned {(key is null ? "null" : "an empty string")}; every resource needs a non-empty key.");
        }

        return key;
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
}
