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
    long TotalFailures);
