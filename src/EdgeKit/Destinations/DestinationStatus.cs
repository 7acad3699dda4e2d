namespace EdgeKit.Destinations;

/// <summary>A point-in-time reading of one destination's live state, ready to serialise.</summary>
/// <param name="Id">The destination's id.</param>
/// <param name="Address">Where requests go.</param>
/// <param name="Weight">The configured weight.</param>
/// <param name="EffectiveWeight">The weight in force now, in hundredths (lower during slow start); 0 when the destination is not available.</param>
/// <param name="Health">Active and passive health combined.</param>
/// <param name="ActiveHealth">Health as set by active probes.</param>
/// <param name="IsEjected">Whether outlier detection has ejected it.</param>
/// <param name="EjectedFor">How much longer the ejection lasts; <see cref="TimeSpan.Zero"/> when not ejected.</param>
/// <param name="EjectionCount">Ejections since it joined.</param>
/// <param name="InFlight">Requests in flight.</param>
/// <param name="Latency">The peak latency EWMA now.</param>
/// <param name="TotalRequests">Completed requests since it joined.</param>
/// <param name="TotalFailures">Failed requests since it joined.</param>
public sealed record DestinationStatus(
    string Id,
    Uri Address,
    int Weight,
    int EffectiveWeight,
    DestinationHealth Health,
    DestinationHealth ActiveHealth,
    bool IsEjected,
    TimeSpan EjectedFor,
    int EjectionCount,
    int InFlight,
    TimeSpan Latency,
    long TotalRequests,
    long TotalFailures)
{
    /// <summary>Why outlier detection ejected the destination (for example <c>consecutive-5xx</c>, <c>connect-failure</c>); <see langword="null"/> when not ejected.</summary>
    public string? EjectionReason { get; init; }

    /// <summary>When the current ejection ends at the latest (active probes may readmit it sooner); <see langword="null"/> when not ejected.</summary>
    public DateTimeOffset? EjectedUntil { get; init; }

    /// <summary>Active probes passed in a row.</summary>
    public int ConsecutiveProbeSuccesses { get; init; }

    /// <summary>Active probes failed in a row.</summary>
    public int ConsecutiveProbeFailures { get; init; }

    /// <summary>When the last active probe completed; <see langword="null"/> before the first.</summary>
    public DateTimeOffset? LastProbeAt { get; init; }

    /// <summary>Whether the last active probe passed; <see langword="null"/> before the first.</summary>
    public bool? LastProbePassed { get; init; }

    /// <summary>What the last active probe saw (<c>status 200</c>, <c>no response within 00:00:01</c>, the error); <see langword="null"/> before the first.</summary>
    public string? LastProbeResult { get; init; }
}
