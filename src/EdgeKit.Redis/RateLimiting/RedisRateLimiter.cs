using System.Threading.RateLimiting;
using EdgeKit.Configuration;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace EdgeKit.Redis.RateLimiting;

/// <summary>
/// A token bucket for one key, kept in Redis so every instance using the same Redis, policy and key shares one limit.
/// Each decision is one atomic round trip (a Lua script called by its SHA) that uses Redis's clock, never this machine's.
/// </summary>
/// <remarks>
/// <para>
/// Every decided lease, accepted or rejected, carries <see cref="MetadataName.RetryAfter"/> (rejected: the exact wait
/// before the requested permits are available; accepted: the wait before one more is, zero when one is) and
/// <see cref="EdgeKit.RateLimiting.RateLimitMetadataNames.Quota"/>.
/// </para>
/// <para>
/// <see cref="RateLimiter.AttemptAcquire(int)"/> never blocks on Redis: it answers a rejection when the key is in the
/// over-limit cache, the failure mode when Redis is known to be unavailable, and otherwise a not-acquired lease whose
/// only metadata is a <see cref="MetadataName.ReasonPhrase"/> saying no decision was made. ASP.NET Core's rate-limiting
/// middleware then calls <see cref="RateLimiter.AcquireAsync(int, CancellationToken)"/>, which decides in Redis.
/// </para>
/// <para>No queueing: a rejection is immediate. Disposing the limiter does not dispose the connection.</para>
/// </remarks>
public sealed class RedisRateLimiter : RateLimiter
{
    private readonly RedisTokenBucket _bucket;
    private int _disposed;

    /// <summary>Creates a limiter for one key.</summary>
    /// <param name="connection">The Redis connection; owned by the caller.</param>
    /// <param name="key">The key limited (for example a client's id); part of the Redis key, as a hash tag.</param>
    /// <param name="options">The limit and its behaviour; validated and copied (later changes have no effect).</param>
    /// <param name="timeProvider">The clock for timeouts, breaks and the over-limit cache; <see cref="TimeProvider.System"/> when <see langword="null"/>. Redis's clock decides the limit.</param>
    /// <param name="logger">Where to log; nothing is logged when <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="key"/> is empty.</exception>
    /// <exception cref="EdgeKitConfigurationException">The options are invalid; every problem is listed.</exception>
    public RedisRateLimiter(IConnectionMultiplexer connection, string key, RedisRateLimiterOptions options, TimeProvider? timeProvider = null, ILogger? logger = null)
        : this(new RedisTokenBucket(new RedisConnection(connection), options, timeProvider, logger), key)
    {
    }

    internal RedisRateLimiter(RedisTokenBucket bucket, string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        _bucket = bucket;
        Key = key;
    }

    /// <summary>The key limited.</summary>
    public string Key { get; }

    /// <summary>The Redis key holding the bucket: <c>{KeyPrefix}{PolicyName}:{{Key}}</c>.</summary>
    public string RedisKey => _bucket.RedisKeyOf(Key);

    /// <summary>Time since the last acquire: the state lives in Redis, so the limiter is always idle between calls.</summary>
    public override TimeSpan? IdleDuration => _bucket.IdleDuration;

    /// <summary>
    /// Counts of this instance's leases; <see cref="RateLimiterStatistics.CurrentAvailablePermits"/> is the remaining
    /// count Redis returned last (other instances may have taken permits since).
    /// </summary>
    /// <returns>The statistics.</returns>
    public override RateLimiterStatistics? GetStatistics()
    {
        ThrowIfDisposed();
        return _bucket.GetStatistics();
    }

    /// <inheritdoc/>
    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        ThrowIfDisposed();
        return _bucket.AttemptAcquire(Key, permitCount);
    }

    /// <inheritdoc/>
    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        return _bucket.AcquireAsync(Key, permitCount, cancellationToken);
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        Interlocked.Exchange(ref _disposed, 1);
        base.Dispose(disposing);
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
}
