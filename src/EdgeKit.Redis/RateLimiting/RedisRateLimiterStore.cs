using System.Threading.RateLimiting;
using EdgeKit.Configuration;
using EdgeKit.RateLimiting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EdgeKit.Redis.RateLimiting;

/// <summary>
/// The <c>redis</c> rate-limiter store: a gateway policy with <c>"Store": "redis"</c> is enforced by a Redis token
/// bucket shared by every instance. The policy's limit gives the permits and window; timeout, failure mode, break
/// duration, key prefix and database from the <see cref="RedisRateLimiterOptions"/> named
/// <see cref="RedisRateLimiterOptions.StoreDefaultsName"/>.
/// </summary>
internal sealed class RedisRateLimiterStore(RedisConnection connection, IOptionsMonitor<RedisRateLimiterOptions> defaults, ILoggerFactory? loggerFactory = null) : IRateLimiterStore
{
    public string Name => RateLimiterStoreNames.Redis;

    public PartitionedRateLimiter<string> CreateLimiter(RateLimiterStoreSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Limits.Count != 1)
        {
            throw new EdgeKitConfigurationException(
                [$"Rate-limit policy '{settings.PolicyName}': the redis store enforces one limit per policy, and this one has {settings.Limits.Count}; split it into several policies or use the local store."]);
        }

        var limit = settings.Limits[0];
        var template = defaults.Get(RedisRateLimiterOptions.StoreDefaultsName);
        var options = new RedisRateLimiterOptions
        {
            PolicyName = settings.PolicyName,
            PermitLimit = limit.PermitLimit,
            Window = limit.Window,
            KeyPrefix = template.KeyPrefix,
            Timeout = template.Timeout,
            FailureMode = template.FailureMode,
            BreakDuration = template.BreakDuration,
            MaxOverLimitCacheEntries = template.MaxOverLimitCacheEntries,
            Database = template.Database,
        };
        var errors = new List<string>();
        RedisRateLimiterOptionsValidator.Validate(options, $"Rate-limit policy '{settings.PolicyName}' (redis store)", errors);
        if (errors.Count > 0)
        {
            throw new EdgeKitConfigurationException(errors);
        }

        var logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("EdgeKit.Redis.RateLimiting");
        return new RedisPartitionedRateLimiter<string>(new RedisTokenBucket(connection, options, settings.TimeProvider, logger), static key => key);
    }
}
