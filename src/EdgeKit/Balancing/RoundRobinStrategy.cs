using System.Runtime.InteropServices;
using EdgeKit.Destinations;

namespace EdgeKit.Balancing;

/// <summary>Each available destination in turn, ignoring weights.</summary>
internal sealed class RoundRobinStrategy : ILoadBalancingStrategy
{
    public string Name => LoadBalancingStrategyNames.RoundRobin;

    public DestinationPicker CreatePicker(ClusterSnapshot snapshot, DestinationPicker? previous) =>
        new Picker(
            ImmutableCollectionsMarshal.AsArray(snapshot.AvailableDestinations)!,
            (previous as Picker)?.Counter ?? new SharedCounter(snapshot.Random.Next()));

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
