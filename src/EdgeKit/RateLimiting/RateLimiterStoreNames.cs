namespace EdgeKit.RateLimiting;

/// <summary>Names of the built-in <see cref="IRateLimiterStore"/>s.</summary>
public static class RateLimiterStoreNames
{
    /// <summary>In this process: <see cref="EdgeKitPartitionedRateLimiter{TResource, TPartitionKey}"/>. The default.</summary>
    public const string Local = "local";

    /// <summary>Shared by every gateway instance through Redis (package EdgeKit.Redis, <c>AddRedisRateLimiting(...)</c>).</summary>
    public const string Redis = "redis";
}
