using System.Threading.RateLimiting;

namespace EdgeKit.RateLimiting;

/// <summary>
/// Where a named rate-limit policy keeps its counts: in this process (<see cref="RateLimiterStoreNames.Local"/>, the
/// default) or shared by several instances (for example a Redis store from EdgeKit.Redis). A gateway policy names its
/// store in configuration (<c>"Store": "redis"</c>); stores are registered as <see cref="IRateLimiterStore"/> services
/// and found by <see cref="Name"/>, which must be unique.
/// </summary>
public interface IRateLimiterStore
{
    /// <summary>The store's name, as configuration refers to it (case-insensitive).</summary>
    string Name { get; }

    /// <summary>
    /// Creates the limiter of one policy, keyed by the client's partition key. Its leases should carry
    /// <see cref="MetadataName.RetryAfter"/> when rejected and <see cref="RateLimitMetadataNames.Quota"/> always, so the
    /// gateway can write <c>Retry-After</c> and the RateLimit headers whatever the store. A policy's limits are token
    /// buckets, so a lease holds nothing while the request runs: the gateway disposes it as soon as it has read the
    /// decision, before the request is forwarded.
    /// </summary>
    /// <param name="settings">The policy's name and settings.</param>
    /// <returns>The limiter; the caller disposes it.</returns>
    PartitionedRateLimiter<string> CreateLimiter(RateLimiterStoreSettings settings);
}
