using EdgeKit.Configuration;
using static EdgeKit.Tests.Balancing.StrategyTestHelpers;

namespace EdgeKit.Tests.Balancing;

public class LeastRequestsStrategyTests
{
    [Fact]
    public void Picks_the_minimum_in_flight()
    {
        var cluster = CreateCluster(LoadBalancingStrategyNames.LeastRequests, 5);
        int[] loads = [7, 3, 9, 1, 4];
        for (int i = 0; i < loads.Length; i++)
        {
            SetInFlight(State(cluster, $"d{i}"), loads[i]);
        }

        for (int i = 0; i < 100; i++)
        {
            cluster.Pick(default)!.Id.Should().Be("d3");
        }
    }

    [Fact]
    public void Weighs_in_flight_by_weight()
    {
        // (in-flight + 1) / weight: d0 = 5/4 = 1.25, d1 = 2/1 = 2, so d0 wins despite more requests.
        var cluster = CreateCluster(LoadBalancingStrategyNames.LeastRequests, 2, weight: i => i == 0 ? 4 : 1);
        SetInFlight(State(cluster, "d0"), 4);
        SetInFlight(State(cluster, "d1"), 1);

        cluster.Pick(default)!.Id.Should().Be("d0");
    }

    [Fact]
    public void Shares_ties_between_equal_destinations()
    {
        var cluster = CreateCluster(LoadBalancingStrategyNames.LeastRequests, 4);
        var counts = Distribution(cluster, 40_000);

        counts.Values.Should().AllSatisfy(c => c.Should().BeInRange(9_000, 11_000));
    }

    [Fact]
    public void Keeps_loads_level_when_requests_stay_in_flight()
    {
        var cluster = CreateCluster(LoadBalancingStrategyNames.LeastRequests, 5);
        for (int i = 0; i < 50; i++)
        {
            cluster.Pick(default)!.BeginRequest();
        }

        cluster.Snapshot.AllDestinations.Select(d => d.InFlight).Should().AllBeEquivalentTo(10);
    }
}
