using EdgeKit.Configuration;
using EdgeKit.Destinations;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.ServiceDiscovery;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Service discovery on an <see cref="IEdgeKitBuilder"/>.</summary>
public static class EdgeKitBuilderServiceDiscoveryExtensions
{
    /// <summary>
    /// Resolves the destinations of every cluster that has a <see cref="ClusterOptions.ServiceName"/> through
    /// Microsoft.Extensions.ServiceDiscovery, in the background, and keeps them current as endpoints change and
    /// as clusters are added, removed or renamed by configuration reloads. Calling it again is harmless.
    /// </summary>
    /// <remarks>
    /// <para>This adds the service discovery core (<c>services.AddServiceDiscoveryCore()</c>) but no endpoint provider:
    /// add the ones you use, for example <c>services.AddServiceDiscovery()</c> (configuration, then pass-through),
    /// <c>services.AddConfigurationServiceEndpointProvider()</c> (<c>Services:orders:https:0 = 10.0.0.1:8443</c>)
    /// or a DNS provider.</para>
    /// <para>Resolution runs in a hosted service: the host's start waits for the first resolution of every service
    /// for at most <see cref="ServiceDiscoveryDestinationOptions.InitialResolutionTimeout"/>; until a cluster's
    /// service has resolved, requests to a cluster without other destinations get
    /// <c>NoAvailableDestinationException</c>. A failed resolution keeps the previous destinations. See
    /// <see cref="ClusterOptions.ServiceName"/> for how endpoints become destinations and which scheme they get.</para>
    /// </remarks>
    /// <param name="builder">The EdgeKit builder.</param>
    /// <returns>The EdgeKit builder.</returns>
    public static IEdgeKitBuilder AddServiceDiscovery(this IEdgeKitBuilder builder) =>
        AddServiceDiscovery(builder, static _ => { });

    /// <summary>
    /// Resolves the destinations of every cluster that has a <see cref="ClusterOptions.ServiceName"/> through
    /// Microsoft.Extensions.ServiceDiscovery, with settings. See <see cref="AddServiceDiscovery(IEdgeKitBuilder)"/>.
    /// </summary>
    /// <param name="builder">The EdgeKit builder.</param>
    /// <param name="configure">Changes the settings (timeouts and retry delays); validated when the host starts.</param>
    /// <returns>The EdgeKit builder.</returns>
    public static IEdgeKitBuilder AddServiceDiscovery(this IEdgeKitBuilder builder, Action<ServiceDiscoveryDestinationOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var services = builder.Services;
        services.AddServiceDiscoveryCore();
        services.AddOptions<ServiceDiscoveryDestinationOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ServiceDiscoveryDestinationOptions>, ServiceDiscoveryDestinationOptionsValidator>());
        services.TryAddSingleton(sp => new ServiceDiscoveryDestinationSource(
            sp.GetRequiredService<ClusterRegistry>(),
            sp.GetRequiredService<ServiceEndpointResolver>(),
            sp.GetRequiredService<IOptions<ServiceDiscoveryOptions>>(),
            sp.GetRequiredService<IOptions<ServiceDiscoveryDestinationOptions>>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ServiceDiscoveryDestinationSource>(
            sp => sp.GetRequiredService<ServiceDiscoveryDestinationSource>()));
        return builder;
    }
}
