using EdgeKit.Client;
using EdgeKit.Destinations;
using EdgeKit.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static EdgeKit.IntegrationTests.Infrastructure.ServiceProviderEdgeKitExtensions;

namespace EdgeKit.IntegrationTests.Client;

/// <summary>What a balanced HttpClient does when its cluster has no destination to send to.</summary>
public class NoAvailableDestinationExceptionTests
{
    private const string Cluster = "orders";

    [Fact]
    public async Task A_cluster_whose_destinations_are_all_unhealthy_fails_the_request_without_sending_it()
    {
        await using var backend = await TestBackend.StartAsync(3);
        var services = new ServiceCollection();
        services.AddEdgeKit(edge => edge.AddCluster(Cluster, c => c.AddInstances(backend).UseRoundRobin().WithPanicThreshold(0)));
        services.AddHttpClient<EchoClient>(c => c.BaseAddress = LogicalAddress).AddEdgeKitBalancing(Cluster);
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<EchoClient>();
        var cluster = provider.GetCluster(Cluster);
        foreach (var destination in cluster.Snapshot.AllDestinations)
        {
            cluster.SetHealth(destination, DestinationHealth.Unhealthy).Should().BeTrue();
        }

        var thrown = await client.Invoking(c => c.GetAsync("/")).Should().ThrowExactlyAsync<NoAvailableDestinationException>();

        thrown.Which.Message.Should().Be("Cluster 'orders' has no available destination: all 3 are unhealthy.");
        thrown.Which.ClusterName.Should().Be("orders");
        thrown.Which.ConfiguredDestinations.Should().Be(3);
        backend.TotalRequests.Should().Be(0);

        cluster.SetHealth(provider.GetDestination(Cluster, "b1"), DestinationHealth.Healthy).Should().BeTrue();
        (await client.GetAsync("/")).Instance.Should().Be("b1", "b1 is the only available destination again");
    }

    [Fact]
    public async Task Through_the_standard_resilience_handler_the_same_exception_surfaces()
    {
        await using var backend = await TestBackend.StartAsync(2);
        var services = new ServiceCollection();
        services.AddEdgeKit(edge => edge.AddCluster(Cluster, c => c.AddInstances(backend).WithPanicThreshold(0)));
        var client = services.AddHttpClient("orders", c => c.BaseAddress = LogicalAddress);
        client.AddStandardResilienceHandler(o => o.Retry.Delay = TimeSpan.Zero);
        client.AddEdgeKitBalancing(Cluster);
        await using var provider = services.BuildServiceProvider();
        var cluster = provider.GetCluster(Cluster);
        foreach (var destination in cluster.Snapshot.AllDestinations)
        {
            cluster.SetHealth(destination, DestinationHealth.Unhealthy);
        }

        var thrown = await provider.CreateClient("orders").Invoking(c => c.GetAsync("/")).Should().ThrowExactlyAsync<NoAvailableDestinationException>();

        thrown.Which.Message.Should().Be("Cluster 'orders' has no available destination: all 2 are unhealthy.");
        backend.TotalRequests.Should().Be(0);
    }

    [Fact]
    public async Task Without_dependency_injection_a_cluster_without_destinations_says_so()
    {
        var cluster = new Cluster("empty");
        using var http = new HttpClient(new BalancingHandler(cluster, new SocketsHttpHandler())) { BaseAddress = LogicalAddress };

        var thrown = await http.Invoking(c => c.GetAsync("/")).Should().ThrowExactlyAsync<NoAvailableDestinationException>();

        thrown.Which.Message.Should().Be("Cluster 'empty' has no destinations. Add destinations to it in code or configuration.");
        thrown.Which.ConfiguredDestinations.Should().Be(0);
    }
}
