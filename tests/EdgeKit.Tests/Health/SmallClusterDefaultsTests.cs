using EdgeKit.Configuration;
using EdgeKit.Destinations;

namespace EdgeKit.Tests.Health;

/// <summary>
/// The default health settings on clusters of 2, 3, 10 and 100 destinations: destinations known to be dead (active checks
/// unhealthy, or connections refused) take no traffic whatever the ejection cap and panic threshold say, the live ones
/// share the traffic evenly, and a cluster with every destination dead has no destination at once.
/// Default strategy (power of two choices), seeded randomness, fake clock.
/// </summary>
public sealed class SmallClusterDefaultsTests
{
    /// <summary>Cluster size and how many of its destinations die: 1 of 2, 2 of 3 (issue 19's A2), 7 of 10, 60 of 100.</summary>
    public static TheoryData<int, int> Sizes => new() { { 2, 1 }, { 3, 2 }, { 10, 7 }, { 100, 60 } };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Destinations_whose_connections_are_refused_take_no_traffic_and_the_live_ones_share_it_evenly(int size, int dead)
    {
        using var t = new HealthTestCluster(size, strategy: LoadBalancingStrategyNames.Default);
        for (int i = 0; i < dead; i++)
        {
            Refuse(t, $"d{i}", 5);
        }

        Enumerable.Range(0, dead).Should().AllSatisfy(i =>
        {
            t[$"d{i}"].IsEjected.Should().BeTrue("a refused connection ejects whatever MaxEjectionPercent says");
            t.Cluster.GetStatus().Destinations[i].EjectionReason.Should().Be("connect-failure");
        });
        t.Cluster.Snapshot.IsPanic.Should().Be((size - dead) * 2 < size);
        AssertEvenOverLive(t, size, dead);
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Destinations_active_checks_mark_unhealthy_take_no_traffic_even_in_panic(int size, int dead)
    {
        using var t = new HealthTestCluster(size, strategy: LoadBalancingStrategyNames.Default);
        for (int i = 0; i < dead; i++)
        {
            for (int probe = 0; probe < 3; probe++)
            {
                t.Cluster.ReportProbeResult(t[$"d{i}"], passed: false);
            }
        }

        t.Cluster.Snapshot.IsPanic.Should().Be((size - dead) * 2 < size);
        AssertEvenOverLive(t, size, dead);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(10)]
    [InlineData(100)]
    public void A_cluster_whose_every_destination_is_dead_has_no_destination_at_once(int size)
    {
        using var t = new HealthTestCluster(size, strategy: LoadBalancingStrategyNames.Default);
        for (int i = 0; i < size; i++)
        {
            if (i % 2 == 0)
            {
                Refuse(t, $"d{i}", 5);
            }
            else
            {
                for (int probe = 0; probe < 3; probe++)
                {
                    t.Cluster.ReportProbeResult(t[$"d{i}"], passed: false);
                }
            }
        }

        t.Cluster.Snapshot.IsPanic.Should().BeTrue();
        t.Cluster.Snapshot.AvailableDestinations.Should().BeEmpty();
        t.Cluster.Pick(default).Should().BeNull("the gateway answers 503 at once instead of trying each dead destination");
    }

    [Theory]
    [InlineData(2, 1)]
    [InlineData(3, 1)]
    [InlineData(10, 5)]
    [InlineData(100, 50)]
    public void Outliers_that_answer_badly_are_ejected_up_to_half_the_cluster(int size, int ejectable)
    {
        using var t = new HealthTestCluster(size, strategy: LoadBalancingStrategyNames.Default);
        for (int i = 0; i < size; i++)
        {
            t.Complete($"d{i}", 500, 5);
        }

        t.Cluster.Snapshot.AllDestinations.Count(d => d.IsEjected).Should().Be(ejectable);
        t.Cluster.Snapshot.IsPanic.Should().BeFalse("the ejection cap (50%) and the panic threshold (50%) agree");
        t.Cluster.Snapshot.AvailableDestinations.Should().HaveCount(size - ejectable);
    }

    [Fact]
    public void A_refused_destination_is_ejected_beyond_the_cap_while_an_outlier_that_answers_stays_within_it()
    {
        using var t = new HealthTestCluster(3);
        Refuse(t, "d0", 5);
        t.Complete("d1", 500, 5);

        t["d0"].IsEjected.Should().BeTrue();
        t["d1"].IsEjected.Should().BeFalse("one of three is out already; a second outlier that still answers would exceed 50%");
        t.Available.Should().Equal("d1", "d2");
    }

    [Fact]
    public void Four_refused_connections_do_not_eject_and_a_success_starts_the_count_again()
    {
        using var t = new HealthTestCluster(3);
        Refuse(t, "d0", 4);
        t.Complete("d0", 200);
        Refuse(t, "d0", 4);

        t["d0"].IsEjected.Should().BeFalse();
        Refuse(t, "d0", 1);
        t["d0"].IsEjected.Should().BeTrue();
        t.Logs.WithEventId(1020).Single().Message.Should().Be("Cluster 'svc': destination 'd0' ejected for 00:00:30 (connect-failure); ejection number 1.");
    }

    [Fact]
    public void A_connection_refused_after_responses_that_failed_counts_from_the_first_refusal()
    {
        using var t = new HealthTestCluster(3, h => h.OutlierDetection.Consecutive5xx = 0);
        t.Complete("d0", 503, 2);
        Refuse(t, "d0", 3);

        t["d0"].IsEjected.Should().BeTrue("five gateway failures in a row eject under the gateway-failure rule");
        t.Cluster.GetStatus().Destinations[0].EjectionReason.Should().Be("consecutive-gateway-failure", "not every failure of the run was a refusal");

        t.Time.Advance(TimeSpan.FromSeconds(30));
        Refuse(t, "d0", 4);
        t["d0"].IsEjected.Should().BeFalse();
        Refuse(t, "d0", 1);
        t.Cluster.GetStatus().Destinations[0].EjectionReason.Should().Be("connect-failure");
    }

    [Fact]
    public void A_refused_destination_returns_when_its_ejection_ends_and_leaves_panic()
    {
        using var t = new HealthTestCluster(3);
        Refuse(t, "d0", 5);
        Refuse(t, "d1", 5);
        t.Available.Should().Equal("d2");
        t.Cluster.Snapshot.IsPanic.Should().BeTrue();

        t.Time.Advance(TimeSpan.FromSeconds(29));
        t.Available.Should().Equal("d2");
        t.Time.Advance(TimeSpan.FromSeconds(1));

        t.Available.Should().Equal("d0", "d1", "d2");
        t.Cluster.Snapshot.IsPanic.Should().BeFalse();
    }

    [Fact]
    public void An_outlier_ejected_for_its_answers_that_then_refuses_connections_gets_no_traffic_in_panic()
    {
        using var t = new HealthTestCluster(3, h => h.OutlierDetection.MaxEjectionPercent = 100);
        Refuse(t, "d0", 5);
        t.Complete("d1", 0, 5);
        t["d1"].EjectionReason.Should().Be("consecutive-5xx", "transport failures that are not refusals are an outlier's");
        t.Cluster.Snapshot.IsPanic.Should().BeTrue();
        t.Available.Should().Equal(["d1", "d2"], "panic spreads over outliers");

        Refuse(t, "d1", 4);
        t.Available.Should().Equal("d1", "d2");
        Refuse(t, "d1", 1);

        t.Available.Should().Equal("d2");
        t["d1"].EjectionReason.Should().Be("connect-failure");
        t["d1"].EjectionCount.Should().Be(1, "it is the same ejection, now known dead");
        t.Logs.WithEventId(1020).Select(e => e.Message).Should().Equal(
            "Cluster 'svc': destination 'd0' ejected for 00:00:30 (connect-failure); ejection number 1.",
            "Cluster 'svc': destination 'd1' ejected for 00:00:30 (consecutive-5xx); ejection number 1.");
    }

    private static void Refuse(HealthTestCluster t, string id, int count)
    {
        for (int i = 0; i < count; i++)
        {
            t.Cluster.Begin(t[id]).Complete(RequestOutcome.Failure, 0, RequestErrorTypes.ConnectionError);
        }
    }

    /// <summary>
    /// 400 picks per live destination, each completed at once: none goes to a dead one (d0 … d(dead-1)), and every live one
    /// gets its even share within ±30% (the strategy is random, seeded; ±30% is more than five standard deviations).
    /// </summary>
    private static void AssertEvenOverLive(HealthTestCluster t, int size, int dead)
    {
        int live = size - dead;
        int picks = 400 * live;
        var counts = new Dictionary<string, int>();
        for (int i = 0; i < picks; i++)
        {
            var picked = t.Cluster.Pick(default);
            picked.Should().NotBeNull();
            counts[picked!.Id] = counts.GetValueOrDefault(picked.Id) + 1;
            t.Cluster.Begin(picked).Complete(RequestOutcome.Success, 200);
        }

        counts.Keys.Should().BeEquivalentTo(Enumerable.Range(dead, live).Select(i => $"d{i}"));
        counts.Values.Should().AllSatisfy(c => c.Should().BeInRange(280, 520));
    }
}
