namespace EdgeKit.AspNetCore.Configuration;

/// <summary>Forwarding settings shared by every route.</summary>
public sealed class ForwarderOptions
{
    /// <summary>
    /// How long a forwarded request may take until the backend's response headers arrive, when the route sets no
    /// <see cref="GatewayRouteOptions.Timeout"/>. Default 100 seconds. A request that runs out answers 504.
    /// </summary>
    public TimeSpan DefaultTimeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>
    /// The pseudonym added to the <c>Via</c> header of forwarded requests and responses (RFC 9110 §7.6.3), e.g.
    /// <c>edgekit</c>; <see langword="null"/> (the default) adds no <c>Via</c>.
    /// </summary>
    public string? Via { get; set; }

    /// <summary>
    /// Whether an HTTP/2 backend's <c>Expect: 100-continue</c> handling waits for the backend before the request body is sent.
    /// The header is always forwarded; this sets how long the client waits for the backend's <c>100 Continue</c>
    /// before sending the body anyway. Default 1 second.
    /// </summary>
    public TimeSpan ExpectContinueTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long an upgraded connection (a WebSocket, or any other HTTP/1.1 <c>Upgrade</c> or HTTP/2 extended
    /// <c>CONNECT</c> tunnel) may go without a byte in either direction before the gateway closes both sides, when the
    /// route sets no <see cref="GatewayRouteOptions.UpgradeIdleTimeout"/>. Default 5 minutes.
    /// </summary>
    public TimeSpan UpgradeIdleTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Whether the backend's <c>Server</c> and <c>X-Powered-By</c> response headers are removed, so the software and
    /// versions behind the gateway are not advertised to clients. Default <see langword="true"/>.
    /// </summary>
    public bool RemoveServerHeaders { get; set; } = true;
}
