namespace EdgeKit.Configuration;

/// <summary>
/// Settings of an <see cref="EdgeKit.RateLimiting.AdaptiveConcurrencyLimiter"/>: how many requests may be in flight, adjusted by latency
/// (AIMD: additive increase while latency stays near its baseline, multiplicative decrease when it climbs).
/// </summary>
public sealed class AdaptiveConcurrencyLimiterOptions
{
    /// <summary>The limit before any measurement. Default 20; between <see cref="MinLimit"/> and <see cref="MaxLimit"/>.</summary>
    public int InitialLimit { get; set; } = 20;

    /// <summary>The limit never goes below this. Default 1; at least 1.</summary>
    public int MinLimit { get; set; } = 1;

    /// <summary>The limit never goes above this. Default 1000.</summary>
    public int MaxLimit { get; set; } = 1000;

    /// <summary>
    /// How much slower than the baseline (the latency without queueing) a window's average may be before the limit is
    /// cut. Default 2.0 (twice the baseline); above 1.
    /// </summary>
    public double LatencyTolerance { get; set; } = 2.0;

    /// <summary>The factor the limit is multiplied by when latency climbs. Default 0.9; above 0 and below 1.</summary>
    public double BackoffRatio { get; set; } = 0.9;

    /// <summary>How long each measurement window lasts. Default 1 s; positive.</summary>
    public TimeSpan SampleWindow { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The fewest completed requests a window needs before it changes the limit (a window with fewer is extended). Default 10; at least 1.</summary>
    public int MinSamplesPerWindow { get; set; } = 10;

    /// <summary>
    /// How fast the baseline follows latency upwards, per window (it follows downwards at once). Default 0.05; between 0
    /// and 1. Lets the baseline adapt when a backend becomes durably slower.
    /// </summary>
    public double BaselineSmoothing { get; set; } = 0.05;

    /// <summary>The policy name in metrics. Default <c>"load-shedding"</c>.</summary>
    public string PolicyName { get; set; } = "load-shedding";
}
