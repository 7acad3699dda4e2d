using System.Collections.Immutable;
using EdgeKit.Balancing;
using EdgeKit.Configuration;
using EdgeKit.Telemetry;
using Microsoft.Extensions.Logging;

namespace EdgeKit.Destinations;

/// <summary>
/// A named set of destinations, the strategy that spreads requests over them, and their live state.
/// </summary>
/// <remarks>
/// <para>Requests call <see cref="Pick(in PickContext)"/>, which reads the current <see cref="ClusterSnapshot"/>
/// and never locks. Changes (destinations, settings, health) build a new snapshot and swap it in;
/// a destination whose id stays keeps its <see cref="DestinationState"/> (in-flight, latency, health).</para>
/// <para>Destinations may come from several sources (code, configuration, service discovery); the cluster
/// holds their union. Ids must be unique within a source. When two sources have a destination with the
/// same id, the one whose source name sorts first (ordinal) is kept and the other is ignored and logged:
/// code (<see cref="DefaultSource"/>, <c>""</c>) before <see cref="ClusterRegistry.ConfigurationSource"/>
/// before <see cref="ClusterRegistry.ServiceDiscoverySource"/>. Usable on its own, without dependency injection.</para>
/// </remarks>
public sealed class Cluster : IDisposable
{
    /// <summary>The source name used by <see cref="UpdateDestinations(IEnumerable{Destination})"/>.</summary>
    public const string DefaultSource = "";

    private readonly Lock _updateLock = new();
    private readonly ILogger _logger;
    private ImmutableSortedDictionary<string, ImmutableArray<Destination>> _sources =
        ImmutableSortedDictionary.Create<string, ImmutableArray<Destination>>(StringComparer.Ordinal);
    private ImmutableArray<Destination> _merged = [];
    private HashSet<(string Source, string Id)> _shadowed = [];
    private ClusterSnapshot _snapshot;
    private ILoadBalancingStrategy _strategy;
    private readonly IClusterHealth _health;
    private volatile bool _removed;
    private bool _disposed;

    /// <summary>Creates a cluster.</summary>
    /// <param name="name">The cluster's name.</param>
    /// <param name="destinations">Its initial destinations (may be empty); ids must be unique.</param>
    /// <param name="loadBalancing">How requests are spread; default <see cref="LoadBalancingOptions"/>'s defaults. Copied.</param>
    /// <param name="environment">Clock, randomness, strategies and logging; default <see cref="ClusterEnvironment.Default"/>.</param>
    /// <param name="health">Outlier detection, panic threshold, slow start and probe thresholds; default <see cref="HealthOptions"/>'s defaults. Copied.</param>
    /// <exception cref="ArgumentException">The name is empty, ids repeat, or the settings are invalid (the message lists every problem).</exception>
    public Cluster(
        string name,
        IEnumerable<Destination>? destinations = null,
        LoadBalancingOptions? loadBalancing = null,
        ClusterEnvironment? environment = null,
        HealthOptions? health = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
        Environment = environment ?? ClusterEnvironment.Default;
        _logger = Environment.LoggerFactory.CreateLogger("EdgeKit.Cluster");
        var settings = ValidateAndCopy(loadBalancing ?? new LoadBalancingOptions());
        var healthSettings = ValidateAndCopy(health ?? new HealthOptions());
        _strategy = Environment.Strategies.Get(settings.Strategy);
        _health = Environment.HealthFactory.Create(Name, Environment.TimeProvider, _logger, _updateLock, Rebuild, healthSettings);
        var initial = destinations is null ? ImmutableArray<Destination>.Empty : CheckUnique(destinations);
        _sources = _sources.SetItem(DefaultSource, initial);
        _merged = Merge(_sources, out _shadowed);
        _snapshot = Build(previous: null, settings, _strategy);
        _health.Start();
    }

    /// <summary>The cluster's health settings (a private copy; use <see cref="UpdateHealth"/> to change them).</summary>
    public HealthOptions Health => _health.Options;

    /// <summary>The cluster's name.</summary>
    public string Name { get; }

    /// <summary>The cluster's clock, randomness, strategies and logging.</summary>
    public ClusterEnvironment Environment { get; }

    /// <summary>The current snapshot. Read it once per request and use that one throughout.</summary>
    public ClusterSnapshot Snapshot => Volatile.Read(ref _snapshot);

    /// <summary>
    /// Whether the cluster was removed from configuration. A removed cluster has no destinations and ignores
    /// <see cref="UpdateDestinations(string, IEnumerable{Destination})"/> until it is configured again.
    /// </summary>
    public bool IsRemoved => _removed;

    /// <summary>
    /// Picks a destination for a request. When the strategy picks a destination the context excludes,
    /// it is asked again, then the available destinations are scanned for one not excluded; only when
    /// every available destination is excluded is an excluded one returned.
    /// </summary>
    /// <param name="context">What is known about the request.</param>
    /// <returns>The destination, or <see langword="null"/> when none is available (counted in <c>edgekit.balancer.no_destination</c>).</returns>
    public DestinationState? Pick(in PickContext context)
    {
        var snapshot = Snapshot;
        var picked = snapshot.Picker.Pick(in context);
        if (picked is null)
        {
            if (EdgeKitMetrics.NoDestination.Enabled)
            {
                EdgeKitMetrics.NoDestination.Add(1, new KeyValuePair<string, object?>(EdgeKitTags.Cluster, Name));
            }

            return null;
        }

        if (context.Excluded is null || !context.IsExcluded(picked))
        {
            return picked;
        }

        return PickAvoidingExcluded(snapshot, picked, in context);
    }

    /// <summary>
    /// Begins a request to <paramref name="destination"/>: counts it in flight, starts its clock and, when something
    /// listens to EdgeKit's activity source, its span. Every transport reports through the returned lease, which must
    /// be completed exactly once (<see cref="RequestLease.Complete"/>); neither call locks or allocates.
    /// </summary>
    /// <param name="destination">The destination the request goes to, typically from <see cref="Pick(in PickContext)"/>.</param>
    /// <param name="route">
    /// The gateway route that forwards the request, or <see langword="null"/>. Given, the span is named
    /// <see cref="RequestLease.ForwardSpanName"/> and the metrics and span carry <see cref="RequestLease.RouteTag"/>.
    /// </param>
    /// <returns>The lease to complete when the request ends.</returns>
    public RequestLease Begin(DestinationState destination, string? route = null)
    {
        ArgumentNullException.ThrowIfNull(destination);
        return RequestLease.Begin(this, destination, route);
    }

    private static DestinationState PickAvoidingExcluded(ClusterSnapshot snapshot, DestinationState first, in PickContext context)
    {
        for (int attempt = 0; attempt < 2; attempt++)
        {
            var again = snapshot.Picker.Pick(in context);
            if (again is not null && !context.IsExcluded(again))
            {
                return again;
            }
        }

        var available = snapshot.AvailableDestinations;
        int start = available.Length == 0 ? 0 : snapshot.Random.Next(available.Length);
        for (int i = 0; i < available.Length; i++)
        {
            var candidate = available[(start + i) % available.Length];
            if (!context.IsExcluded(candidate))
            {
                return candidate;
            }
        }

        return first;
    }

    /// <summary>Replaces the destinations of the default source. Destinations whose id stays keep their live state.</summary>
    /// <param name="destinations">The new destinations; ids must be unique (case-insensitive).</param>
    /// <exception cref="ArgumentException">Two destinations share an id.</exception>
    public void UpdateDestinations(IEnumerable<Destination> destinations) => UpdateDestinations(DefaultSource, destinations);

    /// <summary>
    /// Replaces the destinations that come from one source (for example service discovery), keeping the
    /// other sources' destinations. Destinations whose id stays keep their live state. A destination whose id
    /// another source already has is kept only if its source's name sorts first (ordinal); the other is
    /// ignored and logged. While the cluster <see cref="IsRemoved"/>, the update is ignored.
    /// </summary>
    /// <param name="source">The source's name.</param>
    /// <param name="destinations">The source's destinations; ids must be unique within the source (case-insensitive).</param>
    /// <exception cref="ArgumentException">Two of the given destinations share an id.</exception>
    public void UpdateDestinations(string source, IEnumerable<Destination> destinations)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destinations);
        var list = CheckUnique(destinations);
        lock (_updateLock)
        {
            if (_removed)
            {
                return;
            }

            SetSources(_sources.SetItem(source, list));
        }
    }

    /// <summary>Installs new sources, logs ids newly shadowed by another source, and swaps in a new snapshot. Called under the update lock.</summary>
    private void SetSources(ImmutableSortedDictionary<string, ImmutableArray<Destination>> sources)
    {
        var merged = Merge(sources, out var shadowed);
        foreach (var (shadowedSource, id) in shadowed)
        {
            if (!_shadowed.Contains((shadowedSource, id)))
            {
                string owner = sources.First(pair => pair.Value.Any(d => string.Equals(d.Id, id, StringComparison.OrdinalIgnoreCase))).Key;
                EdgeKitLog.DestinationIdConflict(_logger, Name, id, shadowedSource, owner);
            }
        }

        _sources = sources;
        _merged = merged;
        _shadowed = shadowed;
        Swap(Build(_snapshot, _snapshot.LoadBalancing, _strategy));
    }

    /// <summary>The union of every source's destinations in source-name order; a repeated id keeps its first destination.</summary>
    private static ImmutableArray<Destination> Merge(
        ImmutableSortedDictionary<string, ImmutableArray<Destination>> sources,
        out HashSet<(string Source, string Id)> shadowed)
    {
        shadowed = [];
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var merged = ImmutableArray.CreateBuilder<Destination>();
        foreach (var (source, destinations) in sources)
        {
            foreach (var destination in destinations)
            {
                if (seen.Add(destination.Id))
                {
                    merged.Add(destination);
                }
                else
                {
                    shadowed.Add((source, destination.Id));
                }
            }
        }

        return merged.ToImmutable();
    }

    /// <summary>Changes how requests are spread. In-flight requests finish on the destinations they were given.</summary>
    /// <param name="loadBalancing">The new settings; copied.</param>
    /// <exception cref="ArgumentException">The settings are invalid; the message lists every problem.</exception>
    public void UpdateLoadBalancing(LoadBalancingOptions loadBalancing)
    {
        ArgumentNullException.ThrowIfNull(loadBalancing);
        var settings = ValidateAndCopy(loadBalancing);
        var strategy = Environment.Strategies.Get(settings.Strategy);
        lock (_updateLock)
        {
            var previous = _snapshot;
            _strategy = strategy;
            // A different strategy must not inherit the previous strategy's picker state.
            bool sameStrategy = string.Equals(previous.LoadBalancing.Strategy, settings.Strategy, StringComparison.OrdinalIgnoreCase);
            Swap(Build(previous, settings, strategy, carryPickerState: sameStrategy));
        }
    }

    /// <summary>
    /// Sets a destination's active health by hand (active probes use <see cref="ReportProbeResult(DestinationState, bool)"/>); a change
    /// builds a new snapshot so the destination enters or leaves the available set.
    /// </summary>
    /// <param name="destination">A destination of this cluster.</param>
    /// <param name="health">Its new active health.</param>
    /// <returns>Whether the active health changed.</returns>
    public bool SetHealth(DestinationState destination, DestinationHealth health)
    {
        ArgumentNullException.ThrowIfNull(destination);
        return _health.SetHealth(destination, health);
    }

    /// <summary>
    /// Counts one active probe of a destination: after <see cref="ActiveHealthCheckOptions.HealthyThreshold"/> passes
    /// in a row it becomes healthy, after <see cref="ActiveHealthCheckOptions.UnhealthyThreshold"/> failures in a row unhealthy.
    /// </summary>
    /// <param name="destination">A destination of this cluster.</param>
    /// <param name="passed">Whether the probe passed.</param>
    /// <returns>Whether the destination's active health changed.</returns>
    public bool ReportProbeResult(DestinationState destination, bool passed)
    {
        ArgumentNullException.ThrowIfNull(destination);
        return _health.ReportProbeResult(destination, passed);
    }

    /// <summary>Counts one active probe with what it saw (kept for the status API); see <see cref="ReportProbeResult(DestinationState, bool)"/>.</summary>
    internal bool ReportProbeResult(DestinationState destination, ProbeObservation observation) =>
        _health.ReportProbeResult(destination, observation.Passed, observation);

    /// <summary>Reads the cluster's live state: health, ejections, in-flight and latency of every destination.</summary>
    /// <returns>A snapshot of the state, safe to keep and serialise.</returns>
    public ClusterStatus GetStatus()
    {
        var snapshot = Snapshot;
        var time = Environment.TimeProvider;
        long now = time.GetTimestamp();
        var utcNow = time.GetUtcNow();
        var available = snapshot.AvailableDestinations;
        var destinations = new List<DestinationStatus>(snapshot.AllDestinations.Length);
        foreach (var state in snapshot.AllDestinations)
        {
            int index = available.IndexOf(state);
            long ejectedUntil = state.EjectedUntil;
            var probe = state.LastProbe;
            destinations.Add(new DestinationStatus(
                state.Id,
                state.Destination.Address,
                state.Destination.Weight,
                index < 0 ? 0 : snapshot.EffectiveWeights[index],
                state.Health,
                state.ActiveHealth,
                ejectedUntil != 0,
                ejectedUntil == 0 ? TimeSpan.Zero : time.GetElapsedTime(now, Math.Max(now, ejectedUntil)),
                state.EjectionCount,
                state.InFlight,
                state.GetLatencyEstimate(now, time.TimestampFrequency),
                state.TotalRequests,
                state.TotalFailures)
            {
                EjectionReason = ejectedUntil == 0 ? null : state.EjectionReason,
                EjectedUntil = ejectedUntil == 0 ? null : utcNow + time.GetElapsedTime(now, Math.Max(now, ejectedUntil)),
                ConsecutiveProbeSuccesses = state.ConsecutiveProbeSuccesses,
                ConsecutiveProbeFailures = state.ConsecutiveProbeFailures,
                LastProbeAt = probe?.At,
                LastProbePassed = probe?.Passed,
                LastProbeResult = probe?.Detail,
            });
        }

        return new ClusterStatus(Name, snapshot.LoadBalancing.Strategy, snapshot.IsPanic, available.Length, destinations);
    }

    /// <summary>
    /// Forgets what active probes said, once they stop (active checks turned off): every destination's active health
    /// goes back to <see cref="DestinationHealth.Unknown"/> and its runs of probe results to zero, so a destination
    /// that probes had marked unhealthy does not stay out of rotation with nothing left to bring it back.
    /// Builds at most one new snapshot.
    /// </summary>
    /// <param name="reason">Why, for the health-change log and metric.</param>
    internal void ResetActiveHealth(string reason) => _health.ResetActiveHealth(reason);

    /// <summary>Changes the health settings: outlier detection, panic threshold, slow start and probe thresholds.</summary>
    /// <param name="health">The new settings; copied.</param>
    /// <exception cref="ArgumentException">The settings are invalid; the message lists every problem.</exception>
    public void UpdateHealth(HealthOptions health)
    {
        ArgumentNullException.ThrowIfNull(health);
        var copy = ValidateAndCopy(health);
        lock (_updateLock)
        {
            _health.Configure(copy, running: !_removed && !_disposed);
            Rebuild();
        }
    }

    /// <summary>Builds and swaps in a new snapshot with the same destinations and settings (health changed). Called under the update lock.</summary>
    private void Rebuild() => Swap(Build(_snapshot, _snapshot.LoadBalancing, _strategy));

    internal void MarkRemoved()
    {
        lock (_updateLock)
        {
            _health.Stop();
            SetSources(_sources.Clear());
            _removed = true;
        }
    }

    internal void MarkRestored()
    {
        lock (_updateLock)
        {
            _removed = false;
            if (!_disposed)
            {
                _health.Start();
            }
        }
    }

    /// <summary>Stops the cluster's timers (outlier detection, ejections, slow start). Picks keep working on the last snapshot.</summary>
    public void Dispose()
    {
        lock (_updateLock)
        {
            _disposed = true;
            _health.Stop();
        }
    }

    private void Swap(ClusterSnapshot next) => Volatile.Write(ref _snapshot, next);

    private ClusterSnapshot Build(ClusterSnapshot? previous, LoadBalancingOptions settings, ILoadBalancingStrategy strategy, bool carryPickerState = true)
    {
        var time = Environment.TimeProvider;
        long now = time.GetTimestamp();
        double decayTicks = settings.LatencyDecay.TotalSeconds * time.TimestampFrequency;
        var all = ImmutableArray.CreateBuilder<DestinationState>(_merged.Length);
        foreach (var destination in _merged)
        {
            DestinationState? state = null;
            if (previous is not null && previous.TryGetDestination(destination.Id, out var existing))
            {
                if (existing.Destination.Address != destination.Address)
                {
                    // Another backend under the same id: what was learnt of the old address (ejection, probes, latency) does not apply.
                    EdgeKitLog.DestinationAddressChanged(_logger, Name, destination.Id);
                }
                else
                {
                    state = existing;
                    if (!ReferenceEquals(state.Destination, destination) && !state.Destination.Equals(destination))
                    {
                        state.SetDestination(destination);
                    }

                    state.SetDecay(decayTicks);
                }
            }

            if (state is null)
            {
                state = new DestinationState(destination, decayTicks, time.TimestampFrequency);
                if (previous is not null)
                {
                    // A destination joining a running cluster ramps up.
                    _health.Joined(state, now);
                }
            }

            state.OutcomeObserver = _health.Observer;
            all.Add(state);
        }

        var states = all.MoveToImmutable();
        var view = _health.Evaluate(states, previous?.IsPanic);
        var snapshot = new ClusterSnapshot(
            this, (previous?.Version ?? 0) + 1, states, view.Available, settings, view.Weights, view.IsPanic, view.IsRamping);
        snapshot.SetPicker(strategy.CreatePicker(snapshot, carryPickerState ? previous?.Picker : null));
        return snapshot;
    }

    private HealthOptions ValidateAndCopy(HealthOptions options)
    {
        var copy = options.Clone();
        var errors = new List<string>();
        Environment.HealthFactory.Validate(copy, $"Cluster '{Name}'", errors);
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(System.Environment.NewLine, errors), nameof(options));
        }

        return copy;
    }

    private LoadBalancingOptions ValidateAndCopy(LoadBalancingOptions options)
    {
        var copy = options.Clone();
        var errors = new List<string>();
        LoadBalancingOptionsValidator.Validate(copy, $"Cluster '{Name}'", Environment.Strategies, errors);
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(System.Environment.NewLine, errors), nameof(options));
        }

        return copy;
    }

    private static ImmutableArray<Destination> CheckUnique(IEnumerable<Destination> destinations)
    {
        var list = destinations.ToImmutableArray();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var destination in list)
        {
            ArgumentNullException.ThrowIfNull(destination, nameof(destinations));
            if (!seen.Add(destination.Id))
            {
                throw new ArgumentException($"Two destinations have the id '{destination.Id}'. Destination ids must be unique (case-insensitive) within a source.", nameof(destinations));
            }
        }

        return list;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({Snapshot.AvailableDestinations.Length}/{Snapshot.AllDestinations.Length} available)";
}
