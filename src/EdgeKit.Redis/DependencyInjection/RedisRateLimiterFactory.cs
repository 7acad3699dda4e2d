using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using EdgeKit.Redis.RateLimiting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EdgeKit.Redis.DependencyInjection;

/// <summary>
/// Creates Redis rate limiters for the policies registered with <c>AddRedisRateLimitPolicy</c>, over the connection
/// registered with <c>AddRedisRateLimiting</c>. A singleton: limiters of one policy share its over-limit cache and its
/// short circuit, so a Redis outage is noticed once per policy, not once per limiter.
/// </summary>
public sealed class RedisRateLimiterFactory
{
    private readonly RedisConnection _connection;
    private readonly IOptionsMonitor<RedisRateLimiterOptions> _options;
    private readonly RedisRateLimitPolicies _policies;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, RedisTokenBucket> _buckets = new(StringComparer.Ordinal);

    internal RedisRateLimiterFactory(RedisConnection connection, IOptionsMonitor<RedisRateLimiterOptions> options, IOptions<RedisRateLimitPolicies> policies, TimeProvider timeProvider, ILoggerFactory? loggerFactory)
    {
        _connection = connection;
        _options = options;
        _policies = policies.Value;
        _timeProvider = timeProvider;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("EdgeKit.Redis.RateLimiting");
    }

    /// <summary>The names of the registered policies.</summary>
    public IReadOnlyCollection<string> PolicyNames => _policies.Names;

    /// <summary>Creates a limiter of one key under a registered policy.</summary>
    /// <param name="policyName">A policy registered with <c>AddRedisRateLimitPolicy</c>.</param>
    /// <param name="key">The key limited.</param>
    /// <returns>The limiter; disposing it leaves the connection open.</returns>
    /// <exception cref="ArgumentException"><paramref name="key"/> is empty.</exception>
    /// <exception cref="InvalidOperationException">No policy of that name is registered.</exception>
    /// <exception cref="OptionsValidationException">The policy's options are invalid.</exception>
    public RateLimiter CreateLimiter(string policyName, string key) => new RedisRateLimiter(BucketOf(policyName), key);

    /// <summary>Creates a limiter with a key per resource under a registered policy.</summary>
    /// <typeparam name="TResource">The resource limited, for example <c>HttpContext</c>.</typeparam>
    /// <param name="policyName">A policy registered with <c>AddRedisRateLimitPolicy</c>.</param>
    /// <param name="keySelector">Maps a resource to its key (not empty).</param>
    /// <returns>The limiter; disposing it leaves the connection open.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="keySelector"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">No policy of that name is registered.</exception>
    /// <exception cref="OptionsValidationException">The policy's options are invalid.</exception>
    public PartitionedRateLimiter<TResource> CreatePartitionedLimiter<TResource>(string policyName, Func<TResource, string> keySelector) =>
        new RedisPartitionedRateLimiter<TResource>(BucketOf(policyName), keySelector);

    private RedisTokenBucket BucketOf(string policyName)
    {
        ArgumentException.ThrowIfNullOrEmpty(policyName);
        if (!_policies.Names.Contains(policyName))
        {
            throw new InvalidOperationException(
                $"Redis rate limit policy '{policyName}' is not registered. Call AddRedisRateLimitPolicy(\"{policyName}\", ...) on the EdgeKit builder; registered: {(_policies.Names.Count == 0 ? "none" : string.Join(", ", _policies.Names.Order(StringComparer.Ordinal)))}.");
        }

        return _buckets.GetOrAdd(policyName, static (name, self) => new RedisTokenBucket(self._connection, self._options.Get(name), self._timeProvider, self._logger), this);
    }
}
