using System.Threading.RateLimiting;

namespace EdgeKit.RateLimiting;

/// <summary>The in-process store: an <see cref="EdgeKitPartitionedRateLimiter{TResource, TPartitionKey}"/> per policy.</summary>
internal sealed class LocalRateLimiterStore : IRateLimiterStore
{
    public string Name => RateLimiterStoreNames.Local;

    public PartitionedRateLimiter<string> CreateLimiter(RateLimiterStoreSettings settings) =>
        new EdgeKitPartitionedRateLimiter<string, string>(new EdgeKitPartitionedRateLimiterOptions<string, string>
        {
            PartitionKeySelector = static key => key,
            KeyComparer = StringComparer.Ordinal,
            Limits = [.. settings.Limits],
            QueueLimit = settings.QueueLimit,
            MaxPartitions = settings.MaxPartitions,
            OverflowBehavior = settings.OverflowBehavior,
            PolicyName = settings.PolicyName,
        }, settings.TimeProvider);
}
