namespace EdgeKit.Redis.RateLimiting;

/// <summary>What a Redis rate limiter answers when Redis cannot decide: down, unreachable, or slower than the timeout.</summary>
public enum RedisRateLimiterFailureMode
{
    /// <summary>Accept the request: availability first; the limit is not enforced while Redis is unavailable. The default.</summary>
    FailOpen = 0,

    /// <summary>Reject the request: the limit is never exceeded, at the cost of rejecting everything while Redis is unavailable.</summary>
    FailClosed = 1,
}
