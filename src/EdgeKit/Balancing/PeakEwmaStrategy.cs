using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using EdgeKit.Configuration;
using EdgeKit.Destinations;

namespace EdgeKit.Balancing;

/// <summary>
/// Peak EWMA (Finagle, Linkerd): two different destinations chosen at random; the lower
/// latency EWMA × (in-flight + 1), divided by weight, wins.
/// </summary>
/// <remarks>
/// The latency estimate is the destination's peak-sensitive EWMA (<see cref="DestinationState.GetLatencyEstimate"/>),
/// decayed toward zero for the time since its last observation so an idle destination is tried again.
/// A destination never measured costs nothing while idle (so it gets probed) and a large penalty while
/// it has requests in flight (so it is not flooded before its first answer), as in Finagle.
/// The decay is the cluster's <see cref="LoadBalancingOptions.LatencyDecay"/> (default 10 s).
/// </remarks>
internal sealed class PeakEwmaStrategy : ILoadBalancingStrategy
{
    /// <summary>The cost of an unmeasured destination with requests in flight, before adding them.</summary>
    internal const double Penalty = long.MaxValue >> 16;

    public string Name => LoadBalancingStrategyNames.PeakEwma;

    public DestinationPicker CreatePicker(ClusterSnapshot snapshot, DestinationPicker? previous) =>
        new Picker(
            ImmutableCollectionsMarshal.AsArray(snapshot.AvailableDestinations)!,
            ImmutableCollectionsMarshal.AsArray(snapshot.EffectiveWeights)!,
            snapshot.Random);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static double Score(DestinationState destination, int weight, long now)
    {
        int inFlight = destination.InFlight;
        double cost = destination.GetDecayedCost(now);
        double load = cost == 0
            ? (inFlight == 0 ? 0 : Penalty + inFlight)
            : cost * (inFlight + 1);
        return load / weight;
    }

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
            long now = context.Timestamp;
            return Score(second, weights[j], now) < Score(first, weights[i], now) ? second : first;
        }
    }
}
