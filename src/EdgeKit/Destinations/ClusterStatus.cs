namespace EdgeKit.Destinations;

/// <summary>A point-in-time reading of a cluster: its strategy, panic state and every destination.</summary>
/// <param name="Name">The cluster's name.</param>
/// <param name="Strategy">The load-balancing strategy's name.</param>
/// <param name="IsPanic">Whether the cluster is routing across all destinations because too few are healthy.</param>
/// <param name="Available">How many destinations may take requests.</param>
/// <param name="Destinations">Every destination, in configuration order.</param>
public sealed record ClusterStatus(
    string Name,
    string Strategy,
    bool IsPanic,
    int Available,
    IReadOnlyList<DestinationStatus> Destinations);
