using EdgeKit.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using EdgeKit.Configuration;
using static EdgeKit.IntegrationTests.Infrastructure.ServiceProviderEdgeKitExtensions;

namespace EdgeKit.IntegrationTests.Client;

/// <summary>How requests sent through a balanced HttpClient spread over real servers, counted by the servers.</summary>
public class BalancingHandlerDistributionTests
{
    private const string Cluster = "orders";

    [Fact]
    public async Task Round_robin_gives_each_instance_exactly_the_same_share_through_a_named_client()
    {
        await using var backend = await TestBackend.StartAsync(3);
        var services = new ServiceCollection();
        services.AddEdgeKit(edge => edge.AddCluster(Cluster, c => c.AddInstances(backend).UseRoundRobin()));
        services.AddHttpClient("orders", c => c.BaseAddress = LogicalAddress).AddEdgeKitBalancing(Cluster);
        await using var provider = services.BuildServiceProvider();

        var answered = await Traffic.DistributionAsync(new EchoClient(provider.CreateClient("orders")), 300);

        // Every pick advances one shared counter, so 300 picks over 3 instances are exactly 100 each,
        // whatever the concurrency and wherever the sequence started.
        var expected = new Dictionary<string, int> { ["b0"] = 100, ["b1"] = 100, ["b2"] = 100 };
        backend.RequestCounts.Should().BeEquivalentTo(expected);
        answered.Should().BeEquivalentTo(expected);
    }

    [Fact]
    public async Task Weighted_round_robin_gives_each_instance_exactly_its_weighted_share_through_a_typed_client()
    {
        await using var backend = await TestBackend.StartAsync(3);
        var services = new ServiceCollection();
        services.AddEdgeKit(edge => edge.AddCluster(Cluster, c => c
            .AddInstances(backend, weight: i => i + 1)
            .UseWeightedRoundRobin()));
        services.AddHttpClient<EchoClient>(c => c.BaseAddress = LogicalAddress).AddEdgeKitBalancing(Cluster);
        await using var provider = services.BuildServiceProvider();

        await Traffic.DistributionAsync(provider.GetRequiredService<EchoClient>(), 600);

        // Weights 1, 2, 3: the sequence has period 6, so 600 picks are exactly 100, 200 and 300.
        backend.RequestCounts.Should().BeEquivalentTo(new Dictionary<string, int> { ["b0"] = 100, ["b1"] = 200, ["b2"] = 300 });
    }

    [Theory]
    [InlineData(LoadBalancingStrategyNames.Random, false)]
    [InlineData(LoadBalancingStrategyNames.Random, true)]
    [InlineData(LoadBalancingStrategyNames.PowerOfTwoChoices, false)]
    [InlineData(LoadBalancingStrategyNames.PowerOfTwoChoices, true)]
    public async Task Random_choices_give_each_instance_an_equal_share_within_tolerance(string strategy, bool typedClient)
    {
        await using var backend = await TestBackend.StartAsync(3);
        var services = new ServiceCollection();
        services.AddEdgeKit(edge => edge.AddCluster(Cluster, c => c.AddInstances(backend).UseStrategy(strategy)));
        if (typedClient)
        {
            services.AddHttpClient<EchoClient>(c => c.BaseAddress = LogicalAddress).AddEdgeKitBalancing(Cluster);
        }
        else
        {
            services.AddHttpClient("orders", c => c.BaseAddress = LogicalAddress).AddEdgeKitBalancing(Cluster);
        }

        await using var provider = services.BuildServiceProvider();
        var client = typedClient ? provider.GetRequiredService<EchoClient>() : new EchoClient(provider.CreateClient("orders"));

        await Traffic.DistributionAsync(client, 600);

        // Uniform random over 3: each count is Binomial(600, 1/3), mean 200, standard deviation 11.5.
        // ±60 is 5.2 standard deviations: a correct strategy falls outside once in millions of runs.
        // Power of two choices is at least as even (it also prefers the less loaded of its two).
        backend.TotalRequests.Should().Be(600);
        backend.RequestCounts.Values.Should().AllSatisfy(count => count.Should().BeInRange(140, 260));
    }

    [Fact]
    public async Task Weighted_random_gives_each_instance_its_weighted_share_within_tolerance()
    {
        await using var backend = await TestBackend.StartAsync(3);
        var services = new ServiceCollection();
        services.AddEdgeKit(edge => edge.AddCluster(Cluster, c => c
            .AddInstances(backend, weight: i => i == 2 ? 2 : 1)
            .UseWeightedRandom()));
        services.AddHttpClient<EchoClient>(c => c.BaseAddress = LogicalAddress).AddEdgeKitBalancing(Cluster);
        await using var provider = services.BuildServiceProvider();

        await Traffic.DistributionAsync(provider.GetRequiredService<EchoClient>(), 800);

        // Weights 1, 1, 2 of 800: means 200, 200, 400; standard deviations 12.2, 12.2, 14.1.
        // ±70 is at least 5 standard deviations.
        var counts = backend.RequestCounts;
        counts["b0"].Should().BeInRange(130, 270);
        counts["b1"].Should().BeInRange(130, 270);
        counts["b2"].Should().BeInRange(330, 470);
        backend.TotalRequests.Should().Be(800);
    }
}
