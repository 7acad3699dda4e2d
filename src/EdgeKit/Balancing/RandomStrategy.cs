using System.Runtime.InteropServices;
using EdgeKit.Configuration;
using EdgeKit.Destinations;

namespace EdgeKit.Balancing;

/// <summary>A destination chosen uniformly at random, ignoring weights.</summary>
internal sealed class RandomStrategy : ILoadBalancingStrategy
{
    public string Name => LoadBalancingStrategyNames.Random;

    public DestinationPicker CreatePicker(ClusterSnapshot snapshot, DestinationPicker? previous) =>
        new Picker(ImmutableCollectionsMarshal.AsArray(snapshot.AvailableDestinations)!, snapshot.Random);

    private sealed class Picker(DestinationState[] destinations, Random random) : DestinationPicker
    {
        public override DestinationState? Pick(in PickContext context) =>
            destinations.Length == 0 ? null : destinations[random.Next(destinations.Length)];
    }
}
