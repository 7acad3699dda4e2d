namespace EdgeKit.AspNetCore.Forwarding;

/// <summary>Tags the gateway adds to EdgeKit's instruments.</summary>
internal static class GatewayMetrics
{
    /// <summary>The gateway route that took the request.</summary>
    public const string RouteTag = "edgekit.route";
}
