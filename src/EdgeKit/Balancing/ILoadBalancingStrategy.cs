using EdgeKit.Configuration;
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

    /// <summary>
    /// Whether this strategy's pickers read <see cref="PickContext.RequestKey"/>. When true, every request of a cluster
    /// using it has its key read (from <see cref="LoadBalancingOptions.RequestKey"/>'s header or cookie, or set on the
    /// request), even when no key source is configured; when false, the key is read only if one is configured. Default false.
    /// </summary>
    bool ReadsRequestKey => false;

    /// <summary>
    /// Checks the settings this strategy reads (its own section of <see cref="LoadBalancingOptions"/>, or its keys of
    /// <see cref="LoadBalancingOptions.Properties"/>) for a cluster that names it. Called when a cluster is created or
    /// updated and when configuration is validated, off the request path. Default: nothing to check.
    /// </summary>
    /// <param name="settings">The cluster's balancing settings.</param>
    /// <param name="strategies">Every strategy the cluster can name (for a strategy that delegates to another by name).</param>
    /// <returns>One sentence per problem, naming the setting from <c>LoadBalancing</c> on (e.g. <c>LoadBalancing.Properties.Percent must be ...</c>); empty when the settings are valid.</returns>
    IEnumerable<string> Validate(LoadBalancingOptions settings, LoadBalancingStrategyCollection strategies) => [];

    /// <summary>Builds the picker for a new snapshot of a cluster. Called off the request path.</summary>
    /// <param name="snapshot">The snapshot the picker picks from.</param>
    /// <param name="previous">The picker of the cluster's previous snapshot, whose state may be carried over; <see langword="null"/> for the first.</param>
    /// <returns>A picker for <paramref name="snapshot"/>.</returns>
    DestinationPicker CreatePicker(ClusterSnapshot snapshot, DestinationPicker? previous);
}
