using EdgeKit.Configuration;

namespace EdgeKit.RateLimiting;

/// <summary>Settings of an <see cref="EdgeKitTokenBucketRateLimiter"/>.</summary>
public sealed class EdgeKitTokenBucketRateLimiterOptions
{
    /// <summary>The default <see cref="PolicyName"/>: <c>"default"</c>.</summary>
    public const string DefaultPolicyName = "default";

    /// <summary>
    /// The limits, checked together: a request is accepted only when every limit has the permits, and then takes them
    /// from every limit (all or nothing). At least one; for example 10 per second and 1000 per hour.
    /// </summary>
    public IList<TokenBucketLimit> Limits { get; set; } = [];

    /// <summary>
    /// Permits that <c>AcquireAsync</c> may wait for beyond those available (0 to disable queueing, the default).
    /// Waiters are served first in, first out: each reserves its permits on arrival and completes when they have been
    /// refilled, so a later <c>AttemptAcquire</c> never overtakes a waiter.
    /// </summary>
    public int QueueLimit { get; set; }

    /// <summary>The policy's name: the <c>policy</c> tag of the metrics and the base of the advertised limit names. Default <c>"default"</c>.</summary>
    public string PolicyName { get; set; } = DefaultPolicyName;
}
