using EdgeKit.Balancing;
using EdgeKit.Configuration;
using static EdgeKit.Tests.Balancing.StrategyTestHelpers;

namespace EdgeKit.Tests.Balancing;

public class WeightedRoundRobinStrategyTests
{
    [Fact]
    public void Gives_nginx_exact_sequence_for_weights_5_1_1()
    {
        // nginx's smooth weighted round robin for a=5, b=1, c=1: a a b a c a a, then repeats.
        var cluster = CreateCluster(LoadBalancingStrategyNames.WeightedRoundRobin, 3, weight: i => i == 0 ? 5 : 1);
        var ids = Enumerable.Range(0, 14).Select(_ => cluster.Pick(default)!.Id).ToArray();

        ids.Should().Equal("d0", "d0", "d1", "d0", "d2", "d0", "d0", "d0", "d0", "d1", "d0", "d2", "d0", "d0");
    }

    [Theory]
    [InlineData(new[] { 5, 1, 1 }, new[] { 0, 0, 1, 0, 2, 0, 0 })]
    [InlineData(new[] { 4, 2, 1 }, new[] { 0, 1, 0, 2, 0, 1, 0 })]
    [InlineData(new[] { 2, 2 }, new[] { 0, 1 })]
    [InlineData(new[] { 10, 20 }, new[] { 1, 0, 1 })]
    public void Builds_one_period_of_the_smooth_sequence(int[] weights, int[] expected)
    {
        WeightedRoundRobinStrategy.BuildSequence(weights).Should().Equal(expected);
    }

    [Fact]
    public void Shares_traffic_exactly_by_weight_over_whole_periods()
    {
        var cluster = CreateCluster(LoadBalancingStrategyNames.WeightedRoundRobin, 4, weight: i => i + 1);
        var counts = Distribution(cluster, 10 * 100);

        counts.Should().Equal(new Dictionary<string, int> { ["d0"] = 100, ["d1"] = 200, ["d2"] = 300, ["d3"] = 400 });
    }

    [Fact]
    public void Bounds_the_table_for_huge_weight_sums_and_keeps_shares()
    {
        var weights = Enumerable.Range(0, 100).Select(i => 9_999 - i).ToArray();
        var sequence = WeightedRoundRobinStrategy.BuildSequence(weights);

        sequence.Length.Should().BeLessThanOrEqualTo(WeightedRoundRobinStrategy.MaxSequenceLength + weights.Length);
        var counts = sequence.GroupBy(i => i).ToDictionary(g => g.Key, g => g.Count());
        counts.Should().HaveCount(100);
        double total = weights.Sum();
        foreach (var (index, count) in counts)
        {
            double expected = weights[index] / total * sequence.Length;
            count.Should().BeCloseTo((int)Math.Round(expected), 1);
        }
    }

    [Fact]
    public void Skips_unhealthy_destinations()
    {
        var cluster = CreateCluster(LoadBalancingStrategyNames.WeightedRoundRobin, 3, weight: i => i + 1);
        cluster.SetHealth(State(cluster, "d2"), EdgeKit.Destinations.DestinationHealth.Unhealthy);

        Distribution(cluster, 300).Should().Equal(new Dictionary<string, int> { ["d0"] = 100, ["d1"] = 200, ["d2"] = 0 });
    }
}
