using EdgeKit.Balancing;

namespace EdgeKit.Simulation.Tests;

/// <summary>The full 60 s scenario whose results are committed in benchmarks/results/balancing-quality.md.</summary>
public class StandardScenariosTests
{
    private static readonly Lazy<Dictionary<string, SimulationResult>> s_results = new(() =>
        new[]
        {
            LoadBalancingStrategyNames.RoundRobin,
            LoadBalancingStrategyNames.PowerOfTwoChoices,
            LoadBalancingStrategyNames.PeakEwma,
        }.ToDictionary(s => s, s => Simulator.Run(StandardScenarios.SlowBackend(), s)));

    private static SimulationResult RoundRobin => s_results.Value[LoadBalancingStrategyNames.RoundRobin];

    private static SimulationResult PowerOfTwoChoices => s_results.Value[LoadBalancingStrategyNames.PowerOfTwoChoices];

    private static SimulationResult PeakEwma => s_results.Value[LoadBalancingStrategyNames.PeakEwma];

    [Fact(Skip = "Not met, by design of the scenario: PeakEwma reaches 99.55 % success and a 410 ms p99 against round robin's 1 s. " +
        "0.1 × 1 s is below the healthy backends' own 167 ms median, and a 1 s timeout caps what the balancer can learn " +
        "of a 2 s backend. See benchmarks/results/balancing-quality.md. Unskip when passive health (ejection) joins the scenario.")]
    public void Headline_peak_ewma_succeeds_99_9_percent_with_a_p99_a_tenth_of_round_robins()
    {
        PeakEwma.SuccessRate.Should().BeGreaterThanOrEqualTo(0.999);
        PeakEwma.P99.Should().BeLessThanOrEqualTo(RoundRobin.P99 * 0.1);
    }

    [Fact]
    public void Round_robin_sends_one_request_in_22_into_the_fault()
    {
        // 1/11 of the traffic for half of the run: 4.5 % of requests time out.
        RoundRobin.SuccessRate.Should().BeApproximately(1 - (1 / 22.0), 0.005);
        RoundRobin.P99.Should().Be(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void Peak_ewma_beats_round_robin_and_least_requests_on_the_slow_backend()
    {
        PeakEwma.SuccessRate.Should().BeGreaterThanOrEqualTo(0.995);
        PeakEwma.Failed.Should().BeLessThan(PowerOfTwoChoices.Failed / 2);
        PeakEwma.Failed.Should().BeLessThan(RoundRobin.Failed / 10);
        PeakEwma.P99.Should().BeLessThanOrEqualTo(RoundRobin.P99 * 0.5);
        PeakEwma.P99.Should().BeLessThan(PowerOfTwoChoices.P99);
    }
}
