using EdgeKit.Configuration;
using EdgeKit.Destinations;

namespace EdgeKit.Tests.Health;

public class OutlierDetectorTests
{
    [Fact]
    public void Five_consecutive_5xx_eject_for_the_base_time_then_the_destination_returns()
    {
        using var t = new HealthTestCluster(10, h => h.OutlierDetection.SuccessRateEnabled = false);

        t.Complete("d3", 500, 4);
        t["d3"].IsEjected.Should().BeFalse("4 failures are one short of the default 5");
        t.Complete("d3", 503);

        t["d3"].IsEjected.Should().BeTrue();
        t["d3"].Health.Should().Be(DestinationHealth.Unhealthy);
        t["d3"].EjectionCount.Should().Be(1);
        t.Available.Should().NotContain("d3");
        t.Logs.WithEventId(1020).Should().ContainSingle().Which.Message
            .Should().Be("Cluster 'svc': destination 'd3' ejected for 00:00:30 (consecutive-5xx); ejection number 1.");

        t.Time.Advance(TimeSpan.FromSeconds(29));
        t["d3"].IsEjected.Should().BeTrue();
        t.Time.Advance(TimeSpan.FromSeconds(1));

        t["d3"].IsEjected.Should().BeFalse();
        t["d3"].Health.Should().Be(DestinationHealth.Unknown);
        t["d3"].Consecutive5xx.Should().Be(0, "readmission forgets the run that caused the ejection");
        t.Available.Should().Contain("d3");
        t.Logs.WithEventId(1021).Should().ContainSingle().Which.Message.Should().Be("Cluster 'svc': destination 'd3' readmitted (ejection-ended).");
    }

    [Fact]
    public void Each_further_ejection_lasts_longer_up_to_the_maximum_and_the_multiplier_decays_while_well()
    {
        using var t = new HealthTestCluster(10, h =>
        {
            h.OutlierDetection.SuccessRateEnabled = false;
            h.OutlierDetection.BaseEjectionTime = TimeSpan.FromSeconds(30);
            h.OutlierDetection.MaxEjectionTime = TimeSpan.FromSeconds(75);
            h.OutlierDetection.Interval = TimeSpan.FromSeconds(10);
        });

        TimeSpan Eject()
        {
            t.Complete("d1", 500, 5);
            t["d1"].IsEjected.Should().BeTrue();
            long ticks = t["d1"].EjectedUntil - t.Time.GetTimestamp();
            return TimeSpan.FromSeconds((double)ticks / t.Time.TimestampFrequency);
        }

        Eject().Should().Be(TimeSpan.FromSeconds(30));
        t.Time.Advance(TimeSpan.FromSeconds(30));
        Eject().Should().Be(TimeSpan.FromSeconds(60), "the second ejection is twice the base");
        t.Time.Advance(TimeSpan.FromSeconds(60));
        Eject().Should().Be(TimeSpan.FromSeconds(75), "the third would be 90 s but the maximum is 75 s");
        t["d1"].EjectionMultiplier.Should().Be(3);
        t.Time.Advance(TimeSpan.FromSeconds(75));

        // Un-ejected, the multiplier falls by one per interval.
        t.Time.Advance(TimeSpan.FromSeconds(10));
        t["d1"].EjectionMultiplier.Should().BeLessThan(3);
        for (int i = 0; i < 3; i++)
        {
            t.Time.Advance(TimeSpan.FromSeconds(10)); // one evaluation per interval (a jump of several intervals evaluates once)
        }

        t["d1"].EjectionMultiplier.Should().Be(0);
        Eject().Should().Be(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void A_success_or_a_cancellation_breaks_the_run()
    {
        using var t = new HealthTestCluster(10, h => h.OutlierDetection.SuccessRateEnabled = false);

        t.Complete("d0", 500, 4);
        t.Complete("d0", 200);
        t.Complete("d0", 500, 4);
        t["d0"].IsEjected.Should().BeFalse();
        t["d0"].Consecutive5xx.Should().Be(4);

        // A cancelled request says nothing about the destination.
        var d = t["d0"];
        d.BeginRequest();
        d.EndRequest(t.Time.GetTimestamp(), 1, RequestOutcome.Cancelled);
        t["d0"].Consecutive5xx.Should().Be(4);
        t.Complete("d0", 500);
        t["d0"].IsEjected.Should().BeTrue();
    }

    [Fact]
    public void Gateway_failures_have_their_own_run_that_other_5xx_break()
    {
        using var t = new HealthTestCluster(10, h =>
        {
            h.OutlierDetection.SuccessRateEnabled = false;
            h.OutlierDetection.Consecutive5xx = 0;
            h.OutlierDetection.ConsecutiveGatewayFailures = 3;
        });

        t.Complete("d2", 0, 2);   // connection refused, reset or timeout
        t.Complete("d2", 500);    // not a gateway failure: breaks the run
        t["d2"].ConsecutiveGatewayFailures.Should().Be(0);
        t.Complete("d2", 502);
        t.Complete("d2", 504);
        t["d2"].IsEjected.Should().BeFalse();
        t.Complete("d2", 0);

        t["d2"].IsEjected.Should().BeTrue();
        t.Logs.WithEventId(1020).Single().Message.Should().Contain("(consecutive-gateway-failure)");
    }

    [Fact]
    public void No_more_than_the_maximum_percentage_is_ejected_but_always_one()
    {
        using var t = new HealthTestCluster(10, h =>
        {
            h.OutlierDetection.SuccessRateEnabled = false;
            h.OutlierDetection.MaxEjectionPercent = 10;
        });

        t.Complete("d0", 500, 5);
        t.Complete("d1", 500, 5);

        t["d0"].IsEjected.Should().BeTrue();
        t["d1"].IsEjected.Should().BeFalse("10% of 10 destinations is one");

        t.Time.Advance(TimeSpan.FromSeconds(30));
        t["d0"].IsEjected.Should().BeFalse();
        t.Complete("d1", 500);
        t["d1"].IsEjected.Should().BeTrue("the next failure is judged again once there is room");

        using var small = new HealthTestCluster(3, h => h.OutlierDetection.MaxEjectionPercent = 0);
        small.Complete("d0", 500, 5);
        small["d0"].IsEjected.Should().BeTrue("one destination can always be ejected");
    }

    [Fact]
    public void Success_rate_ejects_a_destination_far_below_its_peers()
    {
        using var t = new HealthTestCluster(6, h => h.OutlierDetection.Consecutive5xx = 0);
        for (int round = 0; round < 100; round++)
        {
            foreach (var id in new[] { "d0", "d1", "d2", "d3", "d4" })
            {
                t.Complete(id, 200);
            }

            // d5 fails every other request: never five in a row, but a 50% success rate.
            t.Complete("d5", round % 2 == 0 ? 500 : 200);
        }

        t.Time.Advance(TimeSpan.FromSeconds(10));

        t["d5"].IsEjected.Should().BeTrue();
        t.Logs.WithEventId(1020).Single().Message.Should().Contain("(success-rate)");
        t.Cluster.Snapshot.AllDestinations.Where(d => d.Id != "d5").Should().OnlyContain(d => !d.IsEjected);
    }

    [Fact]
    public void Success_rate_needs_enough_hosts_and_volume()
    {
        using var t = new HealthTestCluster(6, h => h.OutlierDetection.Consecutive5xx = 0);
        for (int round = 0; round < 99; round++)
        {
            foreach (var id in new[] { "d0", "d1", "d2", "d3", "d4", "d5" })
            {
                t.Complete(id, id == "d5" && round % 2 == 0 ? 500 : 200);
            }
        }

        t.Time.Advance(TimeSpan.FromSeconds(10));
        t["d5"].IsEjected.Should().BeFalse("99 requests are below the default volume of 100");

        // The next interval counts only its own requests: 100 each, but only four peers reach the volume.
        for (int round = 0; round < 100; round++)
        {
            foreach (var id in new[] { "d0", "d1", "d2", "d5" })
            {
                t.Complete(id, id == "d5" && round % 2 == 0 ? 500 : 200);
            }
        }

        t.Time.Advance(TimeSpan.FromSeconds(10));
        t["d5"].IsEjected.Should().BeFalse("four hosts with volume are below the default minimum of five");
    }

    [Fact]
    public void Failure_percentage_ejects_above_its_threshold_when_enabled()
    {
        using var t = new HealthTestCluster(5, h =>
        {
            h.OutlierDetection.Consecutive5xx = 0;
            h.OutlierDetection.ConsecutiveGatewayFailures = 0;
            h.OutlierDetection.SuccessRateEnabled = false;
            h.OutlierDetection.FailurePercentageEnabled = true;
            h.OutlierDetection.FailurePercentageThreshold = 85;
            h.OutlierDetection.MaxEjectionPercent = 100;
        });
        for (int i = 0; i < 50; i++)
        {
            t.Complete("d0", i % 10 == 0 ? 200 : 500); // 90% failures
            t.Complete("d1", i % 5 == 0 ? 200 : 500);  // 80% failures
            t.Complete("d2", 200);
            t.Complete("d3", 200);
            t.Complete("d4", 200);
        }

        t.Time.Advance(TimeSpan.FromSeconds(10));

        t["d0"].IsEjected.Should().BeTrue();
        t["d1"].IsEjected.Should().BeFalse("80% is below the 85% threshold");
        t.Logs.WithEventId(1020).Single().Message.Should().Contain("(failure-percentage)");
    }

    [Fact]
    public void Disabled_outlier_detection_never_ejects()
    {
        using var t = new HealthTestCluster(3, h => h.OutlierDetection.Enabled = false);
        t.Complete("d0", 500, 50);
        t.Complete("d0", 0, 50);
        t.Time.Advance(TimeSpan.FromMinutes(1));

        t["d0"].IsEjected.Should().BeFalse();
    }

    [Fact]
    public void Turning_outlier_detection_off_readmits_ejected_destinations()
    {
        using var t = new HealthTestCluster(3);
        t.Complete("d0", 500, 5);
        t["d0"].IsEjected.Should().BeTrue();

        t.Cluster.UpdateHealth(new HealthOptions { OutlierDetection = { Enabled = false } });

        t["d0"].IsEjected.Should().BeFalse();
        t.Available.Should().Contain("d0");
    }

    [Fact]
    public void Transitions_are_logged_and_counted_as_metrics()
    {
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        var transitions = new List<(string Destination, string State, string Reason)>();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "EdgeKit" && instrument.Name == "edgekit.health.transitions")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            var map = tags.ToArray().ToDictionary(t => t.Key, t => t.Value?.ToString());
            if (map["edgekit.cluster"] == "svc" && map["edgekit.destination"] == "d7")
            {
                lock (transitions)
                {
                    transitions.Add((map["edgekit.destination"]!, map["edgekit.health.state"]!, map["edgekit.health.reason"]!));
                }
            }
        });
        listener.Start();

        using var t = new HealthTestCluster(10);
        t.Complete("d7", 500, 5);
        t.Time.Advance(TimeSpan.FromSeconds(30));

        transitions.Should().Equal(("d7", "unhealthy", "consecutive-5xx"), ("d7", "unknown", "ejection-ended"));
        t.Logs.WithEventId(1001).Select(e => e.Message).Should().Equal(
            "Cluster 'svc': destination 'd7' went from Unknown to Unhealthy (consecutive-5xx).",
            "Cluster 'svc': destination 'd7' went from Unhealthy to Unknown (ejection-ended).");
    }

    [Fact]
    public void The_status_shows_ejections_in_flight_and_latency()
    {
        using var t = new HealthTestCluster(10);
        t.Complete("d4", 500, 5);
        t["d1"].BeginRequest();
        t.Time.Advance(TimeSpan.FromSeconds(10));

        var status = t.Cluster.GetStatus();

        status.Name.Should().Be("svc");
        status.Strategy.Should().Be("RoundRobin");
        status.IsPanic.Should().BeFalse();
        status.Available.Should().Be(9);
        var d4 = status.Destinations.Single(d => d.Id == "d4");
        d4.IsEjected.Should().BeTrue();
        d4.EjectedFor.Should().Be(TimeSpan.FromSeconds(20));
        d4.EjectionCount.Should().Be(1);
        d4.Health.Should().Be(DestinationHealth.Unhealthy);
        d4.EffectiveWeight.Should().Be(0);
        d4.TotalFailures.Should().Be(5);
        d4.Latency.Should().BeGreaterThan(TimeSpan.Zero);
        var d1 = status.Destinations.Single(d => d.Id == "d1");
        d1.InFlight.Should().Be(1);
        d1.EffectiveWeight.Should().Be(100);
        d1.Address.Should().Be(new Uri("http://10.0.0.2:8080"));
    }
}
