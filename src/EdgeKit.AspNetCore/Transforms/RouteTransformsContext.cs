using EdgeKit.AspNetCore.Configuration;

namespace EdgeKit.AspNetCore.Transforms;

/// <summary>
/// What a code-defined transform callback (<c>ConfigureTransforms</c>) sees for one route, each time the routes are
/// built: the route, and the transforms built from its configuration, which it may add to, reorder or remove.
/// </summary>
public sealed class RouteTransformsContext
{
    internal RouteTransformsContext(string routeId, GatewayRouteOptions route, List<RequestTransform> requestTransforms, List<ResponseTransform> responseTransforms)
    {
        RouteId = routeId;
        Route = route;
        RequestTransforms = requestTransforms;
        ResponseTransforms = responseTransforms;
    }

    /// <summary>The route's id.</summary>
    public string RouteId { get; }

    /// <summary>The route's options (read them; changes here have no effect).</summary>
    public GatewayRouteOptions Route { get; }

    /// <summary>The request transforms, applied in order: the defaults (forwarded headers), then the route's <c>Transforms</c>.</summary>
    public IList<RequestTransform> RequestTransforms { get; }

    /// <summary>The response transforms, applied in order: the defaults (server headers removal), then the route's <c>Transforms</c>.</summary>
    public IList<ResponseTransform> ResponseTransforms { get; }
}
