using EdgeKit.Configuration;
using EdgeKit.RateLimiting;

namespace EdgeKit.AspNetCore.RateLimiting;

/// <summary>
/// One named rate-limit policy (<c>EdgeKit:RateLimiting:Policies:&lt;name&gt;</c>): its limits, and what it counts
/// requests by. Endpoints opt in with <c>RequireRateLimiting("&lt;name&gt;")</c>.
/// </summary>
public sealed class EdgeKitRateLimitPolicyOptions
{
    /// <summary>The limits, checked together, per key; at least one (for example 10 per second and 1000 per hour).</summary>
    public IList<TokenBucketLimit> Limits { get; set; } = [];

    /// <summary>What requests are counted by. Default: per client IP.</summary>
    public RateLimitPartitionOptions Partition { get; set; } = new();

    /// <summary>
    /// Where the counts are kept: <c>"local"</c> (this process, the default) or the name of another registered
    /// <see cref="IRateLimiterStore"/> (for example a Redis store shared by every gateway instance).
    /// </summary>
    public string Store { get; set; } = RateLimiterStoreNames.Local;

    /// <summary>Permits a request may wait for, per key, instead of being rejected at once. Default 0 (no waiting).</summary>
    public int QueueLimit { get; set; }

    /// <summary>The most keys tracked at once; default 100,000. Beyond it, see <see cref="OverflowBehavior"/>.</summary>
    public int MaxPartitions { get; set; } = EdgeKitPartitionedRateLimiterOptions<object, string>.DefaultMaxPartitions;

    /// <summary>What happens to new keys when <see cref="MaxPartitions"/> are tracked and none can be evicted. Default: they share one bucket.</summary>
    public PartitionOverflowBehavior OverflowBehavior { get; set; } = PartitionOverflowBehavior.SharedPartition;

    /// <summary>Limit this policy by fixed number of permits per window: adds <c>new TokenBucketLimit(permitLimit, window)</c>.</summary>
    /// <param name="permitLimit">Permits per window (also the largest burst).</param>
    /// <param name="window">The window.</param>
    /// <param name="name">The advertised name of the limit; optional.</param>
    /// <returns>These options.</returns>
    public EdgeKitRateLimitPolicyOptions AddLimit(int permitLimit, TimeSpan window, string? name = null)
    {
        Limits.Add(new TokenBucketLimit(permitLimit, window, name));
        return this;
    }
}
