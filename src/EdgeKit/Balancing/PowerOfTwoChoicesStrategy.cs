using System.Runtime.InteropServices;
using EdgeKit.Configuration;
using EdgeKit.Destinations;

namespace EdgeKit.Balancing;

/// <summary>
/// Envoy's least_request: two different destinations chosen at random; the one with fewer in-flight
/// requests per unit of weight wins (the first of the two on a tie).
/// </summary>
internal sealed class PowerOfTwoChoicesStrategy : ILoadBalancingStrategy
{
    public string Name => LoadBalancingStrategyNames.PowerOfTwoChoices;

    public DestinationPicker CreatePicker(ClusterSnapshot snapshot, DestinationPicker? previous) =>
        new Picker(
            ImmutableCollectionsMarshal.AsArray(snapshot.AvailableDestinations)!,
            ImmutableCollectionsMarshal.AsArray(snapshot.EffectiveWeights)!,
            snapshot.Random);

    private sealed class Picker(DestinationState[] destinations, int[] weights, Random random) : DestinationPicker
    {
        public override DestinationState? Pick(in PickContext context)
        {
            var all = destinations;
            if (all.Length <= 1)
            {
                return all.Length == 0 ? null : all[0];
            }

            var (i, j) = LoadComparison.TwoDistinct(random, all.Length);
            var first = all[i];
            var second = all[j];
            return LoadComparison.IsLessLoaded(second.InFlight, weights[j], first.InFlight, weights[i]) ? second : first;
        }
    }
}
