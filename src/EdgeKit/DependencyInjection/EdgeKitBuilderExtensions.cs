using System.Diagnostics.CodeAnalysis;
using EdgeKit.Balancing;
using EdgeKit.Configuration;
using EdgeKit.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Clusters, configuration and strategies on an <see cref="IEdgeKitBuilder"/>.</summary>
public static class EdgeKitBuilderExtensions
{
    /// <summary>
    /// Describes a cluster in code. Calling it again for the same name adds to that cluster. The description is
    /// applied after configuration binding (whatever the order of the calls), so it adds to or overrides a cluster
    /// of the same name from configuration, and it is applied again on every configuration reload.
    /// </summary>
    /// <param name="builder">The EdgeKit builder.</param>
    /// <param name="name">The cluster's name (case-insensitive).</param>
    /// <param name="configure">Destinations, strategy and settings.</param>
    /// <returns>The EdgeKit builder.</returns>
    public static IEdgeKitBuilder AddCluster(this IEdgeKitBuilder builder, string name, Action<ClusterBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configure);
        var cluster = new ClusterBuilder(name);
        configure(cluster);
        builder.Services.PostConfigure<EdgeKitOptions>(options => cluster.Apply(options.GetOrAddCluster(name)));
        return builder;
    }

    /// <summary>
    /// Binds EdgeKit's options from a configuration section (by convention <c>EdgeKit</c>, holding
    /// <c>Clusters</c>). Changes to the configuration are applied as they happen; a change that does not
    /// validate is logged and ignored, keeping the clusters in force. Binding is strict: a key EdgeKit does not read or a
    /// value that does not convert fails the start (or, on reload, is logged and changes nothing), naming its full path.
    /// </summary>
    /// <param name="builder">The EdgeKit builder.</param>
    /// <param name="section">The section.</param>
    /// <returns>The EdgeKit builder.</returns>
    public static IEdgeKitBuilder AddConfiguration(this IEdgeKitBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        StrictBinding.Add<EdgeKitOptions>(builder.Services, null, section, EdgeKitSettingsShapes.EdgeKitOptions, (c, o) => c.Bind(o));
        return builder;
    }

    /// <summary>
    /// Hands the application of cluster changes (configuration reloads of <c>Clusters</c>) to a component that
    /// validates them together with its own configuration and applies both or neither, through
    /// <see cref="EdgeKit.Destinations.ClusterRegistry.Validate"/> and <see cref="EdgeKit.Destinations.ClusterRegistry.TryUpdate"/>
    /// (the gateway does: a cluster that a route still uses may not disappear). <see cref="ClusterRegistryHost"/> then
    /// never applies a change alone. Without this call it applies every valid change itself. The choice is made once, at
    /// registration, for the whole service provider; calling it again is harmless.
    /// </summary>
    /// <param name="builder">The EdgeKit builder.</param>
    /// <returns>The EdgeKit builder.</returns>
    public static IEdgeKitBuilder ApplyClusterReloadsElsewhere(this IEdgeKitBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton(ClusterReloadsAppliedElsewhere.Instance);
        return builder;
    }

    /// <summary>Changes EdgeKit's options in code, after configuration binding (whatever the order of the calls).</summary>
    /// <param name="builder">The EdgeKit builder.</param>
    /// <param name="configure">The change.</param>
    /// <returns>The EdgeKit builder.</returns>
    public static IEdgeKitBuilder Configure(this IEdgeKitBuilder builder, Action<EdgeKitOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.PostConfigure(configure);
        return builder;
    }

    /// <summary>
    /// Registers a custom load-balancing strategy, selectable by its <see cref="ILoadBalancingStrategy.Name"/>.
    /// Registering the same type twice is harmless; two types with the same name fail when the registry is built.
    /// </summary>
    /// <typeparam name="TStrategy">The strategy type; a singleton.</typeparam>
    /// <param name="builder">The EdgeKit builder.</param>
    /// <returns>The EdgeKit builder.</returns>
    public static IEdgeKitBuilder AddLoadBalancingStrategy<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TStrategy>(this IEdgeKitBuilder builder)
        where TStrategy : class, ILoadBalancingStrategy
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<ILoadBalancingStrategy, TStrategy>());
        return builder;
    }
}
