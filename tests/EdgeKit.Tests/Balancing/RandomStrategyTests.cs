using EdgeKit.Configuration;
using static EdgeKit.Tests.Balancing.StrategyTestHelpers;

namespace EdgeKit.Tests.Balancing;

public class RandomStrategyTests
{
    [Fact]
    public void Spreads_uniformly_within_five_percent()
    {
        // 100,000 picks over 4 destinations: each expects 25,000 with a standard deviation of ~137,
        // so ±5% (1,250, about 9 sigma) cannot fail by chance; the seed makes it repeatable anyway.
        var cluster = CreateCluster(LoadBalancingStrategyNames.Random, 4, weight: i => i + 1);
        var counts = Distribution(cluster, 100_000);

        counts.Values.Should().AllSatisfy(c => c.Should().BeInRange(23_750, 26_250));
    }

    [Fact]
    public void Uses_the_injected_random_source()
    {
        var first = Distribution(CreateCluster(LoadBalancingStrategyNames.Random, 5, new Random(7)), 50);
        var second = Distribution(CreateCluster(LoadBalancingStrategyNames.Random, 5, new Random(7)), 50);

        first.Should().Equal(second);
    }
}

public class WeightedRandomStrategyTests
{
    [Fact]
    public void Spreads_in_proportion_to_weight_within_three_percent()
    {
        // Weights 1,2,3,4 over 100,000 picks: expected 10k, 20k, 30k, 40k (sigma at most ~155).
        var cluster = CreateCluster(LoadBalancingStrategyNames.WeightedRandom, 4, weight: i => i + 1);
        var counts = Distribution(cluster, 100_000);

        for (int i = 0; i < 4; i++)
        {
            int expected = (i + 1) * 10_000;
            counts[$"d{i}"].Should().BeCloseTo(expected, (uint)(expected * 0.03));
        }
    }

    [Fact]
    public void Spreads_in_proportion_to_weight_over_many_destinations_too()
    {
        // 20 destinations (the binary-search path), weights 1..20, 210,000 picks: destination i expects 1,000 × (i + 1).
        var cluster = CreateCluster(LoadBalancingStrategyNames.WeightedRandom, 20, weight: i => i + 1);
        var counts = Distribution(cluster, 210_000);

        for (int i = 0; i < 20; i++)
        {
            int expected = (i + 1) * 1_000;
            counts[$"d{i}"].Should().BeCloseTo(expected, (uint)Math.Max(200, expected * 0.05), $"d{i} has weight {i + 1}");
        }
    }

    [Fact]
    public void Never_picks_outside_the_available_set()
    {
        var cluster = CreateCluster(LoadBalancingStrategyNames.WeightedRandom, 3, weight: i => 100);
        cluster.SetHealth(State(cluster, "d1"), EdgeKit.Destinations.DestinationHealth.Unhealthy);

        var counts = Distribution(cluster, 10_000);

        counts["d1"].Should().Be(0);
        counts["d0"].Should().BeCloseTo(5_000, 400);
    }
}
