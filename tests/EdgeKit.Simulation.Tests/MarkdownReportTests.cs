namespace EdgeKit.Simulation.Tests;

public class MarkdownReportTests
{
    [Fact]
    public void Writes_one_row_per_result_with_invariant_numbers()
    {
        var result = new SimulationResult
        {
            Scenario = "s",
            Strategy = "PeakEwma",
            TotalRequests = 60_108,
            Succeeded = 59_835,
            TimedOut = 273,
            Errors = 0,
            NoDestination = 0,
            P50 = TimeSpan.FromMilliseconds(167.94),
            P99 = TimeSpan.FromMilliseconds(410.5),
            P999 = TimeSpan.FromSeconds(1),
            Max = TimeSpan.FromSeconds(1),
            FaultedRequests = 273,
            Backends = [],
            Requests = [],
        };

        var table = MarkdownReport.Table([result]).Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);

        table.Should().HaveCount(3);
        table[0].Should().Be("| Strategy | Requests | Success rate | Failed | p50 | p99 | p99.9 | Max | Sent into a fault |");
        table[2].Should().Be("| PeakEwma | 60,108 | 99.546 % | 273 | 167.9 ms | 410.5 ms | 1000.0 ms | 1000.0 ms | 273 |");
    }

    [Fact]
    public void Describes_the_standard_scenario()
    {
        var text = MarkdownReport.Describe(StandardScenarios.SlowBackend());

        text.Should().Contain("seed 20250601, 60 s of arrivals, client timeout 1 s.")
            .And.Contain("- Arrivals: Poisson, 1000 requests/s.")
            .And.Contain("- backend-06: log-normal, median 167 ms, σ 0.35; fault 15 s–45 s: latency log-normal, median 2 s, σ 0.1.")
            .And.Contain("- The other 10 backends: log-normal, median 167 ms, σ 0.35.")
            .And.Contain("reported to the balancer as failure at the timeout");
    }
}
