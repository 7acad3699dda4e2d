using EdgeKit.AspNetCore.Forwarding;

namespace EdgeKit.AspNetCore.Gateway;

/// <summary>Endpoint metadata on every gateway route: which route it is and its configuration.</summary>
public sealed class GatewayRouteMetadata
{
    internal GatewayRouteMetadata(GatewayRoute route)
    {
        Route = route;
        Matcher = new RouteValueMatcher(route.Options.Match);
    }

    internal GatewayRoute Route { get; }

    /// <summary>The route's header and query-parameter conditions, checked by <see cref="GatewayMatcherPolicy"/>.</summary>
    internal RouteValueMatcher Matcher { get; }

    /// <summary>The route id.</summary>
    public string RouteId => Route.Id;

    /// <summary>The cluster the route forwards to, or <see langword="null"/> for an aggregate.</summary>
    public string? Cluster => Route.Options.Cluster;

    /// <summary>The aggregate the route answers with, or <see langword="null"/>.</summary>
    public string? Aggregate => Route.Options.Aggregate;

    /// <summary>The cache policy name, or <see langword="null"/>.</summary>
    public string? CachePolicy => Route.Options.CachePolicy;

    /// <summary>The route's free-form metadata.</summary>
    public IReadOnlyDictionary<string, string> Metadata => Route.Options.Metadata;
}
