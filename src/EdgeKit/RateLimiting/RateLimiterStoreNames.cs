namespace EdgeKit.RateLimiting;

/// <summary>Names of the built-in <see cref="IRateLimiterStore"/>s.</summary>
public static class RateLimiterStoreNames
{
    /// <summary>In this process: <see cref="EdgeKitPartitionedRateLimiter{TResource, TPartitionKey}"/>. The default.</summary>
    public const string Local = "local";
}
