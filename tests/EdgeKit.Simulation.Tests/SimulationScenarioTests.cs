namespace EdgeKit.Simulation.Tests;

public class SimulationScenarioTests
{
    [Fact]
    public void Validation_lists_every_problem_at_once()
    {
        var backend = new SimulatedBackend("a", LatencyModel.Fixed(TimeSpan.FromMilliseconds(1)),
            [new BackendFault(TimeSpan.Zero, TimeSpan.Zero, ErrorRate: 2)]);
        var scenario = new SimulationScenario
        {
            Name = "bad",
            Backends = [backend, backend with { Faults = [] }],
            Arrivals = ArrivalProcess.Fixed(1),
            Timeout = TimeSpan.Zero,
            Duration = TimeSpan.FromSeconds(-1),
            RequestKeys = 0,
        };

        FluentActions.Invoking(scenario.Validate).Should().Throw<ArgumentException>()
            .Which.Message.Should()
            .Contain("Scenario 'bad' is invalid:")
            .And.Contain("Backend 'a': a fault must start at zero or later and last a positive time")
            .And.Contain("Backend 'a': a fault's ErrorRate must be between 0 and 1, was 2.")
            .And.Contain("Backends: the name 'a' is used twice.")
            .And.Contain("Timeout: must be positive")
            .And.Contain("Duration: must be positive")
            .And.Contain("RequestKeys: must be at least 1 when set, was 0.");
    }

    [Fact]
    public void The_standard_scenario_is_the_one_the_issue_describes()
    {
        var scenario = StandardScenarios.SlowBackend();
        scenario.Backends.Should().HaveCount(11);
        scenario.Duration.Should().Be(TimeSpan.FromSeconds(60));
        scenario.Timeout.Should().Be(TimeSpan.FromSeconds(1));
        scenario.Arrivals.ToString().Should().Be("Poisson, 1000 requests/s");
        scenario.Backends.Where(b => b.Faults.Count > 0).Should().ContainSingle()
            .Which.Faults.Should().ContainSingle()
            .Which.Should().Match<BackendFault>(f => f.Start == TimeSpan.FromSeconds(15) && f.Duration == TimeSpan.FromSeconds(30));
        scenario.Backends[0].Latency.ToString().Should().Be("log-normal, median 167 ms, σ 0.35");
    }

    [Fact]
    public void The_healthy_latency_model_has_the_documented_median_and_p99()
    {
        var model = LatencyModel.LogNormal(StandardScenarios.HealthyMedian, StandardScenarios.HealthySigma);
        var random = new Random(1);
        var samples = Enumerable.Range(0, 100_000).Select(_ => model.Sample(random).Ticks).Order().ToArray();

        // Median 167 ms; p99 = 167 × e^(2.326 × 0.35) ≈ 377 ms. 100,000 samples put both within 2 %.
        TimeSpan.FromTicks(Percentiles.NearestRank(samples, 50)).TotalMilliseconds.Should().BeApproximately(167, 167 * 0.02);
        TimeSpan.FromTicks(Percentiles.NearestRank(samples, 99)).TotalMilliseconds.Should().BeApproximately(377, 377 * 0.02);
    }
}
