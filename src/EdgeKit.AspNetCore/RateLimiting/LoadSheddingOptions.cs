using EdgeKit.Configuration;

namespace EdgeKit.AspNetCore.RateLimiting;

/// <summary>Settings of EdgeKit's load shedding middleware (<c>app.UseEdgeKitLoadShedding()</c>).</summary>
public sealed class LoadSheddingOptions
{
    /// <summary>The default <see cref="RetryAfter"/>: 1 s.</summary>
    public static readonly TimeSpan DefaultRetryAfter = TimeSpan.FromSeconds(1);

    /// <summary>The adaptive concurrency limit (AIMD on latency) the middleware enforces across the requests it sees.</summary>
    public AdaptiveConcurrencyLimiterOptions Concurrency { get; set; } = new();

    /// <summary>The <c>Retry-After</c> sent with a shed request's 503 (whole seconds, rounded up). Default 1 s; positive.</summary>
    public TimeSpan RetryAfter { get; set; } = DefaultRetryAfter;
}
