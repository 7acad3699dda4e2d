using BenchmarkDotNet.Attributes;
using EdgeKit.Balancing;
using EdgeKit.Destinations;
using Yarp.ReverseProxy.LoadBalancing;
using EdgeKit.Configuration;
using static EdgeKit.Benchmarks.BenchmarkDestinations;
using YarpDestinationState = Yarp.ReverseProxy.Model.DestinationState;

namespace EdgeKit.Benchmarks;

/// <summary>
/// One pick: YARP's PowerOfTwoChoices (baseline) beside EdgeKit's PowerOfTwoChoices and PeakEwma, which is
/// P2C with a latency-weighted score and has no YARP counterpart.
/// </summary>
/// <remarks>
/// Destinations carry 0–7 requests in flight (the same on both sides). PeakEwma's destinations also carry a
/// latency history, so every score decays a cost. "PeakEwma" reads the cluster's <see cref="TimeProvider"/>
/// (the system clock) once per pick for its context's timestamp, as an honest per-pick cost;
/// "PeakEwma, timestamp given" reuses one taken in setup, isolating the pick itself (in
/// <c>BalancingHandler</c> the pick reuses the timestamp the handler takes anyway to time the request).
/// </remarks>
[MemoryDiagnoser]
public class PowerOfTwoChoicesPickBenchmarks
{
    private YarpPeer _yarp = null!;
    private Cluster _p2c = null!;
    private Cluster _peakEwma = null!;
    private TimeProvider _clock = null!;
    private long _timestamp;

    [Params(3, 10, 100)]
    public int Destinations { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _yarp = YarpPeer.Create(LoadBalancingPolicies.PowerOfTwoChoices, Destinations);
        _p2c = CreateEdgeKit(LoadBalancingStrategyNames.PowerOfTwoChoices, Destinations);
        _peakEwma = CreateEdgeKit(LoadBalancingStrategyNames.PeakEwma, Destinations);
        ObserveLatencies(_peakEwma);
        _clock = _peakEwma.Environment.TimeProvider;
        _timestamp = _clock.GetTimestamp();
    }

    [Benchmark(Baseline = true, Description = "YARP PowerOfTwoChoices")]
    public YarpDestinationState? YarpPowerOfTwoChoices() => _yarp.Policy.PickDestination(_yarp.Context, _yarp.Cluster, _yarp.Available);

    [Benchmark(Description = "EdgeKit PowerOfTwoChoices")]
    public DestinationState? PowerOfTwoChoices() => _p2c.Pick(default);

    [Benchmark(Description = "EdgeKit PeakEwma (clock read per pick)")]
    public DestinationState? PeakEwma()
    {
        var context = new PickContext(_clock.GetTimestamp());
        return _peakEwma.Pick(in context);
    }

    [Benchmark(Description = "EdgeKit PeakEwma (timestamp given)")]
    public DestinationState? PeakEwmaTimestampGiven()
    {
        var context = new PickContext(_timestamp);
        return _peakEwma.Pick(in context);
    }
}
