using System.Diagnostics.CodeAnalysis;
using EdgeKit.AspNetCore.Transforms;
using EdgeKit.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;

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

    /// <summary>
    /// Adds a transform that configuration names by its key, exactly as a built-in one: an entry of
    /// <c>EdgeKit:Routes:&lt;id&gt;:Transforms</c> holding <see cref="ITransformFactory.Key"/> is checked against its
    /// <see cref="ITransformFactory.Settings"/> and built by <typeparamref name="TFactory"/> (a singleton from DI, so it
    /// may take services in its constructor). Registering the same type twice is harmless; two factories with the same
    /// key fail the start.
    /// </summary>
    /// <typeparam name="TFactory">The factory.</typeparam>
    /// <param name="builder">The EdgeKit builder.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is null.</exception>
    public static IEdgeKitBuilder AddTransformFactory<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TFactory>(this IEdgeKitBuilder builder)
        where TFactory : class, ITransformFactory
    {
        ArgumentNullException.ThrowIfNull(builder);
        // The gateway first, so that the built-in keys come first in messages.
        builder.AddGateway();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<ITransformFactory, TFactory>());
        return builder;
    }

    /// <summary>Adds a transform that configuration names by its key, built by <paramref name="factory"/> (see <see cref="AddTransformFactory{TFactory}(IEdgeKitBuilder)"/>).</summary>
    /// <param name="builder">The EdgeKit builder.</param>
    /// <param name="factory">The factory.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static IEdgeKitBuilder AddTransformFactory(this IEdgeKitBuilder builder, ITransformFactory factory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(factory);
        builder.AddGateway();
        builder.Services.AddSingleton(factory);
        return builder;
    }
}
