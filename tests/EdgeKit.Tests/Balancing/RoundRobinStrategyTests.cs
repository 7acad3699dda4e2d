using EdgeKit.Configuration;
using static EdgeKit.Tests.Balancing.StrategyTestHelpers;

namespace EdgeKit.Tests.Balancing;

public class RoundRobinStrategyTests
{
    [Fact]
    public void Visits_each_destination_in_turn()
    {
        var cluster = CreateCluster(LoadBalancingStrategyNames.RoundRobin, 3);
        var ids = Enumerable.Range(0, 9).Select(_ => cluster.Pick(default)!.Id).ToArray();

        // Whatever the starting point, the order is the configured order, cyclically.
        int start = Array.IndexOf(new[] { "d0", "d1", "d2" }, ids[0]);
        ids.Should().Equal(Enumerable.Range(0, 9).Select(i => $"d{(start + i) % 3}"));
    }

    [Fact]
    public void Ignores_weights()
    {
        var cluster = CreateCluster(LoadBalancingStrategyNames.RoundRobin, 3, weight: i => i == 0 ? 10 : 1);
        Distribution(cluster, 300).Values.Should().AllBeEquivalentTo(100);
    }

    [Fact]
    public void Returns_null_without_destinations()
    {
        var cluster = CreateCluster(LoadBalancingStrategyNames.RoundRobin, 0);
        cluster.Pick(default).Should().BeNull();
    }

    [Fact]
    public void Continues_its_sequence_across_a_snapshot_change()
    {
        var cluster = CreateCluster(LoadBalancingStrategyNames.RoundRobin, 3);
        var first = cluster.Pick(default)!.Id;
        cluster.UpdateDestinations(cluster.Snapshot.AllDestinations.Select(d => d.Destination));
        var second = cluster.Pick(default)!.Id;
        second.Should().NotBe(first);
    }
}
