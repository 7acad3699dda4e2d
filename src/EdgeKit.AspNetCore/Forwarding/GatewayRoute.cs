using EdgeKit.AspNetCore.Configuration;
using EdgeKit.AspNetCore.Transforms;

namespace EdgeKit.AspNetCore.Forwarding;

/// <summary>
/// A validated route, ready for requests: what forwarding needs of it (its options, transforms, timeout, retries and
/// identity forwarding). Immutable; a reload builds new ones. The gateway's endpoints carry it in their
/// <c>GatewayRouteMetadata</c>; forwarding never sees the route table.
/// </summary>
internal sealed class GatewayRoute
{
    public GatewayRoute(string id, GatewayRouteOptions options, RouteTransforms transforms, TimeSpan timeout)
    {
        Id = id;
        Options = options;
        Transforms = transforms;
        Timeout = timeout;
    }

    /// <summary>Claims to headers for the backend, or <see langword="null"/>.</summary>
    public IdentityForwarding.IdentityForwarder? IdentityForwarder { get; init; }

    public string Id { get; }

    /// <summary>The route's retries, or <see langword="null"/> for none.</summary>
    public Forwarding.RouteRetry? Retry { get; init; }

    public GatewayRouteOptions Options { get; }

    public RouteTransforms Transforms { get; }

    /// <summary>How long the backend may go without progress (response headers, or body bytes) before the request answers 504.</summary>
    public TimeSpan Timeout { get; }
}
