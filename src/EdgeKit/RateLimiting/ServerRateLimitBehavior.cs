namespace EdgeKit.RateLimiting;

/// <summary>What a client does with a request while the server has asked it to wait.</summary>
public enum ServerRateLimitBehavior
{
    /// <summary>The default: wait until the server's limit has passed (if that is within <see cref="ServerRateLimitOptions.MaxWait"/>), then send.</summary>
    Wait,

    /// <summary>Fail at once with <see cref="RateLimitRejectedException"/>, without sending.</summary>
    FailFast,
}
