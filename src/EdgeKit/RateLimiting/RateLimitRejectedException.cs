namespace EdgeKit.RateLimiting;

/// <summary>
/// A request was not sent because a rate limit forbids it now: the client's own outgoing limit
/// (<c>AddEdgeKitRateLimiting</c>), or the server's, learned from its <c>Retry-After</c> or <c>RateLimit</c> headers
/// (<c>AddEdgeKitServerRateLimits</c>). Nothing reached the network.
/// </summary>
public sealed class RateLimitRejectedException : HttpRequestException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What was limited.</param>
    /// <param name="retryAfter">How long until a request may be sent, when known.</param>
    public RateLimitRejectedException(string message, TimeSpan? retryAfter)
        : base(message) => RetryAfter = retryAfter;

    /// <summary>How long until a request may be sent, when known.</summary>
    public TimeSpan? RetryAfter { get; }
}
