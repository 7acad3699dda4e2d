using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using EdgeKit.Configuration;
using Microsoft.Extensions.Options;

namespace EdgeKit.RateLimiting;

/// <summary>The outgoing limiter of each named client, created on first use and disposed with the container.</summary>
internal sealed class OutgoingRateLimiters(IOptionsMonitor<OutgoingRateLimitOptions> options, TimeProvider time) : IDisposable
{
    private readonly ConcurrentDictionary<string, RateLimiter> _limiters = new(StringComparer.Ordinal);

    public RateLimiter For(string name) => _limiters.GetOrAdd(name, n =>
    {
        var settings = options.Get(n);
        return new EdgeKitTokenBucketRateLimiter(new EdgeKitTokenBucketRateLimiterOptions
        {
            Limits = settings.Limits,
            QueueLimit = settings.QueueLimit,
            PolicyName = settings.PolicyName ?? (n.Length == 0 ? EdgeKitTokenBucketRateLimiterOptions.DefaultPolicyName : n),
        }, time);
    });

    public void Dispose()
    {
        foreach (var limiter in _limiters.Values)
        {
            limiter.Dispose();
        }
    }
}
