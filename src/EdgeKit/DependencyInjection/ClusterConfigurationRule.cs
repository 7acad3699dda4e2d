using EdgeKit.Configuration;
using EdgeKit.Destinations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EdgeKit.DependencyInjection;

/// <summary>The clusters' checks, in the report of every problem of a configuration (<see cref="ConfigurationCheck.Report()"/>).</summary>
internal sealed class ClusterConfigurationRule(IServiceProvider services) : IConfigurationRule
{
    public void Check(List<string> errors, bool starting)
    {
        var options = services.GetRequiredService<IOptionsFactory<EdgeKitOptions>>().Create(Options.DefaultName);
        var environment = services.GetRequiredService<ClusterEnvironment>();
        EdgeKitOptionsValidator.Validate(options, "EdgeKit", environment.Strategies, environment.HealthFactory, errors);
    }
}
