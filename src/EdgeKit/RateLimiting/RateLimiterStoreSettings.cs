using EdgeKit.Configuration;

namespace EdgeKit.RateLimiting;

/// <summary>What an <see cref="IRateLimiterStore"/> needs to create a policy's limiter.</summary>
public sealed class RateLimiterStoreSettings
{
    /// <summary>Creates the settings.</summary>
    /// <param name="policyName">The policy's name.</param>
    /// <param name="limits">The policy's limits, checked together.</param>
    /// <param name="timeProvider">The clock.</param>
    public RateLimiterStoreSettings(string policyName, IReadOnlyList<TokenBucketLimit> limits, TimeProvider timeProvider)
    {
        ArgumentException.ThrowIfNullOrEmpty(policyName);
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(timeProvider);
        PolicyName = policyName;
        Limits = limits;
        TimeProvider = timeProvider;
    }

    /// <summary>The policy's name.</summary>
    public string PolicyName { get; }

    /// <summary>The policy's limits, checked together.</summary>
    public IReadOnlyList<TokenBucketLimit> Limits { get; }

    /// <summary>The clock.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>Permits a request may wait for per key (stores that cannot queue ignore it). Default 0.</summary>
    public int QueueLimit { get; init; }

    /// <summary>The most keys tracked in memory at once (local store). Default 100,000.</summary>
    public int MaxPartitions { get; init; } = EdgeKitPartitionedRateLimiterOptions<string, string>.DefaultMaxPartitions;

    /// <summary>What happens to new keys beyond <see cref="MaxPartitions"/> (local store). Default <see cref="PartitionOverflowBehavior.SharedPartition"/>.</summary>
    public PartitionOverflowBehavior OverflowBehavior { get; init; } = PartitionOverflowBehavior.SharedPartition;

    /// <summary>
    /// The name limit <paramref name="index"/> of <see cref="Limits"/> is advertised under in the gateway's
    /// <c>RateLimit-Policy</c> header: the limit's own <see cref="TokenBucketLimit.Name"/>, else the policy's name when it
    /// has one limit, else <c>"{policy}-{window in whole seconds}s"</c> (<c>"api-1s"</c>, <c>"api-3600s"</c>). A store's
    /// <see cref="RateLimitQuota.Policy"/> should be the name of the limit it reports on, so that the <c>RateLimit</c>
    /// header names an item of <c>RateLimit-Policy</c>.
    /// </summary>
    /// <param name="index">The limit's index in <see cref="Limits"/>.</param>
    /// <returns>The advertised name.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is negative or not below the number of limits.</exception>
    /// <exception cref="InvalidOperationException">The limit at <paramref name="index"/> is <see langword="null"/>.</exception>
    public string GetAdvertisedName(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Limits.Count);
        var limit = Limits[index] ?? throw new InvalidOperationException($"Rate-limit policy '{PolicyName}': limit {index} is null.");
        return TokenBucketRules.AdvertisedName(PolicyName, limit, Limits.Count);
    }
}
