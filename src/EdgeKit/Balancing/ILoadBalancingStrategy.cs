using EdgeKit.Destinations;

namespace EdgeKit.Balancing;

/// <summary>
/// A load-balancing strategy: a name that configuration refers to, and a factory of
/// <see cref="DestinationPicker"/>s, one per cluster snapshot.
/// </summary>
/// <remarks>
/// Strategies are singletons shared by every cluster that names them; per-cluster settings come from
/// <see cref="ClusterSnapshot.LoadBalancing"/>. Register a custom strategy with
/// <c>IEdgeKitBuilder.AddLoadBalancingStrategy</c>; a second strategy with the same name is an error.
/// </remarks>
public interface ILoadBalancingStrategy
{
    /// <summary>The name configuration uses to select this strategy; compared case-insensitively.</summary>
    string Name { get; }

    /// <summary>Builds the picker for a new snapshot of a cluster. Called off the request path.</summary>
    /// <param name="snapshot">The snapshot the picker picks from.</param>
    /// <param name="previous">The picker of the cluster's previous snapshot, whose state may be carried over; <see langword="null"/> for the first.</param>
    /// <returns>A picker for <paramref name="snapshot"/>.</returns>
    DestinationPicker CreatePicker(ClusterSnapshot snapshot, DestinationPicker? previous);
}
