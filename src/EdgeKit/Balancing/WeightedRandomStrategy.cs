using System.Runtime.InteropServices;
using EdgeKit.Destinations;

namespace EdgeKit.Balancing;

/// <summary>A destination chosen at random with probability weight / sum of weights.</summary>
/// <remarks>Cumulative weights are computed once per snapshot; a pick is one random number and a binary search.</remarks>
internal sealed class WeightedRandomStrategy : ILoadBalancingStrategy
{
    public string Name => LoadBalancingStrategyNames.WeightedRandom;

    public DestinationPicker CreatePicker(ClusterSnapshot snapshot, DestinationPicker? previous)
    {
        var destinations = ImmutableCollectionsMarshal.AsArray(snapshot.AvailableDestinations)!;
        var cumulative = new int[destinations.Length];
        int total = 0;
        for (int i = 0; i < destinations.Length; i++)
        {
            total += destinations[i].Destination.Weight;
            cumulative[i] = total;
        }

        return new Picker(destinations, cumulative, total, snapshot.Random);
    }

    private sealed class Picker(DestinationState[] destinations, int[] cumulative, int total, Random random) : DestinationPicker
    {
        public override DestinationState? Pick(in PickContext context)
        {
            if (destinations.Length == 0)
            {
                return null;
            }

            // The first destination whose cumulative weight exceeds the draw.
            int draw = random.Next(total);
            int index = Array.BinarySearch(cumulative, draw);
            index = index >= 0 ? index + 1 : ~index;
            return destinations[index];
        }
    }
}
