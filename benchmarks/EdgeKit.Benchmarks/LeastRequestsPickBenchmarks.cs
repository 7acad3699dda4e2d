using BenchmarkDotNet.Attributes;
using EdgeKit.Destinations;
using Yarp.ReverseProxy.LoadBalancing;
using EdgeKit.Configuration;
using static EdgeKit.Benchmarks.BenchmarkDestinations;
using YarpDestinationState = Yarp.ReverseProxy.Model.DestinationState;

namespace EdgeKit.Benchmarks;

/// <summary>One pick: YARP's LeastRequests (baseline) beside EdgeKit's LeastRequests; both scan every destination.</summary>
/// <remarks>
/// Destinations carry 0–7 requests in flight (the same on both sides). EdgeKit's scan starts at a random
/// destination and compares load per unit of weight, so equal destinations share the traffic; YARP's starts
/// at the first and keeps the first of equals.
/// </remarks>
[MemoryDiagnoser]
public class LeastRequestsPickBenchmarks
{
    private YarpPeer _yarp = null!;
    private Cluster _leastRequests = null!;

    [Params(3, 10, 100)]
    public int Destinations { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _yarp = YarpPeer.Create(LoadBalancingPolicies.LeastRequests, Destinations);
        _leastRequests = CreateEdgeKit(LoadBalancingStrategyNames.LeastRequests, Destinations);
    }

    [Benchmark(Baseline = true, Description = "YARP LeastRequests")]
    public YarpDestinationState? YarpLeastRequests() => _yarp.Policy.PickDestination(_yarp.Context, _yarp.Cluster, _yarp.Available);

    [Benchmark(Description = "EdgeKit LeastRequests")]
    public DestinationState? LeastRequests() => _leastRequests.Pick(default);
}
