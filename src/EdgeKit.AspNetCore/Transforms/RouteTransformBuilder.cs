using EdgeKit.AspNetCore.Gateway;

namespace EdgeKit.AspNetCore.Transforms;

/// <summary>The built-in transforms.</summary>
internal sealed class RouteTransformBuilder : IRouteTransformBuilder
{
    public RouteTransforms Build(string routeId, GatewayRouteOptions route, List<string> errors)
    {
        for (int i = 0; i < route.Transforms.Count; i++)
        {
            var transform = route.Transforms[i];
            string keys = transform is null ? "(empty)" : string.Join(", ", transform.Keys);
            errors.Add($"EdgeKit:Routes:{routeId}:Transforms:{i}: unknown transform ({keys}).");
        }

        return RouteTransforms.Empty;
    }
}
