using EdgeKit.Balancing;
using EdgeKit.Destinations;
using Microsoft.Extensions.Time.Testing;
using EdgeKit.Configuration;
using static EdgeKit.Tests.Balancing.StrategyTestHelpers;

namespace EdgeKit.Tests.Balancing;

public class PeakEwmaStrategyTests
{
    private static void Observe(DestinationState state, FakeTimeProvider time, TimeSpan latency)
    {
        long now = time.GetTimestamp();
        state.ObserveLatency(now, (long)(latency.TotalSeconds * time.TimestampFrequency));
    }

    [Fact]
    public void Prefers_the_lower_latency_times_load()
    {
        var time = new FakeTimeProvider();
        var cluster = CreateCluster(LoadBalancingStrategyNames.PeakEwma, 2, time: time);
        Observe(State(cluster, "d0"), time, TimeSpan.FromMilliseconds(100));
        Observe(State(cluster, "d1"), time, TimeSpan.FromMilliseconds(300));
        var context = new PickContext(time.GetTimestamp());

        // 100 ms × 1 < 300 ms × 1.
        cluster.Pick(in context)!.Id.Should().Be("d0");

        // 100 ms × (3 + 1) = 400 > 300 ms × 1.
        SetInFlight(State(cluster, "d0"), 3);
        cluster.Pick(in context)!.Id.Should().Be("d1");

        // 100 ms × (2 + 1) = 300 = 300: the first of the pair wins a tie; make it strict.
        SetInFlight(State(cluster, "d0"), 1);
        cluster.Pick(in context)!.Id.Should().Be("d0");
    }

    [Fact]
    public void Routes_around_a_destination_that_turned_slow()
    {
        var time = new FakeTimeProvider();
        var cluster = CreateCluster(LoadBalancingStrategyNames.PeakEwma, 5, time: time);
        foreach (var state in cluster.Snapshot.AllDestinations)
        {
            Observe(state, time, TimeSpan.FromMilliseconds(20));
        }

        time.Advance(TimeSpan.FromMilliseconds(10));
        Observe(State(cluster, "d3"), time, TimeSpan.FromSeconds(2)); // peak: taken at once

        var counts = Distribution(cluster, 10_000, _ => new PickContext(time.GetTimestamp()));

        counts["d3"].Should().Be(0, "d3 only ever meets a cheaper peer in its pair");
    }

    [Fact]
    public void Gives_an_idle_slow_destination_another_chance_as_its_estimate_decays()
    {
        var time = new FakeTimeProvider();
        var cluster = CreateCluster(LoadBalancingStrategyNames.PeakEwma, 2, time: time);
        Observe(State(cluster, "d0"), time, TimeSpan.FromMilliseconds(50));
        Observe(State(cluster, "d1"), time, TimeSpan.FromSeconds(1));
        cluster.Pick(new PickContext(time.GetTimestamp()))!.Id.Should().Be("d0");

        // d1's estimate decays toward zero while it is idle (τ = 10 s); d0 keeps being measured at 50 ms.
        for (int i = 0; i < 60; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            Observe(State(cluster, "d0"), time, TimeSpan.FromMilliseconds(50));
        }

        // 1 s × e^(-61/10) ≈ 2.2 ms < 50 ms.
        cluster.Pick(new PickContext(time.GetTimestamp()))!.Id.Should().Be("d1");
    }

    [Fact]
    public void Does_not_flood_an_unmeasured_destination()
    {
        var time = new FakeTimeProvider();
        var cluster = CreateCluster(LoadBalancingStrategyNames.PeakEwma, 2, time: time);
        Observe(State(cluster, "d0"), time, TimeSpan.FromSeconds(1));
        var context = new PickContext(time.GetTimestamp());

        // Unmeasured and idle: free, so it gets probed.
        cluster.Pick(in context)!.Id.Should().Be("d1");

        // Unmeasured with a request in flight: penalised until its first answer.
        State(cluster, "d1").BeginRequest();
        cluster.Pick(in context)!.Id.Should().Be("d0");
    }

    [Fact]
    public void Divides_cost_by_weight()
    {
        var time = new FakeTimeProvider();
        var cluster = CreateCluster(LoadBalancingStrategyNames.PeakEwma, 2, time: time, weight: i => i == 0 ? 4 : 1);
        Observe(State(cluster, "d0"), time, TimeSpan.FromMilliseconds(300));
        Observe(State(cluster, "d1"), time, TimeSpan.FromMilliseconds(100));

        // 300 / 4 = 75 < 100.
        cluster.Pick(new PickContext(time.GetTimestamp()))!.Id.Should().Be("d0");
    }
}
