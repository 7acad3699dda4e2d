using System.Runtime.InteropServices;
using EdgeKit.Configuration;
using EdgeKit.Destinations;

namespace EdgeKit.Balancing;

/// <summary>Each available destination in turn, ignoring weights (but honouring slow start).</summary>
internal sealed class RoundRobinStrategy : ILoadBalancingStrategy
{
    public string Name => LoadBalancingStrategyNames.RoundRobin;

    public DestinationPicker CreatePicker(ClusterSnapshot snapshot, DestinationPicker? previous)
    {
        var destinations = ImmutableCollectionsMarshal.AsArray(snapshot.AvailableDestinations)!;
        var counter = previous switch
        {
            Picker picker => picker.Counter,
            WeightedRoundRobinStrategy.Picker ramping => ramping.Counter,
            _ => new SharedCounter(snapshot.Random.Next()),
        };

        if (!snapshot.HasSlowStart)
        {
            return new Picker(destinations, counter);
        }

        // While destinations ramp up, equal shares become the slow-start factors: a smooth weighted sequence over them.
        var shares = new int[destinations.Length];
        for (int i = 0; i < shares.Length; i++)
        {
            shares[i] = Math.Max(1, snapshot.EffectiveWeights[i] / destinations[i].Destination.Weight);
        }

        return new WeightedRoundRobinStrategy.Picker(destinations, WeightedRoundRobinStrategy.BuildSequence(shares), counter);
    }

    internal sealed class Picker(DestinationState[] destinations, SharedCounter counter) : DestinationPicker
    {
        internal SharedCounter Counter { get; } = counter;

        public override DestinationState? Pick(in PickContext context)
        {
            var all = destinations;
            if (all.Length == 0)
            {
                return null;
            }

            uint next = Counter.Next();
            return all[next % (uint)all.Length];
        }
    }
}
