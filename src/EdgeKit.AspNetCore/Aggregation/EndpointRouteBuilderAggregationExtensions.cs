using EdgeKit.Aggregation;
using EdgeKit.AspNetCore.Aggregation;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps EdgeKit aggregates to endpoints.</summary>
public static class EndpointRouteBuilderAggregationExtensions
{
    private static readonly string[] s_get = ["GET"];

    /// <summary>
    /// Serves the aggregate named <paramref name="aggregateName"/> for GET requests matching <paramref name="pattern"/>;
    /// the pattern's route values are the aggregate's arguments. See <see cref="IAggregateEndpointFactory.Create"/>.
    /// </summary>
    /// <param name="endpoints">The endpoint route builder.</param>
    /// <param name="pattern">The route pattern, e.g. <c>/orders/{id}/details</c>.</param>
    /// <param name="aggregateName">The aggregate's name.</param>
    /// <returns>A builder to add conventions (authorization, rate limiting, ...) to the endpoint.</returns>
    public static IEndpointConventionBuilder MapEdgeKitAggregate(this IEndpointRouteBuilder endpoints, string pattern, string aggregateName) =>
        endpoints.MapEdgeKitAggregate(pattern, aggregateName, s_get);

    /// <summary>Serves the aggregate named <paramref name="aggregateName"/> for requests with the given methods matching <paramref name="pattern"/>.</summary>
    /// <param name="endpoints">The endpoint route builder.</param>
    /// <param name="pattern">The route pattern.</param>
    /// <param name="aggregateName">The aggregate's name.</param>
    /// <param name="httpMethods">The request methods served, e.g. <c>["POST"]</c>.</param>
    /// <returns>A builder to add conventions to the endpoint.</returns>
    /// <exception cref="KeyNotFoundException">No aggregate has that name when the endpoint is mapped.</exception>
    public static IEndpointConventionBuilder MapEdgeKitAggregate(this IEndpointRouteBuilder endpoints, string pattern, string aggregateName, IEnumerable<string> httpMethods)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(pattern);
        ArgumentException.ThrowIfNullOrWhiteSpace(aggregateName);
        ArgumentNullException.ThrowIfNull(httpMethods);
        var services = endpoints.ServiceProvider;
        var registry = services.GetRequiredService<AggregatorRegistry>();
        registry.GetAggregator(aggregateName); // fail at start-up, not at the first request, for a name that is wrong
        var factory = services.GetService<IAggregateEndpointFactory>() ?? new AggregateEndpointFactory(registry);
        return endpoints.MapMethods(pattern, httpMethods, factory.Create(aggregateName)).WithDisplayName($"EdgeKit aggregate '{aggregateName}' {pattern}");
    }
}
