using System.Net;
using EdgeKit.Destinations;
using EdgeKit.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using EdgeKit.Client;
using static EdgeKit.IntegrationTests.Infrastructure.ServiceProviderEdgeKitExtensions;

namespace EdgeKit.IntegrationTests.Health;

/// <summary>When too few destinations are healthy, the cluster routes across every destination not known dead.</summary>
public class PanicRoutingTests
{
    private const string Cluster = "orders";

    [Fact]
    public async Task Below_the_panic_threshold_backends_that_probes_mark_unhealthy_still_get_nothing()
    {
        await using var backend = await TestBackend.StartAsync(3);
        var services = new ServiceCollection();
        services.AddEdgeKit(edge => edge.AddCluster(Cluster, c => c.AddInstances(backend).UseRoundRobin()));
        services.AddHttpClient(Cluster, c => c.BaseAddress = LogicalAddress).AddEdgeKitBalancing(Cluster);
        await using var provider = services.BuildServiceProvider();
        var client = provider.CreateClient(Cluster);
        var cluster = provider.GetCluster(Cluster);

        // Probes say two of three are down: known dead, so panic (1 of 3 healthy) spreads over the one left, not over them.
        cluster.SetHealth(provider.GetDestination(Cluster, "b0"), DestinationHealth.Unhealthy);
        cluster.SetHealth(provider.GetDestination(Cluster, "b1"), DestinationHealth.Unhealthy);
        cluster.Snapshot.IsPanic.Should().BeTrue("1 of 3 healthy is below the default 50%");

        for (int i = 0; i < 90; i++)
        {
            using var response = await client.GetAsync("/");
            response.StatusCode.Should().Be(HttpStatusCode.OK);
        }

        backend.RequestCounts.Should().Equal(new Dictionary<string, int> { ["b0"] = 0, ["b1"] = 0, ["b2"] = 90 });

        // One recovers: 2 of 3 healthy, no panic, the unhealthy one gets nothing.
        cluster.SetHealth(provider.GetDestination(Cluster, "b0"), DestinationHealth.Healthy);
        for (int i = 0; i < 40; i++)
        {
            using var response = await client.GetAsync("/");
        }

        backend.RequestCounts["b1"].Should().Be(0);
        cluster.Snapshot.IsPanic.Should().BeFalse();
    }

    [Fact]
    public async Task When_no_backend_answers_the_caller_gets_an_exception_naming_the_cluster_and_what_was_tried()
    {
        await using var backend = await TestBackend.StartAsync(3);
        var services = new ServiceCollection();
        services.AddEdgeKit(edge => edge.AddCluster(Cluster, c => c.AddInstances(backend).UseRoundRobin()));
        services.AddHttpClient(Cluster, c => c.BaseAddress = LogicalAddress)
            .AddEdgeKitBalancing(Cluster)
            .AddEdgeKitResilience();
        await using var provider = services.BuildServiceProvider();
        var client = provider.CreateClient(Cluster);
        foreach (var instance in backend.Instances)
        {
            await instance.StopAsync();
        }

        var thrown = await client.Invoking(c => c.GetAsync("/")).Should().ThrowExactlyAsync<ClusterRequestFailedException>();

        thrown.Which.ClusterName.Should().Be(Cluster);
        thrown.Which.FailedDestinations.Should().HaveCount(3, "the default two retries each go to a destination not yet tried")
            .And.OnlyHaveUniqueItems();
        thrown.Which.Message.Should().StartWith("Cluster 'orders': no destination answered; tried 'b");
        thrown.Which.HttpRequestError.Should().Be(HttpRequestError.ConnectionError);
    }
}
