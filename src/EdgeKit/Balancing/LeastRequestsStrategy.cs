using System.Runtime.InteropServices;
using EdgeKit.Destinations;

namespace EdgeKit.Balancing;

/// <summary>
/// The destination with the fewest in-flight requests per unit of weight, found by scanning every
/// available destination. Ties go to the first found from a random starting point, so equal
/// destinations share the traffic.
/// </summary>
internal sealed class LeastRequestsStrategy : ILoadBalancingStrategy
{
    public string Name => LoadBalancingStrategyNames.LeastRequests;

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

            int start = random.Next(all.Length);
            var best = all[start];
            int bestInFlight = best.InFlight;
            int bestWeight = weights[start];
            for (int i = 1; i < all.Length; i++)
            {
                int index = start + i;
                if (index >= all.Length)
                {
                    index -= all.Length;
                }

                var candidate = all[index];
                int inFlight = candidate.InFlight;
                int weight = weights[index];
                if (LoadComparison.IsLessLoaded(inFlight, weight, bestInFlight, bestWeight))
                {
                    best = candidate;
                    bestInFlight = inFlight;
                    bestWeight = weight;
                }
            }

            return best;
        }
    }
}
