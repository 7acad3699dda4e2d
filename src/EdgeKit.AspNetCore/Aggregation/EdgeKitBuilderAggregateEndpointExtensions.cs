using EdgeKit.AspNetCore.Aggregation;
using EdgeKit.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Serving aggregates over HTTP, on an <see cref="IEdgeKitBuilder"/>.</summary>
public static class EdgeKitBuilderAggregateEndpointExtensions
{
    /// <summary>
    /// Adds aggregation (<c>AddAggregation()</c>) and the <see cref="IAggregateEndpointFactory"/> that turns an aggregate
    /// into a request handler. Calling it again is harmless.
    /// </summary>
    /// <param name="builder">The EdgeKit builder.</param>
    /// <returns>The EdgeKit builder.</returns>
    public static IEdgeKitBuilder AddAggregateEndpoints(this IEdgeKitBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddAggregation();
        builder.Services.TryAddSingleton<IAggregateEndpointFactory, AggregateEndpointFactory>();
        return builder;
    }
}
