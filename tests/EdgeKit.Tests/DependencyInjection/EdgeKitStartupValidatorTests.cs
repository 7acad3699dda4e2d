using EdgeKit.Configuration;
using EdgeKit.Tests.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeKit.Tests.DependencyInjection;

public class EdgeKitStartupValidatorTests
{
    private readonly CapturingLoggerProvider _logs = new();

    [Fact]
    public async Task Invalid_configuration_stops_the_host_start_with_every_problem()
    {
        using var host = BuildHost(new()
        {
            ["EdgeKit:Clusters:orders:LoadBalancing:Strategy"] = "Fastest",
            ["EdgeKit:Clusters:orders:Destinations:a:Address"] = "/orders",
            ["EdgeKit:Clusters:billing:ServiceName"] = " ",
        });

        var start = () => host.StartAsync();

        (await start.Should().ThrowAsync<EdgeKitConfigurationException>()).Which.Errors.Should().Equal(
            "Cluster 'billing': has no destinations. Add at least one under Destinations, or set ServiceName to resolve them through service discovery.",
            "Cluster 'billing': ServiceName is blank; remove it or name a service such as 'https+http://orders'.",
            "Cluster 'orders', destination 'a': Address '/orders' is not an absolute URI; use a form such as 'http://10.0.0.11:8080'.",
            "Cluster 'orders': LoadBalancing.Strategy is an unknown load-balancing strategy 'Fastest'. Known strategies: ConsistentHash, LeastRequests, PeakEwma, PowerOfTwoChoices, Random, RoundRobin, SessionAffinity, WeightedRandom, WeightedRoundRobin.");
    }

    [Fact]
    public async Task Valid_configuration_starts_the_host()
    {
        using var host = BuildHost(new() { ["EdgeKit:Clusters:orders:Destinations:a:Address"] = "http://10.0.0.1:8080" });

        await host.StartAsync();

        _logs.WithEventId(1006).Select(e => e.Message).Should().Equal("EdgeKit configuration applied: 1 clusters.");
        await host.StopAsync();
    }

    [Fact]
    public async Task A_service_name_without_service_discovery_is_warned_about_at_start()
    {
        using var host = BuildHost(new()
        {
            ["EdgeKit:Clusters:orders:ServiceName"] = "https+http://orders",
            ["EdgeKit:Clusters:orders:Destinations:a:Address"] = "http://10.0.0.1:8080",
        });

        await host.StartAsync();

        var warning = _logs.WithEventId(1013).Should().ContainSingle().Subject;
        warning.Level.Should().Be(LogLevel.Warning);
        warning.Message.Should().Be("Cluster 'orders' names service 'https+http://orders', but service discovery is not enabled, so no destination is resolved for it. Call AddServiceDiscovery() on the EdgeKit builder.");
        await host.StopAsync();
    }

    [Fact]
    public async Task No_warning_when_service_discovery_is_enabled()
    {
        using var host = BuildHost(
            new() { ["EdgeKit:Clusters:orders:ServiceName"] = "http://orders", ["Services:orders:http:0"] = "10.0.0.1:8080" },
            edge =>
            {
                edge.AddServiceDiscovery();
                edge.Services.AddConfigurationServiceEndpointProvider();
            });

        await host.StartAsync();

        _logs.WithEventId(1013).Should().BeEmpty();
        await host.StopAsync();
    }

    private IHost BuildHost(Dictionary<string, string?> configuration, Action<IEdgeKitBuilder>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Logging.AddProvider(_logs);
        var edge = builder.Services.AddEdgeKit().AddConfiguration(builder.Configuration.GetSection("EdgeKit"));
        configure?.Invoke(edge);
        return builder.Build();
    }
}
