namespace EdgeKit.AspNetCore.Configuration;

/// <summary>
/// What the status API (<c>MapEdgeKitStatus</c>) and the dashboard (<c>MapEdgeKitDashboard</c>) show
/// (<c>EdgeKit:Status</c>). Read on every request, so a configuration reload applies at once.
/// </summary>
public sealed class GatewayStatusOptions
{
    /// <summary>
    /// Whether each destination's address (scheme, host, port and path prefix) is listed. Default <see langword="true"/>.
    /// Addresses map the internal network behind the gateway: set <see langword="false"/> when the people allowed to
    /// read the status should not learn them; destinations are then known by their ids only.
    /// </summary>
    public bool ShowAddresses { get; set; } = true;
}
