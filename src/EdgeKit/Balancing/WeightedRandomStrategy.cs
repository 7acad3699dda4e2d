using System.Runtime.InteropServices;
using EdgeKit.Configuration;
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
        var weights = snapshot.EffectiveWeights;
        var cumulative = new long[destinations.Length];
        long total = 0;
        for (int i = 0; i < destinations.Length; i++)
        {
            total += weights[i];
            cumulative[i] = total;
        }

        return new Picker(destinations, cumulative, total, snapshot.Random);
    }

    private sealed class Picker(DestinationState[] destinations, long[] cumulative, long total, Random random) : DestinationPicker
    {
        public override DestinationState? Pick(in PickContext context)
        {
            if (destinations.Length == 0)
            {
                return null;
            }

            // The first destination whose cumulative weight exceeds the draw: a linear scan for small sets,
            // a binary search for large ones.
            long draw = random.NextInt64(total);
            var sums = cumulative;
            if (sums.Length <= 16)
            {
                int i = 0;
                while (sums[i] <= draw)
                {
                    i++;
                }

                return destinations[i];
            }

            int low = 0, high = sums.Length - 1;
            while (low < high)
            {
                int mid = (low + high) >>> 1;
                if (sums[mid] <= draw)
                {
                    low = mid + 1;
                }
                else
                {
                    high = mid;
                }
            }

            return destinations[low];
        }
    }
}
