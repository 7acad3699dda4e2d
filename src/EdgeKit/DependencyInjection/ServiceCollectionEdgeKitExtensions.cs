using EdgeKit.Balancing;
using EdgeKit.Configuration;
using EdgeKit.DependencyInjection;
using EdgeKit.Destinations;
using EdgeKit.Health;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds EdgeKit to an <see cref="IServiceCollection"/>.</summary>
public static class ServiceCollectionEdgeKitExtensions
{
    /// <summary>
    /// Adds EdgeKit's core services: the built-in load-balancing strategies, the cluster registry (validated when
    /// the host starts) and the hosted service that runs the active health checks of clusters that enable them.
    /// Calling it again is harmless and returns a builder over the same services.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <returns>A builder to add clusters and features to.</returns>
    public static IEdgeKitBuilder AddEdgeKit(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<EdgeKitOptions>();
        services.TryAddSingleton(TimeProvider.System);
        foreach (var strategy in LoadBalancingStrategyCollection.CreateBuiltIn())
        {
            services.TryAddEnumerable(ServiceDescriptor.Singleton(typeof(ILoadBalancingStrategy), strategy));
        }

        services.TryAddSingleton(sp => new LoadBalancingStrategyCollection(sp.GetServices<ILoadBalancingStrategy>()));
        services.TryAddSingleton<IClusterHealthFactory>(ClusterHealthFactory.Instance);
        services.TryAddSingleton(sp => new ClusterEnvironment(
            sp.GetRequiredService<TimeProvider>(),
            random: null,
            sp.GetRequiredService<LoadBalancingStrategyCollection>(),
            sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance)
        {
            HealthFactory = sp.GetRequiredService<IClusterHealthFactory>(),
        });
        StrictBinding.AddCheck(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigurationRule, ClusterConfigurationRule>());
        services.TryAddSingleton(sp => new ClusterRegistryHost(
            sp.GetRequiredService<IOptionsFactory<EdgeKitOptions>>(),
            sp.GetServices<IOptionsChangeTokenSource<EdgeKitOptions>>(),
            sp.GetRequiredService<ClusterEnvironment>(),
            sp.GetService<ConfigurationCheck>(),
            appliesReloads: sp.GetService<ClusterReloadsAppliedElsewhere>() is null));
        services.TryAddSingleton(sp => sp.GetRequiredService<ClusterRegistryHost>().Registry);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, EdgeKitStartupValidator>());
        services.TryAddSingleton(sp => new ActiveHealthProber(sp.GetRequiredService<ClusterRegistry>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ActiveHealthProber>(
            sp => sp.GetRequiredService<ActiveHealthProber>()));
        return new EdgeKitBuilder(services);
    }

    /// <summary>Adds EdgeKit and configures it.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Adds clusters and features.</param>
    /// <returns>A builder to add more to.</returns>
    public static IEdgeKitBuilder AddEdgeKit(this IServiceCollection services, Action<IEdgeKitBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var builder = services.AddEdgeKit();
        configure(builder);
        return builder;
    }
}
