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
}
