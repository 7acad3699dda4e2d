using System.Collections.Frozen;
using System.Collections.Immutable;
using EdgeKit.Balancing;
using EdgeKit.Configuration;

namespace EdgeKit.Destinations;

/// <summary>
/// An immutable view of a cluster at one moment: its destinations, which of them are available,
/// its balancing settings and the picker built for exactly this set. Requests read the current
/// snapshot without locking; every change to the cluster builds a new one and swaps it in atomically.
/// </summary>
public sealed class ClusterSnapshot
{
    private readonly FrozenDictionary<string, DestinationState> _byId;
    private DestinationPicker? _picker;

    internal ClusterSnapshot(
        Cluster cluster,
        long version,
        ImmutableArray<DestinationState> all,
        ImmutableArray<DestinationState> available,
        LoadBalancingOptions loadBalancing,
        ImmutableArray<int> effectiveWeights,
        bool isPanic,
        bool hasSlowStart)
    {
        EffectiveWeights = effectiveWeights;
        IsPanic = isPanic;
        HasSlowStart = hasSlowStart;
        Cluster = cluster;
        Version = version;
        AllDestinations = all;
        AvailableDestinations = available;
        LoadBalancing = loadBalancing;
        _byId = all.ToFrozenDictionary(d => d.Id, StringComparer.OrdinalIgnoreCase);
        UsesRequestKey = loadBalancing.RequestKey.Header is not null
            || loadBalancing.RequestKey.Cookie is not null
            || (cluster.Environment.Strategies.TryGet(loadBalancing.Strategy, out var strategy) && strategy.ReadsRequestKey);
    }

    /// <summary>
    /// Whether requests' keys must be read for this cluster: a key source (<see cref="LoadBalancingOptions.RequestKey"/>)
    /// is configured or the strategy reads keys (<see cref="ILoadBalancingStrategy.ReadsRequestKey"/>). A caller that picks
    /// (<see cref="Cluster.Pick"/>) reads the request's key into its <see cref="PickContext"/> only when this is true.
    /// </summary>
    public bool UsesRequestKey { get; }

    /// <summary>The factor between a destination's configured weight and its <see cref="EffectiveWeights"/> entry outside slow start.</summary>
    public const int WeightScale = 100;

    /// <summary>
    /// The weight of each of <see cref="AvailableDestinations"/> (same order), in hundredths: the configured weight × 100,
    /// reduced while the destination is in slow start. Weighted strategies read these, never <see cref="Destination.Weight"/>.
    /// </summary>
    public ImmutableArray<int> EffectiveWeights { get; }

    /// <summary>
    /// Whether the cluster is in panic: fewer destinations are healthy than the panic threshold asks, so
    /// <see cref="AvailableDestinations"/> holds every destination not known to be dead (active checks say unhealthy,
    /// or ejected because its connections are refused), ejected outliers included.
    /// </summary>
    public bool IsPanic { get; }

    /// <summary>Whether some available destination is ramping up in slow start (its effective weight is reduced).</summary>
    public bool HasSlowStart { get; }

    /// <summary>The cluster this is a snapshot of.</summary>
    public Cluster Cluster { get; }

    /// <summary>The cluster's name.</summary>
    public string ClusterName => Cluster.Name;

    /// <summary>Increases by one with every snapshot of the cluster.</summary>
    public long Version { get; }

    /// <summary>Every destination of the cluster, in configuration order.</summary>
    public ImmutableArray<DestinationState> AllDestinations { get; }

    /// <summary>
    /// The destinations that may take requests now, in configuration order: those not unhealthy, or in panic those not
    /// known to be dead. Empty when every destination is dead, so a pick fails at once.
    /// </summary>
    public ImmutableArray<DestinationState> AvailableDestinations { get; }

    /// <summary>The cluster's balancing settings (a private copy; never changes).</summary>
    public LoadBalancingOptions LoadBalancing { get; }

    /// <summary>The clock of the cluster.</summary>
    public TimeProvider TimeProvider => Cluster.Environment.TimeProvider;

    /// <summary>The random source of the cluster.</summary>
    public Random Random => Cluster.Environment.Random;

    /// <summary>The strategies the cluster can refer to by name (used by strategies that delegate, such as session affinity).</summary>
    public LoadBalancingStrategyCollection Strategies => Cluster.Environment.Strategies;

    /// <summary>The picker built for this snapshot.</summary>
    public DestinationPicker Picker => _picker!;

    /// <summary>Finds a destination of this snapshot by id.</summary>
    /// <param name="id">The destination id (case-insensitive).</param>
    /// <param name="destination">The destination, when found.</param>
    /// <returns>Whether it was found.</returns>
    public bool TryGetDestination(string id, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out DestinationState? destination) =>
        _byId.TryGetValue(id, out destination);

    internal void SetPicker(DestinationPicker picker) => _picker = picker;
}
