using EdgeKit.Destinations;

namespace EdgeKit.Tests.Health;

/// <summary>Readmission as soon as a destination is healthy again, slow start after it, fresh state for a new address, and the status that shows it.</summary>
public sealed class ReadmissionTests
{
    [Fact]
    public void A_destination_readmitted_by_probes_ramps_up_in_slow_start()
    {
        using var t = new HealthTestCluster(2, h => h.SlowStart.Window = TimeSpan.FromSeconds(10));
        t.Complete("d0", 500, 5);
        t["d0"].IsEjected.Should().BeTrue();

        t.Cluster.ReportProbeResult(t["d0"], true);
        t.Cluster.ReportProbeResult(t["d0"], true);

        t.Available.Should().Equal("d0", "d1");
        t.Cluster.Snapshot.EffectiveWeights.Should().Equal([10, 100], "slow start begins at MinWeightPercent (10%) of the weight of 1 × 100");
        t.Time.Advance(TimeSpan.FromSeconds(5));
        t.Cluster.Snapshot.EffectiveWeights.Should().Equal(50, 100);
        t.Time.Advance(TimeSpan.FromSeconds(5));
        t.Cluster.Snapshot.EffectiveWeights.Should().Equal(100, 100);
        t.Cluster.Snapshot.HasSlowStart.Should().BeFalse();
    }

    [Fact]
    public void A_failing_probe_after_the_ejection_starts_the_rise_count_again()
    {
        using var t = new HealthTestCluster(3);
        Refuse(t, "d0", 5);

        t.Cluster.ReportProbeResult(t["d0"], true);
        t.Cluster.ReportProbeResult(t["d0"], false);
        t.Cluster.ReportProbeResult(t["d0"], true);
        t["d0"].IsEjected.Should().BeTrue("the passes were not in a row");

        t.Cluster.ReportProbeResult(t["d0"], true);
        t["d0"].IsEjected.Should().BeFalse();
        t.Logs.WithEventId(1001).Select(e => e.Message).Should().Equal(
            "Cluster 'svc': destination 'd0' went from Unknown to Unhealthy (connect-failure).",
            "Cluster 'svc': destination 'd0' went from Unhealthy to Healthy (active-probe-healthy).");
    }

    [Fact]
    public void A_new_address_for_an_ejected_id_starts_with_fresh_state_and_gets_traffic_at_once()
    {
        using var t = new HealthTestCluster(2);
        Refuse(t, "d0", 5);
        t.Cluster.ReportProbeResult(t["d0"], false);
        var old = t["d0"];
        old.IsEjected.Should().BeTrue();

        t.Cluster.UpdateDestinations(
        [
            new Destination("d0", new Uri("http://10.0.0.99:8080")),
            new Destination("d1", new Uri("http://10.0.0.2:8080")),
        ]);

        var fresh = t["d0"];
        fresh.Should().NotBeSameAs(old);
        (fresh.IsEjected, fresh.Health, fresh.EjectionCount, fresh.ConsecutiveProbeFailures, fresh.TotalRequests).Should().Be((false, DestinationHealth.Unknown, 0, 0, 0L));
        t.Available.Should().Equal("d0", "d1");
        var picks = Enumerable.Range(0, 10).Select(_ => t.Cluster.Pick(default)!.Id).ToList();
        picks.Should().Contain("d0");
        t.Logs.WithEventId(1023).Single().Message.Should().Be("Cluster 'svc': destination 'd0' has a new address; it starts with fresh health state.");

        // The old state's ejection timer is gone with it: its end changes nothing.
        t.Time.Advance(TimeSpan.FromSeconds(30));
        t.Logs.WithEventId(1021).Should().BeEmpty();
    }

    [Fact]
    public void A_destination_whose_other_settings_change_keeps_its_state()
    {
        using var t = new HealthTestCluster(2);
        Refuse(t, "d0", 5);
        var state = t["d0"];

        t.Cluster.UpdateDestinations(
        [
            new Destination("d0", new Uri("http://10.0.0.1:8080"), weight: 3),
            new Destination("d1", new Uri("http://10.0.0.2:8080")),
        ]);

        t["d0"].Should().BeSameAs(state);
        t["d0"].IsEjected.Should().BeTrue();
    }

    [Fact]
    public void The_status_shows_why_and_until_when_a_destination_is_ejected_and_what_its_probes_saw()
    {
        using var t = new HealthTestCluster(3);
        var start = t.Time.GetUtcNow();
        Refuse(t, "d0", 5);
        t.Time.Advance(TimeSpan.FromSeconds(2));
        t.Cluster.ReportProbeResult(t["d0"], new ProbeObservation(t.Time.GetUtcNow(), true, "status 200"));

        var status = t.Cluster.GetStatus().Destinations[0];

        status.EjectionReason.Should().Be("connect-failure");
        status.EjectedUntil.Should().Be(start + TimeSpan.FromSeconds(30));
        status.EjectedFor.Should().Be(TimeSpan.FromSeconds(28));
        status.ConsecutiveProbeSuccesses.Should().Be(1);
        status.ConsecutiveProbeFailures.Should().Be(0);
        status.LastProbeAt.Should().Be(start + TimeSpan.FromSeconds(2));
        status.LastProbePassed.Should().BeTrue();
        status.LastProbeResult.Should().Be("status 200");

        var other = t.Cluster.GetStatus().Destinations[1];
        (other.EjectionReason, other.EjectedUntil, other.LastProbeAt, other.LastProbePassed, other.LastProbeResult).Should().Be(((string?)null, (DateTimeOffset?)null, (DateTimeOffset?)null, (bool?)null, (string?)null));
    }

    private static void Refuse(HealthTestCluster t, string id, int count)
    {
        for (int i = 0; i < count; i++)
        {
            t.Cluster.Begin(t[id]).Complete(RequestOutcome.Failure, 0, RequestErrorTypes.ConnectionError);
        }
    }
}
