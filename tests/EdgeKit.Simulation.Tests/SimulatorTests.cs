using EdgeKit.Configuration;

namespace EdgeKit.Simulation.Tests;

public class SimulatorTests
{
    private static readonly TimeSpan s_short = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData(LoadBalancingStrategyNames.RoundRobin)]
    [InlineData(LoadBalancingStrategyNames.Random)]
    [InlineData(LoadBalancingStrategyNames.PowerOfTwoChoices)]
    [InlineData(LoadBalancingStrategyNames.PeakEwma)]
    public void The_same_seed_gives_identical_results(string strategy)
    {
        var scenario = StandardScenarios.SlowBackend(seed: 7, duration: s_short) with { RecordRequests = true };

        var first = Simulator.Run(scenario, strategy);
        var second = Simulator.Run(scenario, strategy);

        second.Requests.Should().Equal(first.Requests);
        second.Backends.Should().Equal(first.Backends);
        second.Should().BeEquivalentTo(first);
        first.Requests.Should().HaveCount(first.TotalRequests);
    }

    [Fact]
    public void Another_seed_gives_other_results()
    {
        var one = Simulator.Run(StandardScenarios.SlowBackend(seed: 7, duration: s_short) with { RecordRequests = true }, LoadBalancingStrategyNames.PeakEwma);
        var other = Simulator.Run(StandardScenarios.SlowBackend(seed: 8, duration: s_short) with { RecordRequests = true }, LoadBalancingStrategyNames.PeakEwma);

        other.Requests.Should().NotEqual(one.Requests);
    }

    [Fact]
    public void Every_strategy_sees_the_same_arrivals()
    {
        var scenario = StandardScenarios.SlowBackend(seed: 7, duration: s_short) with { RecordRequests = true };

        var roundRobin = Simulator.Run(scenario, LoadBalancingStrategyNames.RoundRobin);
        var peakEwma = Simulator.Run(scenario, LoadBalancingStrategyNames.PeakEwma);

        peakEwma.Requests.Select(r => r.Sent).Should().Equal(roundRobin.Requests.Select(r => r.Sent));
    }

    [Fact]
    public void Round_robin_spreads_evenly_on_healthy_backends()
    {
        var result = Simulator.Run(StandardScenarios.Healthy(duration: TimeSpan.FromSeconds(20)), LoadBalancingStrategyNames.RoundRobin);

        // Tolerance: round robin is exact, so no two backends' counts may differ by more than one request.
        var counts = result.Backends.Select(b => b.Requests).ToArray();
        counts.Sum().Should().Be(result.TotalRequests);
        (counts.Max() - counts.Min()).Should().BeLessThanOrEqualTo(1);
        result.SuccessRate.Should().Be(1);
    }

    [Fact]
    public void Random_spreads_within_five_standard_deviations_on_healthy_backends()
    {
        var result = Simulator.Run(StandardScenarios.Healthy(duration: TimeSpan.FromSeconds(20)), LoadBalancingStrategyNames.Random);

        // Each count is binomial(n, 1/11): within 5 standard deviations of n/11 unless the picker is biased.
        double mean = result.TotalRequests / 11.0;
        double deviation = Math.Sqrt(result.TotalRequests * (1 / 11.0) * (10 / 11.0));
        result.Backends.Should().OnlyContain(b => Math.Abs(b.Requests - mean) <= 5 * deviation);
    }

    [Fact]
    public void A_request_longer_than_the_timeout_fails_at_the_timeout_and_the_backend_keeps_it_until_it_would_answer()
    {
        // One backend taking 2.5 s; requests at 0, 1 and 2 s; the client gives up after 0.8 s.
        var scenario = new SimulationScenario
        {
            Name = "timeout",
            Backends = [new SimulatedBackend("slow", LatencyModel.Fixed(TimeSpan.FromSeconds(2.5)))],
            Arrivals = ArrivalProcess.Fixed(1),
            Timeout = TimeSpan.FromSeconds(0.8),
            Duration = TimeSpan.FromSeconds(2.5),
            RecordRequests = true,
        };

        var result = Simulator.Run(scenario, LoadBalancingStrategyNames.PeakEwma);

        result.TotalRequests.Should().Be(3);
        result.Succeeded.Should().Be(0);
        result.TimedOut.Should().Be(3);
        result.Requests.Should().OnlyContain(r =>
            r.TimedOut && !r.Succeeded
            && r.ClientLatency == TimeSpan.FromSeconds(0.8)
            && r.BackendLatency == TimeSpan.FromSeconds(2.5));
        result.P50.Should().Be(TimeSpan.FromSeconds(0.8));
        result.Max.Should().Be(TimeSpan.FromSeconds(0.8));

        var backend = result.Backends.Single();
        // The balancer was told at 0.8 s: each request left its in-flight count before the next arrived...
        backend.PeakClientInFlight.Should().Be(1);
        // ...as a failure, with the 0.8 s waited as its latency...
        backend.BalancerFailures.Should().Be(3);
        backend.LatencyEstimate.Should().Be(TimeSpan.FromSeconds(0.8));
        // ...while the server was still working on all three at t = 2 s.
        backend.PeakServerConcurrency.Should().Be(3);
    }

    [Fact]
    public void A_request_taking_exactly_the_timeout_succeeds()
    {
        var scenario = new SimulationScenario
        {
            Name = "edge",
            Backends = [new SimulatedBackend("b", LatencyModel.Fixed(TimeSpan.FromSeconds(1)))],
            Arrivals = ArrivalProcess.Fixed(1),
            Timeout = TimeSpan.FromSeconds(1),
            Duration = TimeSpan.FromSeconds(3),
        };

        var result = Simulator.Run(scenario, LoadBalancingStrategyNames.RoundRobin);

        result.Succeeded.Should().Be(3);
        result.TimedOut.Should().Be(0);
    }

    [Fact]
    public void Timeouts_reported_as_cancelled_teach_the_balancer_nothing()
    {
        var scenario = new SimulationScenario
        {
            Name = "cancelled",
            Backends = [new SimulatedBackend("slow", LatencyModel.Fixed(TimeSpan.FromSeconds(2.5)))],
            Arrivals = ArrivalProcess.Fixed(1),
            Timeout = TimeSpan.FromSeconds(0.8),
            Duration = TimeSpan.FromSeconds(2.5),
            TimeoutOutcome = TimeoutOutcome.Cancelled,
        };

        var backend = Simulator.Run(scenario, LoadBalancingStrategyNames.PeakEwma).Backends.Single();

        backend.Failed.Should().Be(3, "the client still saw three failures");
        backend.BalancerFailures.Should().Be(0);
        backend.LatencyEstimate.Should().Be(TimeSpan.Zero);
    }

    [Fact]
    public void Errors_inside_a_fault_window_fail_without_timing_out()
    {
        var scenario = new SimulationScenario
        {
            Name = "errors",
            Backends =
            [
                new SimulatedBackend("b", LatencyModel.Fixed(TimeSpan.FromMilliseconds(10)),
                    [new BackendFault(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), ErrorRate: 1)]),
            ],
            Arrivals = ArrivalProcess.Fixed(10),
            Timeout = TimeSpan.FromSeconds(1),
            Duration = TimeSpan.FromSeconds(3),
        };

        var result = Simulator.Run(scenario, LoadBalancingStrategyNames.RoundRobin);

        result.TotalRequests.Should().Be(30);
        result.Errors.Should().Be(10);
        result.FaultedRequests.Should().Be(10);
        result.TimedOut.Should().Be(0);
        result.Backends.Single().BalancerFailures.Should().Be(10);
    }

    [Fact]
    public void Requests_carry_keys_when_the_scenario_has_them()
    {
        var scenario = StandardScenarios.Healthy(duration: TimeSpan.FromSeconds(2)) with { RequestKeys = 50 };

        // The built-in strategies ignore keys; the run must still complete every request.
        Simulator.Run(scenario, LoadBalancingStrategyNames.PowerOfTwoChoices).SuccessRate.Should().Be(1);
    }

    [Fact]
    public void An_unknown_strategy_is_refused() =>
        FluentActions.Invoking(() => Simulator.Run(StandardScenarios.Healthy(duration: s_short), "Nope"))
            .Should().Throw<ArgumentException>().WithMessage("*unknown load-balancing strategy 'Nope'*");
}
