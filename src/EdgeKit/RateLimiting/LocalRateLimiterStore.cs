using System.Threading.RateLimiting;

namespace EdgeKit.RateLimiting;

/// <summary>
/// The in-process <see cref="IRateLimiterStore"/> (<see cref="RateLimiterStoreNames.Local"/>, the default store of the
/// gateway's rate-limit policies): an <see cref="EdgeKitPartitionedRateLimiter{TResource, TPartitionKey}"/> per policy,
/// keyed by the partition key, with every limit of the policy, its queue limit and its partition cap. Register it with
/// <c>TryAddEnumerable</c> (the gateway does), or wrap it in a store of your own that delegates some policies to it.
/// </summary>
public sealed class LocalRateLimiterStore : IRateLimiterStore
{
    /// <summary>The store's name: <see cref="RateLimiterStoreNames.Local"/>.</summary>
    public string Name => RateLimiterStoreNames.Local;

    /// <summary>Creates the limiter of one policy, keyed by the client's partition key (compared ordinally).</summary>
    /// <param name="settings">The policy's name and settings.</param>
    /// <returns>The limiter; the caller disposes it. Its leases carry <see cref="MetadataName.RetryAfter"/> when rejected and <see cref="RateLimitMetadataNames.Quota"/> always.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="settings"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The settings are invalid (no limit, a limit out of range, a negative queue limit, ...).</exception>
    public PartitionedRateLimiter<string> CreateLimiter(RateLimiterStoreSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new EdgeKitPartitionedRateLimiter<string, string>(new EdgeKitPartitionedRateLimiterOptions<string, string>
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
}
