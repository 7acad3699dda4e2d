using EdgeKit.Configuration;
using EdgeKit.Destinations;

namespace EdgeKit.Tests.Health;

public class SlowStartOptionsTests
{
    private static int WeightOf(HealthTestCluster t, string id)
    {
        var snapshot = t.Cluster.Snapshot;
        int index = snapshot.AvailableDestinations.Select(d => d.Id).ToList().IndexOf(id);
        return snapshot.EffectiveWeights[index];
    }

    [Fact]
    public void A_destination_joining_a_running_cluster_ramps_linearly_from_the_minimum()
    {
        using var t = new HealthTestCluster(2, h => h.SlowStart.Window = TimeSpan.FromSeconds(10));
        WeightOf(t, "d0").Should().Be(100, "the first destinations are not slow-started");

        t.Cluster.UpdateDestinations(t.Cluster.Snapshot.AllDestinations.Select(d => d.Destination).Append(new Destination("new", new Uri("http://10.0.0.9"))));

        t.Cluster.Snapshot.HasSlowStart.Should().BeTrue();
        WeightOf(t, "new").Should().Be(10, "it starts at the 10% minimum");
        t.Time.Advance(TimeSpan.FromSeconds(5));
        WeightOf(t, "new").Should().Be(50);
        t.Time.Advance(TimeSpan.FromSeconds(2.5));
        WeightOf(t, "new").Should().Be(75);
        t.Time.Advance(TimeSpan.FromSeconds(2.5));
        WeightOf(t, "new").Should().Be(100);
        t.Cluster.Snapshot.HasSlowStart.Should().BeFalse();
    }

    [Fact]
    public void Aggression_shapes_the_ramp()
    {
        using var t = new HealthTestCluster(1, h =>
        {
            h.SlowStart.Window = TimeSpan.FromSeconds(10);
            h.SlowStart.Aggression = 2;
        });
        t.Cluster.UpdateDestinations([t["d0"].Destination, new Destination("new", new Uri("http://10.0.0.9"))]);

        t.Time.Advance(TimeSpan.FromSeconds(2.5));

        WeightOf(t, "new").Should().Be(50, "(2.5 / 10)^(1/2) = 0.5");
    }

    [Fact]
    public void A_destination_back_from_ejection_ramps_and_gets_its_share_as_it_does()
    {
        using var t = new HealthTestCluster(4, h =>
        {
            h.SlowStart.Window = TimeSpan.FromSeconds(20);
            h.SlowStart.MinWeightPercent = 10;
            h.OutlierDetection.SuccessRateEnabled = false;
            h.OutlierDetection.MaxEjectionPercent = 50;
        }, strategy: LoadBalancingStrategyNames.WeightedRoundRobin);
        t.Complete("d3", 503, 5);
        t["d3"].IsEjected.Should().BeTrue();
        t.Time.Advance(TimeSpan.FromSeconds(30));

        int Share(string id)
        {
            var picks = Enumerable.Range(0, 310).Select(_ => t.Cluster.Pick(default)!.Id);
            return picks.Count(p => p == id);
        }

        // At readmission: 10 against 100, 100, 100: 10 of every 310 picks.
        Share("d3").Should().Be(10);
        t.Time.Advance(TimeSpan.FromSeconds(10));
        WeightOf(t, "d3").Should().Be(50);
        t.Time.Advance(TimeSpan.FromSeconds(10));
        WeightOf(t, "d3").Should().Be(100);
        Share("d3").Should().BeInRange(77, 78, "a quarter of 310 once fully ramped");
    }

    [Fact]
    public void Round_robin_honours_slow_start_and_least_requests_weighs_by_it()
    {
        using var rr = new HealthTestCluster(1, h => h.SlowStart.Window = TimeSpan.FromSeconds(10));
        rr.Cluster.UpdateDestinations([rr["d0"].Destination, new Destination("new", new Uri("http://10.0.0.9"))]);
        var picks = Enumerable.Range(0, 110).Select(_ => rr.Cluster.Pick(default)!.Id).ToList();
        picks.Count(p => p == "new").Should().Be(10, "10 of 110 while at 10%");

        using var lr = new HealthTestCluster(1, h => h.SlowStart.Window = TimeSpan.FromSeconds(10), strategy: LoadBalancingStrategyNames.LeastRequests);
        lr.Cluster.UpdateDestinations([lr["d0"].Destination, new Destination("new", new Uri("http://10.0.0.9"))]);
        for (int i = 0; i < 110; i++)
        {
            lr.Cluster.Pick(default)!.BeginRequest();
        }

        lr["new"].InFlight.Should().BeInRange(9, 11, "in-flight settles in proportion to the effective weights 10 : 100");
    }

    [Fact]
    public void No_window_means_no_slow_start()
    {
        using var t = new HealthTestCluster(1);
        t.Cluster.UpdateDestinations([t["d0"].Destination, new Destination("new", new Uri("http://10.0.0.9"))]);

        t.Cluster.Snapshot.HasSlowStart.Should().BeFalse();
        WeightOf(t, "new").Should().Be(100);
    }
}
