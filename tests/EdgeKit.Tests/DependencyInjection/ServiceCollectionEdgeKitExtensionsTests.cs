using EdgeKit.Balancing;
using EdgeKit.Destinations;
using EdgeKit.Health;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace EdgeKit.Tests.DependencyInjection;

public class ServiceCollectionEdgeKitExtensionsTests
{
    [Fact]
    public void Adding_EdgeKit_twice_is_harmless()
    {
        var services = new ServiceCollection();
        var first = services.AddEdgeKit(edge => edge.AddCluster("orders", c => c.AddDestinations("http://10.0.0.1:8080")));
        var second = services.AddEdgeKit();

        second.Services.Should().BeSameAs(first.Services);
        services.Count(d => d.ServiceType == typeof(ILoadBalancingStrategy)).Should().Be(LoadBalancingStrategyCollection.BuiltIn.Names.Count);
        services.Count(d => d.ServiceType == typeof(IHostedService)).Should().Be(2, "the startup validator and the active health prober");
        services.Count(d => d.ServiceType == typeof(ActiveHealthProber)).Should().Be(1);
        services.Count(d => d.ServiceType == typeof(ClusterRegistry)).Should().Be(1);

        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
        provider.GetServices<ILoadBalancingStrategy>().Select(s => s.Name).Should().OnlyHaveUniqueItems().And.HaveCount(LoadBalancingStrategyCollection.BuiltIn.Names.Count);
        provider.GetRequiredService<ClusterRegistry>().GetCluster("orders").Snapshot.AllDestinations.Should().ContainSingle();
    }

    [Fact]
    public void The_active_health_prober_is_one_hosted_service_resolvable_by_its_type()
    {
        using var provider = new ServiceCollection().AddEdgeKit().Services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });

        var prober = provider.GetRequiredService<ActiveHealthProber>();
        provider.GetServices<IHostedService>().OfType<ActiveHealthProber>().Should().ContainSingle().Which.Should().BeSameAs(prober);
    }

    [Fact]
    public void The_registry_is_one_singleton_shared_by_every_consumer()
    {
        using var provider = new ServiceCollection().AddEdgeKit(edge => edge.AddCluster("orders", c => c.AddDestinations("http://10.0.0.1:8080")))
            .Services.BuildServiceProvider();

        provider.GetRequiredService<ClusterRegistry>().Should().BeSameAs(provider.GetRequiredService<ClusterRegistry>());
        provider.GetRequiredService<ClusterEnvironment>().Should().BeSameAs(provider.GetRequiredService<ClusterRegistry>().Environment);
        provider.GetRequiredService<ClusterEnvironment>().TimeProvider.Should().BeSameAs(TimeProvider.System);
    }
}
