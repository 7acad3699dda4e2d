using BenchmarkDotNet.Attributes;
using EdgeKit.Destinations;
using Yarp.ReverseProxy.LoadBalancing;
using EdgeKit.Configuration;
using static EdgeKit.Benchmarks.BenchmarkDestinations;
using YarpDestinationState = Yarp.ReverseProxy.Model.DestinationState;

namespace EdgeKit.Benchmarks;

/// <summary>One pick: YARP's Random (baseline) beside EdgeKit's Random and WeightedRandom.</summary>
[MemoryDiagnoser]
public class RandomPickBenchmarks
{
    private YarpPeer _yarp = null!;
    private Cluster _random = null!;
    private Cluster _weighted = null!;

    [Params(3, 10, 100)]
    public int Destinations { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _yarp = YarpPeer.Create(LoadBalancingPolicies.Random, Destinations);
        _random = CreateEdgeKit(LoadBalancingStrategyNames.Random, Destinations);
        _weighted = CreateEdgeKit(LoadBalancingStrategyNames.WeightedRandom, Destinations, weighted: true);
    }

    [Benchmark(Baseline = true, Description = "YARP Random")]
    public YarpDestinationState? YarpRandom() => _yarp.Policy.PickDestination(_yarp.Context, _yarp.Cluster, _yarp.Available);

    [Benchmark(Description = "EdgeKit Random")]
    public DestinationState? Random() => _random.Pick(default);

    [Benchmark(Description = "EdgeKit WeightedRandom (weights 1,2,3)")]
    public DestinationState? WeightedRandom() => _weighted.Pick(default);
}
