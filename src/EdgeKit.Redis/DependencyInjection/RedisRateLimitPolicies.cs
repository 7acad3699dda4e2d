namespace EdgeKit.Redis.DependencyInjection;

/// <summary>The names of the Redis rate limit policies registered in DI.</summary>
internal sealed class RedisRateLimitPolicies
{
    public HashSet<string> Names { get; } = new(StringComparer.Ordinal);
}
