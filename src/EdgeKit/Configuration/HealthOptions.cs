namespace EdgeKit.Configuration;

/// <summary>How a cluster decides which destinations are fit: active probes, passive outlier detection, panic routing and slow start.</summary>
public sealed class HealthOptions
{
    /// <summary>The default <see cref="PanicThreshold"/>: 50 (Envoy's).</summary>
    public const double DefaultPanicThreshold = 50;

    /// <summary>Periodic HTTP probes of each destination. Off by default.</summary>
    public ActiveHealthCheckOptions Active { get; set; } = new();

    /// <summary>Ejection of destinations whose real traffic fails. On by default.</summary>
    public OutlierDetectionOptions OutlierDetection { get; set; } = new();

    /// <summary>
    /// When fewer than this percentage of the cluster's destinations are healthy, the cluster is in panic and
    /// routes across every destination not known to be dead (outliers ejected for how they answer included;
    /// destinations that active checks mark unhealthy or whose connections are refused never), rather than
    /// overload the few that remain. From 0 (never panic) to 100; default 50.
    /// </summary>
    public double PanicThreshold { get; set; } = DefaultPanicThreshold;

    /// <summary>Ramping up the share of a destination that joins or recovers. Off by default.</summary>
    public SlowStartOptions SlowStart { get; set; } = new();
}
