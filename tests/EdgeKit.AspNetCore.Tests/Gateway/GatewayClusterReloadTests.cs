using EdgeKit.AspNetCore.Gateway;
using EdgeKit.Destinations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeKit.AspNetCore.Tests.Gateway;

/// <summary>
/// With the gateway registered, cluster changes are applied by the gateway together with the routes (both or neither),
/// never by the core's ClusterRegistryHost alone: AddGateway() makes that choice at registration
/// (ApplyClusterReloadsElsewhere), so it holds from the first reload, before the routes are even built.
/// </summary>
public sealed class GatewayClusterReloadTests
{
    [Fact]
    public void With_the_gateway_registered_the_registry_host_applies_no_cluster_change_alone()
    {
        var configuration = Configuration();
        using var services = Services(configuration);
        var orders = services.GetRequiredService<ClusterRegistry>().GetCluster("orders");

        configuration["EdgeKit:Clusters:orders:Destinations:b:Address"] = "http://10.0.0.2:8080";
        configuration.Reload();

        orders.Snapshot.AllDestinations.Select(d => d.Id).Should().Equal(["a"], "the routes were not built yet: nothing validated the change with them");
    }

    [Fact]
    public void The_gateway_applies_a_cluster_change_with_the_routes_and_neither_when_the_routes_do_not_validate()
    {
        var configuration = Configuration();
        using var services = Services(configuration);
        var registry = services.GetRequiredService<ClusterRegistry>();
        var routes = services.GetRequiredService<GatewayConfiguration>();

        configuration["EdgeKit:Clusters:orders:Destinations:b:Address"] = "http://10.0.0.2:8080";
        configuration.Reload();
        registry.GetCluster("orders").Snapshot.AllDestinations.Select(d => d.Id).Should().Equal("a", "b");

        configuration["EdgeKit:Clusters:orders:Destinations:c:Address"] = "http://10.0.0.3:8080";
        configuration["EdgeKit:Routes:r:Cluster"] = "nowhere";
        configuration.Reload();

        registry.GetCluster("orders").Snapshot.AllDestinations.Select(d => d.Id).Should().Equal(["a", "b"], "the routes did not validate: the clusters' part of the change is not applied either");
        routes.Current.Routes.Should().ContainSingle().Which.Options.Cluster.Should().Be("orders");
    }

    private static IConfigurationRoot Configuration() => new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["EdgeKit:Clusters:orders:Destinations:a:Address"] = "http://10.0.0.1:8080",
        ["EdgeKit:Routes:r:Match:Path"] = "/orders/{**rest}",
        ["EdgeKit:Routes:r:Cluster"] = "orders",
    }).Build();

    private static ServiceProvider Services(IConfigurationRoot configuration)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddEdgeKit().AddGateway(configuration.GetSection("EdgeKit"));
        return services.BuildServiceProvider();
    }
}
