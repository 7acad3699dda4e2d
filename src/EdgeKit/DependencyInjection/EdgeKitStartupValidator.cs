using EdgeKit.Destinations;
using EdgeKit.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeKit.DependencyInjection;

/// <summary>
/// Builds the cluster registry when the host starts, so that invalid configuration stops the start with every
/// error listed, and warns about clusters that name a service while service discovery is not enabled.
/// </summary>
internal sealed class EdgeKitStartupValidator(ClusterRegistryHost host, IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var registry = host.Registry;
        if (services.GetService(typeof(IServiceProviderIsService)) is IServiceProviderIsService isService
            && !isService.IsService(typeof(ServiceDiscoveryDestinationSource)))
        {
            var logger = registry.Environment.LoggerFactory.CreateLogger<EdgeKitStartupValidator>();
            foreach (var (name, cluster) in registry.CurrentOptions.Clusters)
            {
                if (!string.IsNullOrWhiteSpace(cluster.ServiceName))
                {
                    EdgeKitLog.ServiceDiscoveryNotEnabled(logger, name, cluster.ServiceName);
                }
            }
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
