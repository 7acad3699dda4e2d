using System.Diagnostics.Metrics;
using EdgeKit.Telemetry;

namespace EdgeKit.AspNetCore.IdentityForwarding;

/// <summary>The instrument of identity forwarding, on EdgeKit's one meter (<see cref="EdgeKitTelemetry.Meter"/>).</summary>
internal static class IdentityForwardingMetrics
{
    /// <summary>Counted once per header removed; no tags: nothing about the caller belongs in one.</summary>
    public static readonly Counter<long> HeadersStripped = EdgeKitTelemetry.Meter.CreateCounter<long>(
        "edgekit.auth.identity_headers_stripped", "{header}", "Incoming headers removed by identity forwarding because only the gateway may set them.");
}
