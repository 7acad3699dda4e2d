namespace EdgeKit.Configuration;

/// <summary>
/// Slow start (Envoy's): a destination that joins a running cluster or comes back from being unhealthy gets
/// weight × max(<see cref="MinWeightPercent"/>/100, (elapsed / <see cref="Window"/>)^(1 / <see cref="Aggression"/>))
/// until the window has passed, so a cold instance is not flooded. Applies to the round-robin, random and
/// least-request strategies and peak EWMA; hashing strategies keep their placement.
/// </summary>
public sealed class SlowStartOptions
{
    /// <summary>The ramp's length. Default <see cref="TimeSpan.Zero"/>: slow start off.</summary>
    public TimeSpan Window { get; set; }

    /// <summary>The share, in percent of its weight, a destination starts with. Default 10; from 1 to 100.</summary>
    public double MinWeightPercent { get; set; } = 10;

    /// <summary>The ramp's shape: 1 is linear, larger values ramp faster at first. Default 1; positive.</summary>
    public double Aggression { get; set; } = 1;
}
