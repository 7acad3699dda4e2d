namespace EdgeKit.Simulation;

/// <summary>The outcome of one simulation run: one strategy on one scenario.</summary>
public sealed record SimulationResult
{
    /// <summary>The scenario's name.</summary>
    public required string Scenario { get; init; }

    /// <summary>The strategy's name.</summary>
    public required string Strategy { get; init; }

    /// <summary>Requests sent.</summary>
    public required int TotalRequests { get; init; }

    /// <summary>Requests answered without error within the timeout.</summary>
    public required int Succeeded { get; init; }

    /// <summary>Requests that outlived the timeout.</summary>
    public required int TimedOut { get; init; }

    /// <summary>Requests answered with an error within the timeout.</summary>
    public required int Errors { get; init; }

    /// <summary>Requests that found no destination.</summary>
    public required int NoDestination { get; init; }

    /// <summary>Requests that failed: timed out, answered with an error, or found no destination.</summary>
    public int Failed => TimedOut + Errors + NoDestination;

    /// <summary><see cref="Succeeded"/> / <see cref="TotalRequests"/>.</summary>
    public double SuccessRate => TotalRequests == 0 ? 0 : (double)Succeeded / TotalRequests;

    /// <summary>The median of what the client waited (a timed-out request counts as the timeout).</summary>
    public required TimeSpan P50 { get; init; }

    /// <summary>The 99th percentile of what the client waited.</summary>
    public required TimeSpan P99 { get; init; }

    /// <summary>The 99.9th percentile of what the client waited.</summary>
    public required TimeSpan P999 { get; init; }

    /// <summary>The longest the client waited.</summary>
    public required TimeSpan Max { get; init; }

    /// <summary>Requests that reached a backend while one of its faults covered them.</summary>
    public required int FaultedRequests { get; init; }

    /// <summary>What each backend saw, in scenario order.</summary>
    public required IReadOnlyList<BackendStatistics> Backends { get; init; }

    /// <summary>Every request, when <see cref="SimulationScenario.RecordRequests"/> is set; otherwise empty.</summary>
    public required IReadOnlyList<RequestRecord> Requests { get; init; }
}

/// <summary>What one backend saw during a run.</summary>
/// <param name="Name">The backend's name.</param>
/// <param name="Requests">Requests the balancer sent to it.</param>
/// <param name="Failed">Of those, the ones that failed (timed out or answered with an error).</param>
/// <param name="FaultedRequests">Of those, the ones that arrived during one of its faults.</param>
/// <param name="PeakClientInFlight">The most requests the balancer had in flight to it at once (its <c>DestinationState.InFlight</c>).</param>
/// <param name="PeakServerConcurrency">The most requests it was working on at once; a timed-out request stays until the backend would have answered.</param>
/// <param name="BalancerFailures">The failures its <c>DestinationState</c> counted.</param>
/// <param name="LatencyEstimate">Its <c>DestinationState</c> latency estimate at the last client-side completion of the run.</param>
public sealed record BackendStatistics(
    string Name,
    int Requests,
    int Failed,
    int FaultedRequests,
    int PeakClientInFlight,
    int PeakServerConcurrency,
    long BalancerFailures,
    TimeSpan LatencyEstimate);

/// <summary>One request of a run.</summary>
/// <param name="Id">Its number, in order of arrival from 0.</param>
/// <param name="Backend">The index of the backend it went to; -1 when none was available.</param>
/// <param name="Sent">When it arrived and was sent.</param>
/// <param name="BackendLatency">How long the backend took (or would have taken) to answer.</param>
/// <param name="ClientLatency">How long the client waited: the backend's latency, or the timeout when that was shorter.</param>
/// <param name="TimedOut">Whether the timeout cut it short.</param>
/// <param name="Succeeded">Whether the client got a good answer in time.</param>
public sealed record RequestRecord(int Id, int Backend, TimeSpan Sent, TimeSpan BackendLatency, TimeSpan ClientLatency, bool TimedOut, bool Succeeded);
