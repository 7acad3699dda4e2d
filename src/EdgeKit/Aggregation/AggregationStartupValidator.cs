using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace EdgeKit.Aggregation;

/// <summary>Builds the <see cref="AggregatorRegistry"/> when the host starts, so invalid aggregates stop the start with every problem.</summary>
internal sealed class AggregationStartupValidator(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        services.GetRequiredService<AggregatorRegistry>();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
