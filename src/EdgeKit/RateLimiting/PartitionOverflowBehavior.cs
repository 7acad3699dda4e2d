namespace EdgeKit.RateLimiting;

/// <summary>
/// What an <see cref="EdgeKitPartitionedRateLimiter{TResource, TPartitionKey}"/> does with a request whose key is not
/// tracked when <see cref="EdgeKitPartitionedRateLimiterOptions{TResource, TPartitionKey}.MaxPartitions"/> keys are,
/// and none of the oldest can be evicted (they are all still refilling).
/// </summary>
public enum PartitionOverflowBehavior
{
    /// <summary>
    /// The default: every untracked key shares one extra bucket with the same limits until a tracked key can be
    /// evicted. No key ever gets more than its own limits would give it, memory stays bounded, and a flood of new keys
    /// cannot reset the buckets of known clients; new clients are limited together while the flood lasts.
    /// </summary>
    SharedPartition,

    /// <summary>Untracked keys are rejected (their lease's <c>RetryAfter</c> is the shortest emission interval) until a tracked key can be evicted.</summary>
    Reject,
}
