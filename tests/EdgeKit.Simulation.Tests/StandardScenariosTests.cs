using EdgeKit.Configuration;

namespace EdgeKit.Simulation.Tests;

/// <summary>The full 60 s scenario whose results are committed in benchmarks/results/balancing-quality.md.</summary>
public class StandardScenariosTests
{
    private static readonly string[] s_strategies =
    [
        LoadBalancingStrategyNames.RoundRobin,
        LoadBalancingStrategyNames.PowerOfTwoChoices,
        LoadBalancingStrategyNames.PeakEwma,
    ];

    /// <summary>The strategies alone: outlier detection off.</summary>
    private static readonly Lazy<Dictionary<string, SimulationResult>> s_alone = new(() =>
        s_strategies.ToDictionary(s => s, s => Simulator.Run(StandardScenarios.StrategiesAlone(StandardScenarios.SlowBackend()), s)));

    /// <summary>EdgeKit's defaults: outlier detection on.</summary>
    private static readonly Lazy<Dictionary<string, SimulationResult>> s_defaults = new(() =>
        s_strategies.ToDictionary(s => s, s => Simulator.Run(StandardScenarios.SlowBackend(), s)));

    private static SimulationResult RoundRobin => s_alone.Value[LoadBalancingStrategyNames.RoundRobin];

    private static SimulationResult PowerOfTwoChoices => s_alone.Value[LoadBalancingStrategyNames.PowerOfTwoChoices];

    private static SimulationResult PeakEwma => s_alone.Value[LoadBalancingStrategyNames.PeakEwma];

    [Fact]
    public void With_edgekits_default_health_peak_ewma_succeeds_at_least_99_9_percent()
    {
        var peakEwma = s_defaults.Value[LoadBalancingStrategyNames.PeakEwma];
        var roundRobin = s_defaults.Value[LoadBalancingStrategyNames.RoundRobin];

        peakEwma.SuccessRate.Should().BeGreaterThanOrEqualTo(0.999);
        roundRobin.SuccessRate.Should().BeGreaterThan(RoundRobin.SuccessRate, "ejection takes the slow backend out for round robin too");
        peakEwma.Failed.Should().BeLessThan(roundRobin.Failed);
        peakEwma.P99.Should().BeLessThan(TimeSpan.FromMilliseconds(400), "within 5 % of the 381 ms floor of the fault-free run");
    }

    [Fact]
    public void Round_robin_alone_sends_one_request_in_22_into_the_fault()
    {
        // 1/11 of the traffic for half of the run: 4.5 % of requests time out.
        RoundRobin.SuccessRate.Should().BeApproximately(1 - (1 / 22.0), 0.005);
        RoundRobin.P99.Should().Be(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void Peak_ewma_alone_beats_round_robin_and_least_requests_on_the_slow_backend()
    {
        PeakEwma.SuccessRate.Should().BeGreaterThanOrEqualTo(0.995);
        PeakEwma.Failed.Should().BeLessThan(PowerOfTwoChoices.Failed / 2);
        PeakEwma.Failed.Should().BeLessThan(RoundRobin.Failed / 10);
        PeakEwma.P99.Should().BeLessThanOrEqualTo(RoundRobin.P99 * 0.5);
        PeakEwma.P99.Should().BeLessThan(PowerOfTwoChoices.P99);
    }
}
