using System.Collections.Immutable;
using EdgeKit.Configuration;

namespace EdgeKit.Destinations;

/// <summary>
/// The health rules of one cluster as the cluster sees them: which destinations are available, their effective weights,
/// and what probes and hand-set health report. Declared here so that <see cref="Cluster"/> knows no rule of health; the
/// implementation (availability, ejection, readmission, panic, slow start) lives in <c>EdgeKit.Health</c> and is made
/// by the environment's <see cref="IClusterHealthFactory"/>.
/// </summary>
internal interface IClusterHealth
{
    /// <summary>The health settings in force (validated, private).</summary>
    HealthOptions Options { get; }

    /// <summary>The observer every destination of the cluster reports its outcomes to.</summary>
    IDestinationOutcomeObserver Observer { get; }

    /// <summary>Starts the health timers (after construction, or when a removed cluster is restored).</summary>
    void Start();

    /// <summary>Stops every health timer; picks keep working on the last snapshot.</summary>
    void Stop();

    /// <summary>Applies new validated settings; the caller rebuilds the snapshot.</summary>
    /// <param name="options">The new settings (a private copy).</param>
    /// <param name="running">Whether the cluster is live (not removed or disposed), so timers may start.</param>
    void Configure(HealthOptions options, bool running);

    /// <summary>A destination joined a running cluster.</summary>
    void Joined(DestinationState destination, long now);

    /// <summary>Sets a destination's active health by hand; returns whether it changed.</summary>
    bool SetHealth(DestinationState destination, DestinationHealth health);

    /// <summary>Records one active probe result; returns whether the destination's active health changed.</summary>
    bool ReportProbeResult(DestinationState destination, bool passed, ProbeObservation? observation = null);

    /// <summary>Forgets what active probes said (active checks turned off).</summary>
    void ResetActiveHealth(string reason);

    /// <summary>Decides availability and weights for a new snapshot of <paramref name="all"/> (under the update lock).</summary>
    HealthView Evaluate(ImmutableArray<DestinationState> all, bool? previousPanic);
}

/// <summary>What health decided for one snapshot.</summary>
/// <param name="Available">The destinations that may take requests, in configuration order.</param>
/// <param name="Weights">Their effective weights (same order), in hundredths.</param>
/// <param name="IsPanic">Whether too few destinations are healthy, so panic routing applies.</param>
/// <param name="IsRamping">Whether some available destination is in slow start.</param>
internal readonly record struct HealthView(ImmutableArray<DestinationState> Available, ImmutableArray<int> Weights, bool IsPanic, bool IsRamping);
