using System.Runtime.InteropServices;
using EdgeKit.Configuration;
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

            // Scan from a random start so that ties are shared; two plain loops rather than a wrap-around branch.
            int start = random.Next(all.Length);
            int best = start;
            int bestInFlight = all[start].InFlight;
            int bestWeight = weights[start];
            for (int i = start + 1; i < all.Length; i++)
            {
                int inFlight = all[i].InFlight;
                if (LoadComparison.IsLessLoaded(inFlight, weights[i], bestInFlight, bestWeight))
                {
                    (best, bestInFlight, bestWeight) = (i, inFlight, weights[i]);
                }
            }

            for (int i = 0; i < start; i++)
            {
                int inFlight = all[i].InFlight;
                if (LoadComparison.IsLessLoaded(inFlight, weights[i], bestInFlight, bestWeight))
                {
                    (best, bestInFlight, bestWeight) = (i, inFlight, weights[i]);
                }
            }

            return all[best];
        }
    }
}
