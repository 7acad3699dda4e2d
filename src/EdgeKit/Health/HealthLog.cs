using EdgeKit.Destinations;
using EdgeKit.Telemetry;
using Microsoft.Extensions.Logging;

namespace EdgeKit.Health;

/// <summary>
/// Health's log events and metrics that take its own types; Telemetry only sees primitives. Event ids are stable:
/// never reuse or renumber one.
/// </summary>
internal static partial class HealthLog
{
    [LoggerMessage(EventId = 1001, EventName = "DestinationHealthChanged", Level = LogLevel.Information,
        Message = "Cluster '{Cluster}': destination '{Destination}' went from {Before} to {After} ({Reason}).")]
    public static partial void DestinationHealthChanged(ILogger logger, string cluster, string destination, DestinationHealth before, DestinationHealth after, string reason);

    /// <summary>Counts one health transition (<c>edgekit.health.transitions</c>) with the new health's tag value.</summary>
    public static void RecordHealthTransition(string cluster, string destination, DestinationHealth health, string reason) =>
        EdgeKitMetrics.RecordHealthTransition(cluster, destination, StateName(health), reason);

    /// <summary>The health's value of <c>edgekit.health.state</c>: <c>healthy</c>, <c>unhealthy</c> or <c>unknown</c>.</summary>
    public static string StateName(DestinationHealth health) => health switch
    {
        DestinationHealth.Healthy => "healthy",
        DestinationHealth.Unhealthy => "unhealthy",
        _ => "unknown",
    };
}
