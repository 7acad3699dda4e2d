using Microsoft.Extensions.Hosting;

namespace EdgeKit.DependencyInjection;

/// <summary>Builds the cluster registry when the host starts, so that invalid configuration stops the start with every error listed.</summary>
internal sealed class EdgeKitStartupValidator(ClusterRegistryHost host) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = host.Registry;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
