using System.Globalization;
using System.Text;

namespace EdgeKit.Simulation;

/// <summary>Markdown for simulation results: a scenario's description and a table of results.</summary>
public static class MarkdownReport
{
    /// <summary>A bullet list describing <paramref name="scenario"/>.</summary>
    /// <param name="scenario">The scenario.</param>
    /// <returns>Markdown text ending with a newline.</returns>
    public static string Describe(SimulationScenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var text = new StringBuilder();
        text.AppendLine($"- **{scenario.Name}**; seed {scenario.Seed}, {Format.Duration(scenario.Duration)} of arrivals, client timeout {Format.Duration(scenario.Timeout)}.");
        text.AppendLine($"- Arrivals: {scenario.Arrivals}.");
        var groups = scenario.Backends
            .GroupBy(b => (Latency: b.Latency.ToString(), Faults: string.Join("; ", b.Faults)))
            .OrderBy(g => g.Count())
            .ToArray();
        foreach (var group in groups)
        {
            var names = group.Select(b => b.Name).ToArray();
            string who = names.Length == 1 ? names[0]
                : groups.Length == 1 ? $"All {names.Length} backends"
                : groups.All(g => g == group || g.Count() == 1) ? $"The other {names.Length} backends"
                : string.Join(", ", names);
            string faults = group.Key.Faults.Length == 0 ? string.Empty : $"; fault {group.Key.Faults}";
            text.AppendLine($"- {who}: {group.Key.Latency}{faults}.");
        }

        text.AppendLine($"- A timed-out request is reported to the balancer as {scenario.TimeoutOutcome.ToString().ToLowerInvariant()} at the timeout.");
        if (scenario.RequestKeys is { } keys)
        {
            text.AppendLine($"- Each request carries one of {keys} keys, drawn uniformly.");
        }

        return text.ToString();
    }

    /// <summary>
    /// A table with one row per result: requests, success rate, failures, p50/p99/p99.9/max of what the
    /// client waited, and requests that hit a fault.
    /// </summary>
    /// <param name="results">The results, one row each, in this order.</param>
    /// <param name="label">The first column's text for each result; default the strategy's name.</param>
    /// <returns>Markdown text ending with a newline.</returns>
    public static string Table(IEnumerable<SimulationResult> results, Func<SimulationResult, string>? label = null)
    {
        ArgumentNullException.ThrowIfNull(results);
        label ??= r => r.Strategy;
        var text = new StringBuilder();
        text.AppendLine("| Strategy | Requests | Success rate | Failed | p50 | p99 | p99.9 | Max | Sent into a fault |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            text.AppendLine(
                $"| {label(r)} | {Count(r.TotalRequests)} | {Format.Percent(r.SuccessRate)} | {Count(r.Failed)} | {Format.Milliseconds(r.P50)} | " +
                $"{Format.Milliseconds(r.P99)} | {Format.Milliseconds(r.P999)} | {Format.Milliseconds(r.Max)} | {Count(r.FaultedRequests)} |");
        }

        return text.ToString();
    }

    private static string Count(int value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
