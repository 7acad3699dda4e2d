using EdgeKit.Configuration;

namespace EdgeKit.RateLimiting;

/// <summary>Settings of an <see cref="EdgeKitPartitionedRateLimiter{TResource, TPartitionKey}"/>.</summary>
/// <typeparam name="TResource">What a request is (for example an <c>HttpContext</c>).</typeparam>
/// <typeparam name="TPartitionKey">The client key (for example an API key or an IP address as a string).</typeparam>
public sealed class EdgeKitPartitionedRateLimiterOptions<TResource, TPartitionKey>
    where TPartitionKey : notnull
{
    /// <summary>The default <see cref="MaxPartitions"/>: 100,000.</summary>
    public const int DefaultMaxPartitions = 100_000;

    /// <summary>How many keys the limiter probes for an evictable (full) bucket when it is at its cap and meets a new key.</summary>
    internal const int EvictionProbes = 8;

    /// <summary>Returns the key of a request: requests with the same key share one bucket. Required.</summary>
    public Func<TResource, TPartitionKey>? PartitionKeySelector { get; set; }

    /// <summary>Compares keys; default <see cref="EqualityComparer{T}.Default"/>.</summary>
    public IEqualityComparer<TPartitionKey>? KeyComparer { get; set; }

    /// <summary>The limits of every key's bucket, checked together (see <see cref="EdgeKitTokenBucketRateLimiterOptions.Limits"/>). At least one.</summary>
    public IList<TokenBucketLimit> Limits { get; set; } = [];

    /// <summary>Permits each key's <c>AcquireAsync</c> may wait for beyond those available; 0 (the default) disables queueing.</summary>
    public int QueueLimit { get; set; }

    /// <summary>The policy's name (metrics tag and base of the advertised limit names). Default <c>"default"</c>.</summary>
    public string PolicyName { get; set; } = EdgeKitTokenBucketRateLimiterOptions.DefaultPolicyName;

    /// <summary>
    /// The most keys tracked at once (at least 1; default <see cref="DefaultMaxPartitions"/>). Memory is bounded by it:
    /// about 150 bytes per tracked key plus the key itself, and two arrays of this many references allocated up front.
    /// </summary>
    public int MaxPartitions { get; set; } = DefaultMaxPartitions;

    /// <summary>What happens to a new key when <see cref="MaxPartitions"/> keys are tracked and none can be evicted. Default <see cref="PartitionOverflowBehavior.SharedPartition"/>.</summary>
    public PartitionOverflowBehavior OverflowBehavior { get; set; } = PartitionOverflowBehavior.SharedPartition;
}
