namespace EdgeKit.Configuration;

/// <summary>
/// Passive health (Envoy's outlier detection): a destination whose real requests fail is ejected for a
/// while. Ejection time is <see cref="BaseEjectionTime"/> × the number of times it has been ejected,
/// capped by <see cref="MaxEjectionTime"/>; that multiplier falls by one each <see cref="Interval"/> the
/// destination spends un-ejected. Defaults are Envoy's, except <see cref="MaxEjectionPercent"/>.
/// </summary>
public sealed class OutlierDetectionOptions
{
    /// <summary>Whether outlier detection runs. Default <see langword="true"/>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Consecutive failures that eject a destination: 5xx statuses, and transport errors and timeouts.
    /// Default 5; 0 disables this rule.
    /// </summary>
    public int Consecutive5xx { get; set; } = 5;

    /// <summary>
    /// Consecutive gateway failures that eject a destination: 502, 503, 504, connection failures, resets and
    /// timeouts. Default 5; 0 disables this rule.
    /// </summary>
    public int ConsecutiveGatewayFailures { get; set; } = 5;

    /// <summary>How often success rates and failure percentages are evaluated and ejection multipliers decay. Default 10 s.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The first ejection's length; later ones last a multiple of it. Default 30 s.</summary>
    public TimeSpan BaseEjectionTime { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest an ejection lasts. Default 300 s; at least <see cref="BaseEjectionTime"/>.</summary>
    public TimeSpan MaxEjectionTime { get; set; } = TimeSpan.FromSeconds(300);

    /// <summary>
    /// The largest percentage of the cluster's destinations that may be out of rotation (ejected or unhealthy) for an
    /// ejection to happen; one destination can always be ejected, whatever the percentage. It caps ejections for how a
    /// destination answers, never those of destinations whose connections are refused. Default 50, the panic threshold's
    /// default, so that the two agree on clusters of any size (Envoy's 10 lets a cluster of three eject only one).
    /// </summary>
    public double MaxEjectionPercent { get; set; } = 50;

    /// <summary>
    /// Success-rate ejection: each interval, destinations with at least <see cref="SuccessRateRequestVolume"/>
    /// requests whose success rate is below mean − <see cref="SuccessRateStdevFactor"/> × standard deviation are
    /// ejected, provided at least <see cref="SuccessRateMinimumHosts"/> destinations had that volume. Default on.
    /// </summary>
    public bool SuccessRateEnabled { get; set; } = true;

    /// <summary>Destinations with enough volume needed before success-rate ejection applies. Default 5.</summary>
    public int SuccessRateMinimumHosts { get; set; } = 5;

    /// <summary>Requests in the interval a destination needs to be judged by success rate. Default 100.</summary>
    public int SuccessRateRequestVolume { get; set; } = 100;

    /// <summary>How many standard deviations below the mean a success rate must fall to eject. Default 1.9.</summary>
    public double SuccessRateStdevFactor { get; set; } = 1.9;

    /// <summary>
    /// Failure-percentage ejection: each interval, destinations with at least <see cref="FailurePercentageRequestVolume"/>
    /// requests whose failure percentage is at least <see cref="FailurePercentageThreshold"/> are ejected, provided at
    /// least <see cref="FailurePercentageMinimumHosts"/> destinations had that volume. Default off (as in Envoy).
    /// </summary>
    public bool FailurePercentageEnabled { get; set; }

    /// <summary>The failure percentage that ejects. Default 85.</summary>
    public double FailurePercentageThreshold { get; set; } = 85;

    /// <summary>Destinations with enough volume needed before failure-percentage ejection applies. Default 5.</summary>
    public int FailurePercentageMinimumHosts { get; set; } = 5;

    /// <summary>Requests in the interval a destination needs to be judged by failure percentage. Default 50.</summary>
    public int FailurePercentageRequestVolume { get; set; } = 50;
}
