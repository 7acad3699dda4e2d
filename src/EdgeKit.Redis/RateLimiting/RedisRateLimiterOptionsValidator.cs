using System.Globalization;
using Microsoft.Extensions.Options;

namespace EdgeKit.Redis.RateLimiting;

/// <summary>
/// Checks <see cref="RedisRateLimiterOptions"/>, gathering every problem rather than stopping at the first. Used by the
/// limiters' constructors and, for policies registered through DI, when the host starts.
/// </summary>
internal sealed class RedisRateLimiterOptionsValidator : IValidateOptions<RedisRateLimiterOptions>
{
    /// <summary>Largest bucket capacity in script units (µs × permits) that Lua's doubles hold exactly: 2^53.</summary>
    internal const double MaxCapacityUnits = 9_007_199_254_740_992d;

    public ValidateOptionsResult Validate(string? name, RedisRateLimiterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (name == RedisRateLimiterOptions.StoreDefaultsName)
        {
            // Only the settings beside the limit are used from these; the store validates what it builds.
            return ValidateOptionsResult.Skip;
        }

        var errors = new List<string>();
        Validate(options, string.IsNullOrEmpty(name) ? "Redis rate limiter" : $"Redis rate limiter policy '{name}'", errors);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>Adds a message to <paramref name="errors"/> for each problem, each starting with <paramref name="path"/>.</summary>
    public static void Validate(RedisRateLimiterOptions options, string path, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(options.PolicyName))
        {
            errors.Add($"{path}: PolicyName must not be empty.");
        }
        else if (options.PolicyName.AsSpan().IndexOfAny('{', '}') >= 0)
        {
            errors.Add($"{path}: PolicyName must not contain '{{' or '}}' (they would break the Redis Cluster hash tag), was '{options.PolicyName}'.");
        }

        if (options.KeyPrefix is null)
        {
            errors.Add($"{path}: KeyPrefix must not be null.");
        }
        else if (options.KeyPrefix.AsSpan().IndexOfAny('{', '}') >= 0)
        {
            errors.Add($"{path}: KeyPrefix must not contain '{{' or '}}' (they would break the Redis Cluster hash tag), was '{options.KeyPrefix}'.");
        }

        if (options.PermitLimit < 1)
        {
            errors.Add($"{path}: PermitLimit must be at least 1, was {options.PermitLimit}.");
        }

        bool windowValid = options.Window >= TimeSpan.FromMilliseconds(1) && options.Window <= TimeSpan.FromDays(1);
        if (!windowValid)
        {
            errors.Add($"{path}: Window must be between 1 ms and 1 day, was {options.Window}.");
        }

        if (options.Burst < 0)
        {
            errors.Add($"{path}: Burst must be 0 (same as PermitLimit) or more, was {options.Burst}.");
        }
        else if (windowValid && options.PermitLimit >= 1)
        {
            double capacityUnits = (double)EffectiveBurst(options) * WindowMicroseconds(options.Window);
            if (capacityUnits >= MaxCapacityUnits)
            {
                errors.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{path}: Burst ({EffectiveBurst(options)}) × Window in microseconds ({WindowMicroseconds(options.Window)}) must stay below 2^53 so Redis's Lua computes it exactly; lower Burst or Window."));
            }
        }

        if (options.Timeout < TimeSpan.FromMilliseconds(1) || options.Timeout > TimeSpan.FromSeconds(30))
        {
            errors.Add($"{path}: Timeout must be between 1 ms and 30 s, was {options.Timeout}.");
        }

        if (!Enum.IsDefined(options.FailureMode))
        {
            errors.Add($"{path}: FailureMode must be FailOpen or FailClosed, was {(int)options.FailureMode}.");
        }

        if (options.BreakDuration < TimeSpan.Zero || options.BreakDuration > TimeSpan.FromMinutes(5))
        {
            errors.Add($"{path}: BreakDuration must be between 0 and 5 min, was {options.BreakDuration}.");
        }

        if (options.MaxOverLimitCacheEntries < 0)
        {
            errors.Add($"{path}: MaxOverLimitCacheEntries must be 0 (no cache) or more, was {options.MaxOverLimitCacheEntries}.");
        }

        if (options.Database < -1)
        {
            errors.Add($"{path}: Database must be -1 (the connection's default) or a database number, was {options.Database}.");
        }
    }

    internal static int EffectiveBurst(RedisRateLimiterOptions options) => options.Burst == 0 ? options.PermitLimit : options.Burst;

    internal static long WindowMicroseconds(TimeSpan window) => window.Ticks / TimeSpan.TicksPerMicrosecond;
}
