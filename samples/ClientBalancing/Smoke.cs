using EdgeKit.Configuration;
using EdgeKit.Destinations;

namespace EdgeKit.Samples.ClientBalancing;

/// <summary>The sample's self-check (<c>--smoke</c>): what it measured, each with the result it must have.</summary>
internal static class Smoke
{
    /// <summary>Prints one line per check and returns the exit code: 0 when every check passed, 1 otherwise.</summary>
    /// <param name="distribution">Per strategy, how many requests each of the four instances served.</param>
    /// <param name="weights">The four instances' weights, in the same order.</param>
    /// <param name="resilientServedBy">Who answered each call of the health-and-retries part.</param>
    /// <param name="faulty">The faulty destination's status after that part.</param>
    /// <param name="faultyRequests">How many requests reached the faulty instance.</param>
    /// <param name="ejectAfter">The consecutive 5xx that eject it.</param>
    public static int Check(
        (string Strategy, int[] Counts)[] distribution,
        int[] weights,
        string[] resilientServedBy,
        DestinationStatus faulty,
        int faultyRequests,
        int ejectAfter)
    {
        int failures = 0;
        void Expect(bool ok, string what)
        {
            Console.WriteLine($"{(ok ? "ok  " : "FAIL")} {what}");
            failures += ok ? 0 : 1;
        }

        Console.WriteLine();
        foreach (var (strategy, counts) in distribution)
        {
            Expect(counts.Count(c => c > 0) >= 2, $"{strategy}: spread over {counts.Count(c => c > 0)} of {counts.Length} instances ({string.Join("/", counts)})");
        }

        var roundRobin = distribution.Single(d => d.Strategy == LoadBalancingStrategyNames.RoundRobin).Counts;
        Expect(roundRobin.All(c => c == roundRobin[0]), $"RoundRobin: an equal share each ({string.Join("/", roundRobin)})");
        var weighted = distribution.Single(d => d.Strategy == LoadBalancingStrategyNames.WeightedRoundRobin).Counts;
        int total = weighted.Sum();
        Expect(weighted.Select((c, i) => c * weights.Sum() == weights[i] * total).All(exact => exact), $"WeightedRoundRobin: shares in proportion to the weights {string.Join("/", weights)} ({string.Join("/", weighted)})");

        Expect(faulty.IsEjected && faulty.Health == DestinationHealth.Unhealthy, $"{faulty.Id}: ejected by outlier detection (health {faulty.Health})");
        Expect(faultyRequests == ejectAfter, $"{faulty.Id}: skipped once ejected ({faultyRequests} requests reached it; ejected after {ejectAfter})");
        Expect(!resilientServedBy.Contains(faulty.Id), $"{faulty.Id}: answered none of the {resilientServedBy.Length} calls");
        Expect(faultyRequests > 0, $"retries: {faultyRequests} calls that got a 503 were retried and succeeded on another instance");

        Console.WriteLine(failures == 0 ? "smoke: all as expected" : $"smoke: {failures} checks failed");
        return failures == 0 ? 0 : 1;
    }
}
