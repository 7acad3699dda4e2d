using System.Collections.Immutable;
using System.Runtime.InteropServices;
using EdgeKit.Configuration;
using EdgeKit.Destinations;
using EdgeKit.Telemetry;
using Microsoft.Extensions.Logging;

namespace EdgeKit.Health;

/// <summary>
/// The health rules of one cluster: which destinations are available (active health, outlier ejection, panic), their
/// effective weights (slow start), ejection and readmission, and what active probes report. It feeds the cluster's
/// snapshots through <see cref="Evaluate"/>; strategies only read those snapshots and never call back here.
/// </summary>
/// <remarks>
/// <para>Every change runs under the cluster's update lock (shared with the cluster, which builds snapshots under it) and
/// ends with <c>rebuild</c>, which builds and swaps in a new snapshot, calling <see cref="Evaluate"/> on the way.</para>
/// <para>A destination is <em>known dead</em> when active probes mark it unhealthy or outlier detection ejected it for
/// connections that fail (<see cref="OutlierDetector.UnreachableReason"/>). A known-dead destination takes no traffic in
/// any mode: <see cref="OutlierDetectionOptions.MaxEjectionPercent"/> caps only ejections for how a destination answers,
/// and panic routing spreads over every destination except the known-dead ones. When every destination is known dead
/// no destination is available, so requests fail at once instead of trying each dead one.</para>
/// </remarks>
internal sealed class ClusterHealth : IClusterHealth
{
    /// <summary>The readmission reason when active probes pass again (the rise count) while a destination is ejected.</summary>
    public const string ProbesPassedReason = "active-probe-healthy";

    private readonly string _clusterName;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _lock;
    private readonly Action _rebuild;
    private readonly OutlierDetector _outliers;
    private readonly Dictionary<DestinationState, ITimer> _ejectionTimers = new(ReferenceEqualityComparer.Instance);
    private HashSet<DestinationState> _current = new(ReferenceEqualityComparer.Instance);
    private ImmutableArray<DestinationState> _all = [];
    private HealthOptions _options;
    private ITimer? _slowStartTimer;
    private bool _stopped;

    /// <param name="clusterName">The cluster's name, for logs and metrics.</param>
    /// <param name="time">The cluster's clock.</param>
    /// <param name="logger">The cluster's logger.</param>
    /// <param name="updateLock">The cluster's update lock, under which every change here runs.</param>
    /// <param name="rebuild">Builds and swaps in a new snapshot of the cluster; called under <paramref name="updateLock"/>.</param>
    /// <param name="options">The validated, private health settings.</param>
    public ClusterHealth(string clusterName, TimeProvider time, ILogger logger, Lock updateLock, Action rebuild, HealthOptions options)
    {
        _clusterName = clusterName;
        _time = time;
        _logger = logger;
        _lock = updateLock;
        _rebuild = rebuild;
        _options = options;
        _outliers = new OutlierDetector(this, options.OutlierDetection);
    }

    /// <summary>The health settings in force.</summary>
    public HealthOptions Options => Volatile.Read(ref _options);

    /// <summary>The observer every destination of the cluster reports its failures to.</summary>
    public IDestinationOutcomeObserver Observer => _outliers;

    /// <summary>The cluster's clock.</summary>
    public TimeProvider TimeProvider => _time;

    /// <summary>Starts outlier detection's interval timer (after construction, or when the cluster is configured again).</summary>
    public void Start()
    {
        lock (_lock)
        {
            _stopped = false;
            _outliers.Configure(Options.OutlierDetection);
        }
    }

    /// <summary>Applies new settings: readmits every ejected destination when outlier detection is turned off. The caller rebuilds.</summary>
    public void Configure(HealthOptions options, bool running)
    {
        lock (_lock)
        {
            Volatile.Write(ref _options, options);
            if (running)
            {
                _outliers.Configure(options.OutlierDetection);
            }

            if (!options.OutlierDetection.Enabled)
            {
                foreach (var ejected in _all.Where(d => d.IsEjected).ToList())
                {
                    ReadmitCore(ejected, "outlier-detection-disabled");
                }
            }
        }
    }

    /// <summary>A destination joined a running cluster: it ramps up when slow start is on.</summary>
    public void Joined(DestinationState destination, long now)
    {
        if (Options.SlowStart.Window > TimeSpan.Zero)
        {
            destination.BeginSlowStart(now);
        }
    }

    /// <summary>Sets a destination's active health by hand.</summary>
    /// <returns>Whether it changed.</returns>
    public bool SetHealth(DestinationState destination, DestinationHealth health)
    {
        lock (_lock)
        {
            if (!IsCurrent(destination) || !SetActiveHealthCore(destination, health, "manual"))
            {
                return false;
            }

            _rebuild();
            return true;
        }
    }

    /// <summary>
    /// Counts one active probe: after <see cref="ActiveHealthCheckOptions.HealthyThreshold"/> passes in a row the destination
    /// is healthy and, if outlier detection had ejected it, readmitted at once (Envoy's
    /// <c>successful_active_health_check_uneject_host</c>; the passes count from the ejection on); after
    /// <see cref="ActiveHealthCheckOptions.UnhealthyThreshold"/> failures in a row it is unhealthy.
    /// </summary>
    /// <param name="destination">A destination of the cluster.</param>
    /// <param name="passed">Whether the probe passed.</param>
    /// <param name="observation">What the probe saw, kept for the status API; <see langword="null"/> to keep the last one.</param>
    /// <returns>Whether the destination's health changed.</returns>
    public bool ReportProbeResult(DestinationState destination, bool passed, ProbeObservation? observation = null)
    {
        var active = Options.Active;
        int run = destination.RecordProbe(passed, observation);
        var target = passed ? DestinationHealth.Healthy : DestinationHealth.Unhealthy;
        int threshold = passed ? active.HealthyThreshold : active.UnhealthyThreshold;
        if (run < threshold || (destination.ActiveHealth == target && !(passed && destination.IsEjected)))
        {
            return false;
        }

        lock (_lock)
        {
            if (!IsCurrent(destination))
            {
                return false;
            }

            bool changed = SetActiveHealthCore(destination, target, "active-probe");
            if (passed && destination.IsEjected)
            {
                ReadmitCore(destination, ProbesPassedReason);
                changed = true;
            }

            if (changed)
            {
                _rebuild();
            }

            return changed;
        }
    }

    /// <summary>Forgets what active probes said (they stopped): active health back to unknown, runs of results to zero.</summary>
    public void ResetActiveHealth(string reason)
    {
        lock (_lock)
        {
            bool changed = false;
            foreach (var destination in _all)
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
                _rebuild();
            }
        }
    }

    /// <summary>
    /// Ejects a destination for outlier detection. An <paramref name="unreachable"/> destination (its connections fail) is
    /// always ejected; any other only while the destinations out of rotation (ejected or unhealthy) stay within
    /// <see cref="OutlierDetectionOptions.MaxEjectionPercent"/>, one always allowed.
    /// </summary>
    /// <returns>Whether it was ejected.</returns>
    public bool TryEject(DestinationState destination, string reason, bool unreachable)
    {
        lock (_lock)
        {
            if (_stopped || !IsCurrent(destination))
            {
                return false;
            }

            if (destination.IsEjected)
            {
                if (!unreachable || destination.IsKnownDead)
                {
                    return false;
                }

                // Ejected as an outlier (so panic may still send it traffic), it now refuses connections: dead until its
                // ejection ends. The same ejection, so no new ejection is logged or counted; the status shows the new reason.
                destination.MarkUnreachable(reason);
                _rebuild();
                return true;
            }

            var options = Options.OutlierDetection;
            if (!unreachable)
            {
                int outOfRotation = 0;
                foreach (var d in _current)
                {
                    if (d.Health == DestinationHealth.Unhealthy)
                    {
                        outOfRotation++;
                    }
                }

                // Envoy's rule: one destination can always be ejected, more only within the percentage.
                if (outOfRotation > 0 && (outOfRotation + 1) * 100.0 > options.MaxEjectionPercent * _current.Count)
                {
                    return false;
                }
            }

            var before = destination.Health;
            int multiplier = destination.EjectionMultiplier + 1;
            var cap = options.MaxEjectionTime > options.BaseEjectionTime ? options.MaxEjectionTime : options.BaseEjectionTime;
            var duration = TimeSpan.FromTicks(Math.Min(options.BaseEjectionTime.Ticks * (long)multiplier, cap.Ticks));
            long now = _time.GetTimestamp();
            destination.Eject(now + (long)(duration.TotalSeconds * _time.TimestampFrequency), reason, unreachable);
            if (_ejectionTimers.Remove(destination, out var old))
            {
                old.Dispose();
            }

            _ejectionTimers[destination] = _time.CreateTimer(
                static state =>
                {
                    var (health, d) = ((ClusterHealth, DestinationState))state!;
                    health.EjectionEnded(d);
                },
                (this, destination),
                duration,
                Timeout.InfiniteTimeSpan);
            EdgeKitLog.DestinationEjected(_logger, _clusterName, destination.Id, reason, duration, destination.EjectionCount);
            EdgeKitMetrics.RecordEjection(_clusterName, destination.Id, reason);
            Transitioned(destination, before, reason);
            _rebuild();
            return true;
        }
    }

    /// <summary>One outlier-detection interval (called by its timer).</summary>
    public void EvaluateOutliers()
    {
        lock (_lock)
        {
            if (_stopped)
            {
                return;
            }

            foreach (var (destination, reason) in _outliers.Evaluate(_all))
            {
                TryEject(destination, reason, unreachable: false);
            }
        }
    }

    /// <summary>
    /// Decides availability and weights for a new snapshot of <paramref name="all"/> (called under the update lock while
    /// the cluster builds it): panic, the available destinations, their slow-start weights; arms the slow-start step.
    /// </summary>
    public HealthView Evaluate(ImmutableArray<DestinationState> all, bool? previousPanic)
    {
        var health = Options;
        long now = _time.GetTimestamp();
        var current = new HashSet<DestinationState>(all.Length, ReferenceEqualityComparer.Instance);
        var healthy = ImmutableArray.CreateBuilder<DestinationState>(all.Length);
        int alive = 0;
        foreach (var state in all)
        {
            current.Add(state);
            if (state.Health != DestinationHealth.Unhealthy)
            {
                healthy.Add(state);
            }

            if (!state.IsKnownDead)
            {
                alive++;
            }
        }

        // Destinations gone from the cluster (or replaced by a fresh state for a new address) lose their ejection timers.
        foreach (var gone in _ejectionTimers.Keys.Where(d => !current.Contains(d)).ToList())
        {
            _ejectionTimers.Remove(gone, out var timer);
            timer!.Dispose();
        }

        _current = current;
        _all = all;

        // Panic (Envoy): with too few destinations healthy, spread over more of them rather than overload the rest;
        // but never over destinations known to be dead.
        bool panic = all.Length > 0 && healthy.Count * 100.0 < health.PanicThreshold * all.Length;
        ImmutableArray<DestinationState> available;
        if (!panic)
        {
            available = healthy.ToImmutable();
        }
        else if (alive == all.Length)
        {
            available = all;
        }
        else
        {
            var builder = ImmutableArray.CreateBuilder<DestinationState>(alive);
            foreach (var state in all)
            {
                if (!state.IsKnownDead)
                {
                    builder.Add(state);
                }
            }

            available = builder.MoveToImmutable();
        }

        var weights = new int[available.Length];
        bool ramping = false;
        long windowTicks = (long)(health.SlowStart.Window.TotalSeconds * _time.TimestampFrequency);
        for (int i = 0; i < available.Length; i++)
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

        if (previousPanic is { } wasPanic && wasPanic != panic)
        {
            EdgeKitLog.ClusterPanicChanged(_logger, _clusterName, panic, healthy.Count, all.Length);
        }

        ScheduleSlowStartStep(ramping, health.SlowStart.Window);
        return new HealthView(available, ImmutableCollectionsMarshal.AsImmutableArray(weights), panic, ramping);
    }

    /// <summary>Stops every timer (the cluster was removed or disposed) and readmits ejected destinations. Called under the update lock.</summary>
    public void Stop()
    {
        _stopped = true;
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

    /// <summary>Ends a destination's ejection (its ejection time has passed).</summary>
    private void EjectionEnded(DestinationState destination)
    {
        lock (_lock)
        {
            if (_stopped || !destination.IsEjected)
            {
                return;
            }

            ReadmitCore(destination, "ejection-ended");
            _rebuild();
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

        EdgeKitLog.DestinationReadmitted(_logger, _clusterName, destination.Id, reason);
        Transitioned(destination, before, reason);
    }

    private bool SetActiveHealthCore(DestinationState destination, DestinationHealth health, string reason)
    {
        var before = destination.Health;
        if (!destination.SetActiveHealth(health))
        {
            return false;
        }

        Transitioned(destination, before, reason);
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

        if (before == DestinationHealth.Unhealthy && Options.SlowStart.Window > TimeSpan.Zero)
        {
            destination.BeginSlowStart(_time.GetTimestamp());
        }

        HealthLog.DestinationHealthChanged(_logger, _clusterName, destination.Id, before, after, reason);
        HealthLog.RecordHealthTransition(_clusterName, destination.Id, after, reason);
    }

    private bool IsCurrent(DestinationState destination) => _current.Contains(destination);

    /// <summary>While destinations ramp up, rebuild the snapshot in steps of a twentieth of the window.</summary>
    private void ScheduleSlowStartStep(bool ramping, TimeSpan window)
    {
        if (!ramping || _stopped)
        {
            _slowStartTimer?.Dispose();
            _slowStartTimer = null;
            return;
        }

        var step = TimeSpan.FromTicks(Math.Max(window.Ticks / 20, TimeSpan.FromMilliseconds(10).Ticks));
        if (_slowStartTimer is null)
        {
            _slowStartTimer = _time.CreateTimer(
                static state =>
                {
                    var health = (ClusterHealth)state!;
                    lock (health._lock)
                    {
                        if (!health._stopped)
                        {
                            health._rebuild();
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
}
