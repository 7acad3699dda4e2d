using System.Threading.RateLimiting;

namespace EdgeKit.RateLimiting;

/// <summary>Metadata EdgeKit limiters attach to their leases, beside the standard <see cref="MetadataName.RetryAfter"/>.</summary>
public static class RateLimitMetadataNames
{
    /// <summary>The <see cref="RateLimitQuota"/> of the limit that decided the lease (accepted or rejected).</summary>
    public static MetadataName<RateLimitQuota> Quota { get; } = MetadataName.Create<RateLimitQuota>("EDGEKIT_RATELIMIT_QUOTA");
}
