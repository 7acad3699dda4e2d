using EdgeKit.RateLimiting;
using Microsoft.Extensions.Options;

namespace EdgeKit.AspNetCore.RateLimiting;

/// <summary>The app's load-shedding limiter (one per app), disposed with the container.</summary>
internal sealed class LoadShedder : IDisposable
{
    public LoadShedder(IOptions<LoadSheddingOptions> options, TimeProvider timeProvider)
    {
        Limiter = new AdaptiveConcurrencyLimiter(options.Value.Concurrency, timeProvider);
        RetryAfter = options.Value.RetryAfter;
    }

    public AdaptiveConcurrencyLimiter Limiter { get; }

    public TimeSpan RetryAfter { get; }

    public void Dispose() => Limiter.Dispose();
}
