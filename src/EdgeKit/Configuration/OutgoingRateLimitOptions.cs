
namespace EdgeKit.Configuration;

/// <summary>The rate limit an HttpClient puts on its own requests (to protect a downstream API); see <c>AddEdgeKitRateLimiting</c>.</summary>
public sealed class OutgoingRateLimitOptions
{
    /// <summary>The limits, checked together, on every request of the client; at least one.</summary>
    public IList<TokenBucketLimit> Limits { get; set; } = [];

    /// <summary>
    /// Permits a request may wait for when the limit is reached (first in, first out) before it fails with
    /// <see cref="EdgeKit.RateLimiting.RateLimitRejectedException"/>. Default 0: fail at once.
    /// </summary>
    public int QueueLimit { get; set; }

    /// <summary>The policy name in metrics; default <see langword="null"/>: the client's name.</summary>
    public string? PolicyName { get; set; }
}
