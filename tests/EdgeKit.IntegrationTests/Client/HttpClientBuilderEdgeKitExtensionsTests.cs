using EdgeKit.Balancing;
using EdgeKit.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using EdgeKit.Configuration;
using static EdgeKit.IntegrationTests.Infrastructure.ServiceProviderEdgeKitExtensions;

namespace EdgeKit.IntegrationTests.Client;

/// <summary>What <c>AddEdgeKitBalancing</c> does with a cluster that does not exist or is misconfigured.</summary>
public class HttpClientBuilderEdgeKitExtensionsTests
{
    [Fact]
    public async Task A_client_of_an_unknown_cluster_fails_when_created_naming_the_clusters_that_exist()
    {
        await using var backend = await TestBackend.StartAsync(1);
        var services = new ServiceCollection();
        services.AddEdgeKit(edge => edge
            .AddCluster("orders", c => c.AddInstances(backend))
            .AddCluster("billing", c => c.AddInstances(backend)));
        services.AddHttpClient("orders", c => c.BaseAddress = LogicalAddress).AddEdgeKitBalancing("ordres");
        await using var provider = services.BuildServiceProvider();

        provider.Invoking(p => p.CreateClient("orders")).Should().Throw<KeyNotFoundException>()
            .WithMessage("No EdgeKit cluster is named 'ordres'. Configured clusters: billing, orders.");
    }

    [Fact]
    public async Task Invalid_clusters_stop_the_host_from_starting_with_every_problem_listed()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddEdgeKit(edge => edge.AddCluster("orders", c => c
            .AddDestination("ftp://10.0.0.1/", id: "one")
            .AddDestination("http://10.0.0.2:8080", weight: 0, id: "two")
            .UseStrategy("Fastest")));
        builder.Services.AddHttpClient("orders", c => c.BaseAddress = LogicalAddress).AddEdgeKitBalancing("orders");
        using var host = builder.Build();

        var thrown = await host.Invoking(h => h.StartAsync()).Should().ThrowAsync<EdgeKitConfigurationException>();

        thrown.Which.Errors.Should().Equal(
            "Cluster 'orders', destination 'one': address 'ftp://10.0.0.1/' must use http or https, not 'ftp'.",
            "Cluster 'orders', destination 'two': Weight must be between 1 and 10000, was 0.",
            "Cluster 'orders': LoadBalancing.Strategy is an unknown load-balancing strategy 'Fastest'. Known strategies: "
                + string.Join(", ", LoadBalancingStrategyCollection.BuiltIn.Names) + ".");
    }
}
