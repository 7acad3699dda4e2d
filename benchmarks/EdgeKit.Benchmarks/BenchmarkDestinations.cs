using EdgeKit.Destinations;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy.LoadBalancing;
using EdgeKit.Configuration;
using YarpClusterDestinationsState = Yarp.ReverseProxy.Model.ClusterDestinationsState;
using YarpClusterState = Yarp.ReverseProxy.Model.ClusterState;
using YarpDestinationState = Yarp.ReverseProxy.Model.DestinationState;

namespace EdgeKit.Benchmarks;

/// <summary>
/// Equivalent destination sets for EdgeKit and YARP: the same ids, and the same in-flight count on the
/// destination of the same id on both sides.
/// </summary>
internal static class BenchmarkDestinations
{
    /// <summary>The highest in-flight count (exclusive) given to a destination.</summary>
    public const int MaxInFlight = 8;

    /// <summary>A fixed, seeded in-flight count per destination: 0 to 7, as on a lightly loaded service.</summary>
    public static int[] InFlight(int count)
    {
        var random = new Random(42);
        return Enumerable.Range(0, count).Select(_ => random.Next(MaxInFlight)).ToArray();
    }

    /// <summary>Weights cycling 1, 2, 3 for the weighted strategies.</summary>
    public static int Weight(int index) => (index % 3) + 1;

    public static string Id(int index) => $"d{index:000}";

    /// <summary>
    /// An EdgeKit cluster with the default environment (system clock, <see cref="Random.Shared"/>), as in
    /// production, whose destinations carry <see cref="InFlight"/> requests.
    /// </summary>
    public static Cluster CreateEdgeKit(string strategy, int count, bool weighted = false)
    {
        var destinations = Enumerable.Range(0, count)
            .Select(i => new Destination(Id(i), new Uri($"http://backend-{i}.bench.invalid:8080"), weighted ? Weight(i) : 1));
        var cluster = new Cluster("bench", destinations, new LoadBalancingOptions { Strategy = strategy });
        var inFlight = InFlight(count);
        for (int i = 0; i < count; i++)
        {
            cluster.Snapshot.TryGetDestination(Id(i), out var state);
            for (int k = 0; k < inFlight[i]; k++)
            {
                state!.BeginRequest();
            }
        }

        return cluster;
    }

    /// <summary>
    /// Gives every destination a latency history (log-normal around 167 ms, seeded) observed a second before
    /// now, so peak EWMA scores take their full path: a decayed cost (one <see cref="Math.Exp"/>) times load.
    /// </summary>
    public static void ObserveLatencies(Cluster cluster)
    {
        var time = cluster.Environment.TimeProvider;
        long frequency = time.TimestampFrequency;
        long then = time.GetTimestamp() - frequency;
        var random = new Random(7);
        foreach (var state in cluster.Snapshot.AllDestinations)
        {
            for (int k = 0; k < 20; k++)
            {
                double seconds = 0.167 * Math.Exp(0.35 * ((random.NextDouble() * 2) - 1));
                state.ObserveLatency(then + (k * frequency / 1000), (long)(seconds * frequency));
            }
        }
    }

    /// <summary>The YARP side: a policy resolved from YARP's own DI registrations and a cluster state as YARP builds it.</summary>
    public sealed class YarpPeer
    {
        private YarpPeer(ILoadBalancingPolicy policy, YarpClusterState cluster, IReadOnlyList<YarpDestinationState> available)
        {
            Policy = policy;
            Cluster = cluster;
            Available = available;
        }

        public ILoadBalancingPolicy Policy { get; }

        public YarpClusterState Cluster { get; }

        /// <summary>The list YARP passes to policies: without health checks, the <c>ConcurrentDictionary.Values</c> snapshot YARP's ClusterDestinationsUpdater takes.</summary>
        public IReadOnlyList<YarpDestinationState> Available { get; }

        public HttpContext Context { get; } = new DefaultHttpContext();

        public static YarpPeer Create(string policyName, int count)
        {
            var services = new ServiceCollection();
            services.AddReverseProxy();
            var provider = services.BuildServiceProvider();
            var policy = provider.GetServices<ILoadBalancingPolicy>().Single(p => p.Name == policyName);

            var cluster = new YarpClusterState("bench");
            var inFlight = InFlight(count);
            for (int i = 0; i < count; i++)
            {
                var destination = cluster.Destinations.GetOrAdd(Id(i), id => new YarpDestinationState(id));
                destination.ConcurrentRequestCount = inFlight[i];
            }

            var all = (IReadOnlyList<YarpDestinationState>)cluster.Destinations.Values;
            cluster.DestinationsState = new YarpClusterDestinationsState(all, all);
            return new YarpPeer(policy, cluster, cluster.DestinationsState.AvailableDestinations);
        }
    }
}
