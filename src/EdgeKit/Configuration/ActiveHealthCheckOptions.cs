namespace EdgeKit.Configuration;

/// <summary>
/// Active health checks: a GET of <see cref="Path"/> on every destination (or on its own health address)
/// each <see cref="Interval"/>. Defaults are close to HAProxy's: every 2 s, rise 2, fall 3.
/// </summary>
public sealed class ActiveHealthCheckOptions
{
    /// <summary>The default <see cref="Interval"/>: 2 seconds.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(2);

    /// <summary>The default <see cref="Timeout"/>: 1 second.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(1);

    /// <summary>Whether probes run. Default <see langword="false"/>.</summary>
    public bool Enabled { get; set; }

    /// <summary>The path probed, joined to the destination's address (or health address). Default <c>/healthz</c>.</summary>
    public string Path { get; set; } = "/healthz";

    /// <summary>Time between the starts of two probes of a destination. Default 2 s; at least 10 ms.</summary>
    public TimeSpan Interval { get; set; } = DefaultInterval;

    /// <summary>How long a probe may take before it counts as failed. Default 1 s; positive and not above <see cref="Interval"/>.</summary>
    public TimeSpan Timeout { get; set; } = DefaultTimeout;

    /// <summary>
    /// The response statuses counted healthy: comma-separated codes and ranges, e.g. <c>200-299,304</c>.
    /// Default <c>200-399</c> (HAProxy's).
    /// </summary>
    public string HealthyStatuses { get; set; } = "200-399";

    /// <summary>Consecutive passing probes that make an unhealthy (or unknown) destination healthy ("rise"). Default 2.</summary>
    public int HealthyThreshold { get; set; } = 2;

    /// <summary>Consecutive failing probes that make a healthy (or unknown) destination unhealthy ("fall"). Default 3.</summary>
    public int UnhealthyThreshold { get; set; } = 3;

    /// <summary>How many probes of one cluster may be in flight at once. Default 16.</summary>
    public int MaxConcurrency { get; set; } = 16;
}
