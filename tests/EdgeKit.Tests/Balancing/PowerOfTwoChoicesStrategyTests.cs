using EdgeKit.Balancing;
using EdgeKit.Configuration;
using static EdgeKit.Tests.Balancing.StrategyTestHelpers;

namespace EdgeKit.Tests.Balancing;

public class PowerOfTwoChoicesStrategyTests
{
    /// <summary>Replays the picker's two draws with an identical random source to learn which pair it compared.</summary>
    private static (int First, int Second) NextPair(Random shadow, int count) => LoadComparison.TwoDistinct(shadow, count);

    [Fact]
    public void Never_picks_the_more_loaded_of_its_two_choices()
    {
        var cluster = CreateCluster(LoadBalancingStrategyNames.PowerOfTwoChoices, 10, new Random(99));
        var shadow = new Random(99); // same seed as the picker's: replays its draws

        var random = new Random(5);
        var states = cluster.Snapshot.AvailableDestinations;
        for (int i = 0; i < 10_000; i++)
        {
            // New random loads before every pick.
            foreach (var state in states)
            {
                SetInFlight(state, random.Next(0, 20));
            }

            var (a, b) = NextPair(shadow, states.Length);
            var picked = cluster.Pick(default)!;
            var expected = states[b].InFlight < states[a].InFlight ? states[b] : states[a];
            if (!ReferenceEquals(picked, expected))
            {
                // One assertion per failure only: FluentAssertions is slow in a 10,000-pick loop.
                picked.Should().BeSameAs(expected, $"pick {i} compared {states[a].Id} ({states[a].InFlight}) with {states[b].Id} ({states[b].InFlight})");
            }
        }
    }

    [Fact]
    public void Respects_weights()
    {
        // d0 has weight 3: with equal loads it takes about three times the share of a weight-1 peer
        // once requests stay in flight (loads converge to in-flight proportional to weight).
        var cluster = CreateCluster(LoadBalancingStrategyNames.PowerOfTwoChoices, 3, weight: i => i == 0 ? 3 : 1);
        for (int i = 0; i < 5_000; i++)
        {
            cluster.Pick(default)!.BeginRequest();
        }

        var loads = cluster.Snapshot.AllDestinations.ToDictionary(d => d.Id, d => d.InFlight);
        ((double)loads["d0"] / loads["d1"]).Should().BeApproximately(3, 0.15);
        ((double)loads["d0"] / loads["d2"]).Should().BeApproximately(3, 0.15);
    }

    [Fact]
    public void Works_with_one_destination_and_none()
    {
        CreateCluster(LoadBalancingStrategyNames.PowerOfTwoChoices, 1).Pick(default)!.Id.Should().Be("d0");
        CreateCluster(LoadBalancingStrategyNames.PowerOfTwoChoices, 0).Pick(default).Should().BeNull();
    }

    [Fact]
    public void Is_the_default_strategy()
    {
        new LoadBalancingOptions().Strategy.Should().Be(LoadBalancingStrategyNames.PowerOfTwoChoices);
    }
}
