using System.Collections.Immutable;
using System.Runtime.InteropServices;
using EdgeKit.Balancing;
using EdgeKit.Health;
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
    private HealthOptions _health;
    private readonly OutlierDetector _outliers;
    private readonly Dictionary<DestinationState, ITimer> _ejectionTimers = new(ReferenceEqualityComparer.Instance);
    private ITimer? _slowStartTimer;
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
        _health = ValidateAndCopy(health ?? new HealthOptions());
        _strategy = Environment.Strategies.Get(settings.Strategy);
        _outliers = new OutlierDetector(this, _health.OutlierDetection);
        var initial = destinations is null ? ImmutableArray<Destination>.Empty : CheckUnique(destinations);
        _sources = _sources.SetItem(DefaultSource, initial);
        _merged = Merge(_sources, out _shadowed);
        _snapshot = Build(previous: null, settings, _strategy);
        _outliers.Configure(_health.OutlierDetection);
    }

    /// <summary>The cluster's health settings (a private copy; use <see cref="UpdateHealth"/> to change them).</summary>
    public HealthOptions Health => Volatile.Read(ref _health);

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
                EdgeKitMetrics.NoDestination.Add(1, new KeyValuePair<string, object?>(EdgeKitMetrics.ClusterTag, Name));
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
    /// Sets a destination's active health by hand (active probes use <see cref="ReportProbeResult"/>); a change
    /// builds a new snapshot so the destination enters or leaves the available set.
    /// </summary>
    /// <param name="destination">A destination of this cluster.</param>
    /// <param name="health">Its new active health.</param>
    /// <returns>Whether the active health changed.</returns>
    public bool SetHealth(DestinationState destination, DestinationHealth health)
    {
        ArgumentNullException.ThrowIfNull(destination);
        lock (_updateLock)
        {
            return IsCurrent(destination) && SetActiveHealthCore(destination, health, "manual");
        }
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
        var active = Health.Active;
        int run = destination.RecordProbe(passed);
        var target = passed ? DestinationHealth.Healthy : DestinationHealth.Unhealthy;
        int threshold = passed ? active.HealthyThreshold : active.UnhealthyThreshold;
        if (run < threshold || destination.ActiveHealth == target)
        {
            return false;
        }

        lock (_updateLock)
        {
            return IsCurrent(destination) && SetActiveHealthCore(destination, target, "active-probe");
        }
    }

    /// <summary>Reads the cluster's live state: health, ejections, in-flight and latency of every destination.</summary>
    /// <returns>A snapshot of the state, safe to keep and serialise.</returns>
    public ClusterStatus GetStatus()
    {
        var snapshot = Snapshot;
        var time = Environment.TimeProvider;
        long now = time.GetTimestamp();
        var available = snapshot.AvailableDestinations;
        var destinations = new List<DestinationStatus>(snapshot.AllDestinations.Length);
        foreach (var state in snapshot.AllDestinations)
        {
            int index = available.IndexOf(state);
            long ejectedUntil = state.EjectedUntil;
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
                state.TotalFailures));
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
    internal void ResetActiveHealth(string reason)
    {
        lock (_updateLock)
        {
            bool changed = false;
            foreach (var destination in _snapshot.AllDestinations)
            {
                destination.ResetProbeRuns();
                var before = destination.Health;
                if (destination.SetActiveHealth(DestinationHealth.Unknown))
                {
                    changed = true;
                    Transitioned(destination, before, reason);
                }
            }

            if (changed)
            {
                Swap(Build(_snapshot, _snapshot.LoadBalancing, _strategy));
            }
        }
    }

    /// <summary>Changes the health settings: outlier detection, panic threshold, slow start and probe thresholds.</summary>
    /// <param name="health">The new settings; copied.</param>
    /// <exception cref="ArgumentException">The settings are invalid; the message lists every problem.</exception>
    public void UpdateHealth(HealthOptions health)
    {
        ArgumentNullException.ThrowIfNull(health);
        var copy = ValidateAndCopy(health);
        lock (_updateLock)
        {
            Volatile.Write(ref _health, copy);
            if (!_removed && !_disposed)
            {
                _outliers.Configure(copy.OutlierDetection);
            }

            if (!copy.OutlierDetection.Enabled)
            {
                foreach (var ejected in _snapshot.AllDestinations.Where(d => d.IsEjected).ToList())
                {
                    ReadmitCore(ejected, "outlier-detection-disabled");
                }
            }

            Swap(Build(_snapshot, _snapshot.LoadBalancing, _strategy));
        }
    }

    /// <summary>Ejects a destination for outlier detection, if the maximum ejection percentage allows.</summary>
    /// <returns>Whether it was ejected.</returns>
    internal bool TryEject(DestinationState destination, string reason)
    {
        lock (_updateLock)
        {
            if (_removed || _disposed || destination.IsEjected || !IsCurrent(destination))
            {
                return false;
            }

            var options = Health.OutlierDetection;
            var all = _snapshot.AllDestinations;
            int ejected = 0;
            foreach (var d in all)
            {
                if (d.IsEjected)
                {
                    ejected++;
                }
            }

            // Envoy's rule: one destination can always be ejected, more only within the percentage.
            if (ejected > 0 && (ejected + 1) * 100.0 > options.MaxEjectionPercent * all.Length)
            {
                return false;
            }

            var time = Environment.TimeProvider;
            var before = destination.Health;
            int multiplier = destination.EjectionMultiplier + 1;
            var cap = options.MaxEjectionTime > options.BaseEjectionTime ? options.MaxEjectionTime : options.BaseEjectionTime;
            var duration = TimeSpan.FromTicks(Math.Min(options.BaseEjectionTime.Ticks * (long)multiplier, cap.Ticks));
            long now = time.GetTimestamp();
            destination.Eject(now + (long)(duration.TotalSeconds * time.TimestampFrequency));
            if (_ejectionTimers.Remove(destination, out var old))
            {
                old.Dispose();
            }

            _ejectionTimers[destination] = time.CreateTimer(
                static state =>
                {
                    var (cluster, d) = ((Cluster, DestinationState))state!;
                    cluster.Readmit(d);
                },
                (this, destination),
                duration,
                Timeout.InfiniteTimeSpan);
            EdgeKitLog.DestinationEjected(_logger, Name, destination.Id, reason, duration, destination.EjectionCount);
            EdgeKitMetrics.RecordEjection(Name, destination.Id, reason);
            Transitioned(destination, before, reason);
            Swap(Build(_snapshot, _snapshot.LoadBalancing, _strategy));
            return true;
        }
    }

    /// <summary>Ends a destination's ejection (its ejection time has passed).</summary>
    internal void Readmit(DestinationState destination)
    {
        lock (_updateLock)
        {
            if (_disposed || !destination.IsEjected)
            {
                return;
            }

            ReadmitCore(destination, "ejection-ended");
            Swap(Build(_snapshot, _snapshot.LoadBalancing, _strategy));
        }
    }

    private void ReadmitCore(DestinationState destination, string reason)
    {
        var before = destination.Health;
        destination.Readmit();
        if (_ejectionTimers.Remove(destination, out var timer))
        {
            timer.Dispose();
        }

        EdgeKitLog.DestinationReadmitted(_logger, Name, destination.Id, reason);
        Transitioned(destination, before, reason);
    }

    /// <summary>One outlier-detection interval (called by its timer).</summary>
    internal void EvaluateOutliers()
    {
        lock (_updateLock)
        {
            if (_removed || _disposed)
            {
                return;
            }

            foreach (var (destination, reason) in _outliers.Evaluate(_snapshot.AllDestinations))
            {
                TryEject(destination, reason);
            }
        }
    }

    private bool SetActiveHealthCore(DestinationState destination, DestinationHealth health, string reason)
    {
        var before = destination.Health;
        if (!destination.SetActiveHealth(health))
        {
            return false;
        }

        Transitioned(destination, before, reason);
        Swap(Build(_snapshot, _snapshot.LoadBalancing, _strategy));
        return true;
    }

    /// <summary>Logs and counts a change of a destination's combined health; starts slow start on recovery.</summary>
    private void Transitioned(DestinationState destination, DestinationHealth before, string reason)
    {
        var after = destination.Health;
        if (before == after)
        {
            return;
        }

        if (before == DestinationHealth.Unhealthy && Health.SlowStart.Window > TimeSpan.Zero)
        {
            destination.BeginSlowStart(Environment.TimeProvider.GetTimestamp());
        }

        EdgeKitLog.DestinationHealthChanged(_logger, Name, destination.Id, before, after, reason);
        EdgeKitMetrics.RecordHealthTransition(Name, destination.Id, after, reason);
    }

    private bool IsCurrent(DestinationState destination) =>
        _snapshot.TryGetDestination(destination.Id, out var current) && ReferenceEquals(current, destination);

    internal void MarkRemoved()
    {
        lock (_updateLock)
        {
            StopTimers();
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
                _outliers.Configure(Health.OutlierDetection);
            }
        }
    }

    /// <summary>Stops the cluster's timers (outlier detection, ejections, slow start). Picks keep working on the last snapshot.</summary>
    public void Dispose()
    {
        lock (_updateLock)
        {
            _disposed = true;
            StopTimers();
        }
    }

    private void StopTimers()
    {
        _outliers.Stop();
        foreach (var (destination, timer) in _ejectionTimers)
        {
            timer.Dispose();
            destination.Readmit();
        }

        _ejectionTimers.Clear();
        _slowStartTimer?.Dispose();
        _slowStartTimer = null;
    }

    private void Swap(ClusterSnapshot next) => Volatile.Write(ref _snapshot, next);

    private ClusterSnapshot Build(ClusterSnapshot? previous, LoadBalancingOptions settings, ILoadBalancingStrategy strategy, bool carryPickerState = true)
    {
        var time = Environment.TimeProvider;
        var health = Health;
        long now = time.GetTimestamp();
        double decayTicks = settings.LatencyDecay.TotalSeconds * time.TimestampFrequency;
        var all = ImmutableArray.CreateBuilder<DestinationState>(_merged.Length);
        var healthy = ImmutableArray.CreateBuilder<DestinationState>(_merged.Length);
        foreach (var destination in _merged)
        {
            DestinationState? state = null;
            if (previous is not null && previous.TryGetDestination(destination.Id, out var existing))
            {
                state = existing;
                if (!ReferenceEquals(state.Destination, destination) && !state.Destination.Equals(destination))
                {
                    state.SetDestination(destination);
                }

                state.SetDecay(decayTicks);
            }

            if (state is null)
            {
                state = new DestinationState(destination, decayTicks, Environment.TimeProvider.TimestampFrequency);
                if (previous is not null && health.SlowStart.Window > TimeSpan.Zero)
                {
                    // A destination joining a running cluster ramps up.
                    state.BeginSlowStart(now);
                }
            }

            state.OutlierDetector = _outliers;
            all.Add(state);
            if (state.Health != DestinationHealth.Unhealthy)
            {
                healthy.Add(state);
            }
        }

        // Panic (Envoy): with too few destinations available, spread over all of them rather than overload the rest.
        bool panic = all.Count > 0 && healthy.Count * 100.0 < health.PanicThreshold * all.Count;
        var available = panic ? all : healthy;
        var weights = new int[available.Count];
        bool ramping = false;
        long windowTicks = (long)(health.SlowStart.Window.TotalSeconds * time.TimestampFrequency);
        for (int i = 0; i < available.Count; i++)
        {
            var state = available[i];
            double factor = 1;
            long began = state.SlowStartBegan;
            if (began != 0)
            {
                long elapsed = now - began;
                if (windowTicks <= 0 || elapsed >= windowTicks)
                {
                    state.EndSlowStart();
                }
                else
                {
                    ramping = true;
                    var slow = health.SlowStart;
                    factor = Math.Max(slow.MinWeightPercent / 100, Math.Pow(Math.Max(elapsed, 1) / (double)windowTicks, 1 / slow.Aggression));
                }
            }

            weights[i] = Math.Max(1, (int)Math.Round(state.Destination.Weight * ClusterSnapshot.WeightScale * factor));
        }

        if (previous is not null && previous.IsPanic != panic)
        {
            EdgeKitLog.ClusterPanicChanged(_logger, Name, panic, healthy.Count, all.Count);
        }

        var snapshot = new ClusterSnapshot(
            this, (previous?.Version ?? 0) + 1, all.ToImmutable(), available.ToImmutable(), settings,
            ImmutableCollectionsMarshal.AsImmutableArray(weights), panic, ramping);
        snapshot.SetPicker(strategy.CreatePicker(snapshot, carryPickerState ? previous?.Picker : null));
        ScheduleSlowStartStep(ramping, health.SlowStart.Window);
        return snapshot;
    }

    /// <summary>While destinations ramp up, rebuild the snapshot in steps of a twentieth of the window.</summary>
    private void ScheduleSlowStartStep(bool ramping, TimeSpan window)
    {
        if (!ramping || _disposed || _removed)
        {
            _slowStartTimer?.Dispose();
            _slowStartTimer = null;
            return;
        }

        var step = TimeSpan.FromTicks(Math.Max(window.Ticks / 20, TimeSpan.FromMilliseconds(10).Ticks));
        if (_slowStartTimer is null)
        {
            _slowStartTimer = Environment.TimeProvider.CreateTimer(
                static state =>
                {
                    var cluster = (Cluster)state!;
                    lock (cluster._updateLock)
                    {
                        if (!cluster._disposed)
                        {
                            cluster.Swap(cluster.Build(cluster._snapshot, cluster._snapshot.LoadBalancing, cluster._strategy));
                        }
                    }
                },
                this,
                step,
                Timeout.InfiniteTimeSpan);
        }
        else
        {
            _slowStartTimer.Change(step, Timeout.InfiniteTimeSpan);
        }
    }

    private HealthOptions ValidateAndCopy(HealthOptions options)
    {
        var copy = options.Clone();
        var errors = new List<string>();
        HealthOptionsValidator.Validate(copy, $"Cluster '{Name}'", errors);
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
