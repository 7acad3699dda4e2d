using EdgeKit.AspNetCore.Transforms;
using EdgeKit.DependencyInjection;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds code-defined request and response transforms to gateway routes.</summary>
public static class EdgeKitBuilderTransformExtensions
{
    /// <summary>
    /// Registers a callback that runs for every route each time the routes are built (at start and on every reload),
    /// after the route's configured transforms were built: it may add its own <see cref="RequestTransform"/> and
    /// <see cref="ResponseTransform"/> instances, or change the list. An exception thrown by the callback is reported
    /// like a configuration error (the start fails; a reload is rejected). Callbacks run in registration order.
    /// </summary>
    /// <param name="builder">The EdgeKit builder.</param>
    /// <param name="configure">Called once per route per build.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static IEdgeKitBuilder ConfigureTransforms(this IEdgeKitBuilder builder, Action<RouteTransformsContext> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.AddGateway();
        builder.Services.AddSingleton(new RouteTransformsCallback(configure));
        return builder;
    }
}
