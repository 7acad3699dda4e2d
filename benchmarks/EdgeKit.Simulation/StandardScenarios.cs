namespace EdgeKit.Simulation;

/// <summary>The scenarios whose results are committed under <c>benchmarks/results/</c>.</summary>
public static class StandardScenarios
{
    /// <summary>The healthy backends' median latency.</summary>
    public static readonly TimeSpan HealthyMedian = TimeSpan.FromMilliseconds(167);

    /// <summary>The spread of the healthy latency (σ of its logarithm): p99 ≈ 2.26 × median ≈ 377 ms, p99.9 ≈ 2.95 × ≈ 492 ms.</summary>
    public const double HealthySigma = 0.35;

    /// <summary>The slow backend's median latency during its fault.</summary>
    public static readonly TimeSpan SlowMedian = TimeSpan.FromSeconds(2);

    /// <summary>The spread of the slow latency: narrow, so that practically every request outlives a 1 s timeout.</summary>
    public const double SlowSigma = 0.1;

    /// <summary>The index of the backend that turns slow (the sixth of eleven).</summary>
    public const int SlowBackendIndex = 5;

    /// <summary>
    /// Eleven backends answering in a log-normal time (median 167 ms, σ 0.35); the sixth turns slow (log-normal,
    /// median 2 s, σ 0.1) for 30 s, from 15 s to 45 s of a 60 s run; 1000 requests/s arrive as a Poisson
    /// process; the client times out at 1 s.
    /// </summary>
    /// <param name="seed">The seed.</param>
    /// <param name="duration">The run's length; default 60 s. The fault keeps its place relative to it: from ¼ to ¾ of the run.</param>
    /// <returns>The scenario.</returns>
    public static SimulationScenario SlowBackend(int seed = 20250601, TimeSpan? duration = null)
    {
        var length = duration ?? TimeSpan.FromSeconds(60);
        var fault = new BackendFault(length / 4, length / 2, LatencyModel.LogNormal(SlowMedian, SlowSigma));
        var healthy = LatencyModel.LogNormal(HealthyMedian, HealthySigma);
        var backends = Enumerable.Range(0, 11)
            .Select(i => i == SlowBackendIndex
                ? new SimulatedBackend(BackendName(i), healthy, [fault])
                : new SimulatedBackend(BackendName(i), healthy))
            .ToArray();
        return new SimulationScenario
        {
            Name = "One of 11 backends turns slow",
            Backends = backends,
            Arrivals = ArrivalProcess.Poisson(1000),
            Timeout = TimeSpan.FromSeconds(1),
            Duration = length,
            Seed = seed,
        };
    }

    /// <summary>
    /// <paramref name="scenario"/> with outlier detection off: the strategies alone, as in the classic
    /// round robin / least requests / peak EWMA comparisons.
    /// </summary>
    /// <param name="scenario">The scenario.</param>
    /// <returns>The same scenario without passive health.</returns>
    public static SimulationScenario StrategiesAlone(SimulationScenario scenario) =>
        scenario with { ConfigureHealth = h => h.OutlierDetection.Enabled = false };

    /// <summary>The same as <see cref="SlowBackend"/> without the fault: the floor any balancer can reach.</summary>
    /// <param name="seed">The seed.</param>
    /// <param name="duration">The run's length; default 60 s.</param>
    /// <returns>The scenario.</returns>
    public static SimulationScenario Healthy(int seed = 20250601, TimeSpan? duration = null) =>
        SlowBackend(seed, duration) with
        {
            Name = "11 healthy backends (no fault)",
            Backends = SlowBackend(seed, duration).Backends.Select(b => new SimulatedBackend(b.Name, b.Latency)).ToArray(),
        };

    /// <summary>Backend names: <c>backend-01</c> to <c>backend-11</c>.</summary>
    /// <param name="index">The zero-based index.</param>
    /// <returns>The name.</returns>
    public static string BackendName(int index) => $"backend-{index + 1:00}";
}
