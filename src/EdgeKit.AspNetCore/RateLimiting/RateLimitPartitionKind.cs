namespace EdgeKit.AspNetCore.RateLimiting;

/// <summary>What a rate-limit policy counts requests by: each distinct key gets its own bucket.</summary>
public enum RateLimitPartitionKind
{
    /// <summary>The client's IP address (the default): the connection's, or from <c>X-Forwarded-For</c> when the connection comes from a trusted proxy.</summary>
    ClientIp,

    /// <summary>An API key read from a header (<see cref="RateLimitPartitionOptions.Name"/>, default <c>X-Api-Key</c>); the client IP when absent.</summary>
    ApiKey,

    /// <summary>The authenticated user's name; the client IP for anonymous requests.</summary>
    User,

    /// <summary>The value of a claim of the authenticated user (<see cref="RateLimitPartitionOptions.Name"/> is the claim type); the client IP when absent.</summary>
    Claim,

    /// <summary>The endpoint's route pattern (one bucket per route, shared by every client).</summary>
    Route,

    /// <summary>The value of a request header (<see cref="RateLimitPartitionOptions.Name"/>); the client IP when absent.</summary>
    Header,

    /// <summary>One bucket shared by every request of the policy.</summary>
    Global,
}
