using EdgeKit.AspNetCore.Configuration;

namespace EdgeKit.AspNetCore.Transforms;

/// <summary>Turns a route's <see cref="GatewayRouteOptions.Transforms"/> into <see cref="RouteTransforms"/>, reporting every problem.</summary>
internal interface IRouteTransformBuilder
{
    /// <summary>Builds the transforms of one route.</summary>
    /// <param name="routeId">The route id, for messages.</param>
    /// <param name="route">The route.</param>
    /// <param name="defaults">The gateway-wide transforms every route gets unless it replaces them.</param>
    /// <param name="errors">Where problems are added (each a full sentence naming the route and the transform).</param>
    /// <returns>The transforms; meaningless when errors were added.</returns>
    RouteTransforms Build(string routeId, GatewayRouteOptions route, RouteTransformDefaults defaults, List<string> errors);
}
