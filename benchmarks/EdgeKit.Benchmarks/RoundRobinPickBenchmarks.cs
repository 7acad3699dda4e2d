using BenchmarkDotNet.Attributes;
using EdgeKit.Destinations;
using Yarp.ReverseProxy.LoadBalancing;
using EdgeKit.Configuration;
using static EdgeKit.Benchmarks.BenchmarkDestinations;
using YarpDestinationState = Yarp.ReverseProxy.Model.DestinationState;

namespace EdgeKit.Benchmarks;

/// <summary>One pick: YARP's RoundRobin (baseline) beside EdgeKit's RoundRobin and WeightedRoundRobin.</summary>
/// <remarks>Round robin reads no clock, so EdgeKit gets a context without a timestamp.</remarks>
[MemoryDiagnoser]
public class RoundRobinPickBenchmarks
{
    private YarpPeer _yarp = null!;
    private Cluster _roundRobin = null!;
    private Cluster _weighted = null!;

    [Params(3, 10, 100)]
    public int Destinations { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _yarp = YarpPeer.Create(LoadBalancingPolicies.RoundRobin, Destinations);
        _roundRobin = CreateEdgeKit(LoadBalancingStrategyNames.RoundRobin, Destinations);
        _weighted = CreateEdgeKit(LoadBalancingStrategyNames.WeightedRoundRobin, Destinations, weighted: true);
    }

    [Benchmark(Baseline = true, Description = "YARP RoundRobin")]
    public YarpDestinationState? YarpRoundRobin() => _yarp.Policy.PickDestination(_yarp.Context, _yarp.Cluster, _yarp.Available);

    [Benchmark(Description = "EdgeKit RoundRobin")]
    public DestinationState? RoundRobin() => _roundRobin.Pick(default);

    [Benchmark(Description = "EdgeKit WeightedRoundRobin (weights 1,2,3)")]
    public DestinationState? WeightedRoundRobin() => _weighted.Pick(default);
}
