using EdgeKit.Balancing;
using EdgeKit.Configuration;
using EdgeKit.Destinations;

namespace EdgeKit.Tests.Balancing;

/// <summary>Builds clusters for strategy tests.</summary>
internal static class StrategyTestHelpers
{
    public static Cluster CreateCluster(string strategy, int count, Random? random = null, TimeProvider? time = null, Func<int, int>? weight = null, Action<LoadBalancingOptions>? configure = null)
    {
        var destinations = Enumerable.Range(0, count)
            .Select(i => new Destination($"d{i}", new Uri($"http://10.0.0.{i + 1}:8080"), weight?.Invoke(i) ?? 1));
        var options = new LoadBalancingOptions { Strategy = strategy };
        configure?.Invoke(options);
        return new Cluster("test", destinations, options, new ClusterEnvironment(time, random ?? new Random(12345)));
    }

    public static Dictionary<string, int> Distribution(Cluster cluster, int picks, Func<int, PickContext>? context = null)
    {
        var counts = cluster.Snapshot.AllDestinations.ToDictionary(d => d.Id, _ => 0);
        for (int i = 0; i < picks; i++)
        {
            var ctx = context?.Invoke(i) ?? default;
            var picked = cluster.Pick(in ctx);
            picked.Should().NotBeNull();
            counts[picked!.Id]++;
        }

        return counts;
    }

    public static DestinationState State(Cluster cluster, string id) =>
        cluster.Snapshot.TryGetDestination(id, out var state) ? state : throw new KeyNotFoundException(id);

    /// <summary>Puts <paramref name="count"/> requests in flight on a destination.</summary>
    public static void SetInFlight(DestinationState state, int count)
    {
        while (state.InFlight < count)
        {
            state.BeginRequest();
        }

        while (state.InFlight > count)
        {
            state.EndRequest(0, 1, RequestOutcome.Cancelled);
        }
    }
}
