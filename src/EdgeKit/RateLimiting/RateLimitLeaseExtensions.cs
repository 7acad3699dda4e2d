using System.Threading.RateLimiting;

namespace EdgeKit.RateLimiting;

/// <summary>Reading what EdgeKit's limiters attach to their leases.</summary>
public static class RateLimitLeaseExtensions
{
    /// <summary>
    /// The <see cref="RateLimitQuota"/> a lease carries under <see cref="RateLimitMetadataNames.Quota"/>. For the leases of
    /// EdgeKit's token buckets (<see cref="EdgeKitTokenBucketRateLimiter"/>, <see cref="EdgeKitPartitionedRateLimiter{TResource, TPartitionKey}"/>,
    /// <see cref="LocalRateLimiterStore"/>) it is computed without boxing it: reading it allocates nothing, where
    /// <see cref="RateLimitLease.TryGetMetadata{T}(MetadataName{T}, out T)"/> boxes the quota through the
    /// <see cref="object"/> metadata. Any other lease is asked through its metadata.
    /// </summary>
    /// <param name="lease">The lease.</param>
    /// <param name="quota">The quota, when the lease has one.</param>
    /// <returns>Whether the lease carries a quota.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="lease"/> is <see langword="null"/>.</exception>
    public static bool TryGetQuota(this RateLimitLease lease, out RateLimitQuota quota)
    {
        ArgumentNullException.ThrowIfNull(lease);
        if (lease is TokenBucketLease tokenBucket)
        {
            quota = tokenBucket.Quota();
            return true;
        }

        return lease.TryGetMetadata(RateLimitMetadataNames.Quota, out quota);
    }
}
