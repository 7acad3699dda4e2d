using EdgeKit.Balancing;
using EdgeKit.Configuration;
using EdgeKit.Destinations;
using EdgeKit.Tests.TestSupport;
using Microsoft.Extensions.Logging;

namespace EdgeKit.Tests.Destinations;

public class ClusterTests
{
    private static Destination D(string id, int port, int weight = 1) => new(id, new Uri($"http://127.0.0.1:{port}"), weight);

    [Fact]
    public void Keeps_live_state_for_destinations_that_stay()
    {
        var cluster = new Cluster("c", [D("a", 1), D("b", 2)]);
        var a = cluster.Snapshot.AllDestinations[0];
        a.BeginRequest();

        cluster.UpdateDestinations([D("a", 1, weight: 5), D("c", 3)]);

        var snapshot = cluster.Snapshot;
        snapshot.AllDestinations.Select(d => d.Id).Should().Equal("a", "c");
        snapshot.AllDestinations[0].Should().BeSameAs(a);
        a.InFlight.Should().Be(1);
        a.Destination.Weight.Should().Be(5);
        snapshot.TryGetDestination("b", out _).Should().BeFalse();
    }

    [Fact]
    public void Each_change_builds_a_new_snapshot_and_leaves_the_old_one_intact()
    {
        var cluster = new Cluster("c", [D("a", 1)]);
        var before = cluster.Snapshot;

        cluster.UpdateDestinations([D("a", 1), D("b", 2)]);

        cluster.Snapshot.Should().NotBeSameAs(before);
        cluster.Snapshot.Version.Should().Be(before.Version + 1);
        before.AllDestinations.Should().HaveCount(1);
    }

    [Fact]
    public void Unhealthy_destinations_leave_the_available_set_and_return()
    {
        var cluster = new Cluster("c", [D("a", 1), D("b", 2)]);
        var a = cluster.Snapshot.AllDestinations[0];

        cluster.SetHealth(a, DestinationHealth.Unhealthy).Should().BeTrue();
        cluster.SetHealth(a, DestinationHealth.Unhealthy).Should().BeFalse("nothing changed");
        cluster.Snapshot.AvailableDestinations.Select(d => d.Id).Should().Equal("b");

        cluster.SetHealth(a, DestinationHealth.Healthy).Should().BeTrue();
        cluster.Snapshot.AvailableDestinations.Select(d => d.Id).Should().Equal("a", "b");
    }

    [Fact]
    public void Merges_destination_sources()
    {
        var cluster = new Cluster("c", [D("a", 1)]);
        cluster.UpdateDestinations("discovery", [D("x", 9)]);
        cluster.Snapshot.AllDestinations.Select(d => d.Id).Should().Equal("a", "x");

        cluster.UpdateDestinations([D("b", 2)]);
        cluster.Snapshot.AllDestinations.Select(d => d.Id).Should().Equal("b", "x");
    }

    [Fact]
    public void Rejects_duplicate_ids()
    {
        var act = () => new Cluster("c", [D("a", 1), D("A", 2)]);
        act.Should().Throw<ArgumentException>().WithMessage("Two destinations have the id 'A'.*");
    }

    [Fact]
    public void Rejects_invalid_settings_listing_every_problem()
    {
        var options = new LoadBalancingOptions
        {
            Strategy = LoadBalancingStrategyNames.SessionAffinity,
            LatencyDecay = TimeSpan.Zero,
            ConsistentHash = { BoundedLoadFactor = 0.5 },
            SessionAffinity = { FallbackStrategy = LoadBalancingStrategyNames.ConsistentHash, MaxKeys = 0, IdleTimeout = TimeSpan.FromSeconds(-1) },
        };

        var act = () => new Cluster("orders", loadBalancing: options);

        var message = act.Should().Throw<ArgumentException>().Which.Message;
        message.Should().Contain("Cluster 'orders': LoadBalancing.LatencyDecay must be positive, was 00:00:00.");
        message.Should().Contain("Cluster 'orders': LoadBalancing.ConsistentHash.BoundedLoadFactor must be a number greater than 1 (e.g. 1.25), was 0.5.");
        message.Should().Contain("Cluster 'orders': LoadBalancing.SessionAffinity.IdleTimeout must be positive, was -00:00:01.");
        message.Should().Contain("Cluster 'orders': LoadBalancing.SessionAffinity.MaxKeys must be at least 1, was 0.");
    }

    [Fact]
    public void Changing_strategy_takes_effect_on_the_next_pick()
    {
        var cluster = new Cluster("c", [D("a", 1, weight: 3), D("b", 2)], new LoadBalancingOptions { Strategy = LoadBalancingStrategyNames.RoundRobin });
        cluster.UpdateLoadBalancing(new LoadBalancingOptions { Strategy = LoadBalancingStrategyNames.WeightedRoundRobin });

        Enumerable.Range(0, 8).Select(_ => cluster.Pick(default)!.Id).Count(id => id == "a").Should().Be(6);
    }

    [Fact]
    public void Avoids_excluded_destinations_while_another_is_available()
    {
        var cluster = new Cluster("c", [D("a", 1), D("b", 2), D("c", 3)], new LoadBalancingOptions { Strategy = LoadBalancingStrategyNames.RoundRobin });
        var states = cluster.Snapshot.AllDestinations;
        var context = new PickContext(0, excluded: [states[0], states[1]]);

        for (int i = 0; i < 30; i++)
        {
            cluster.Pick(in context)!.Id.Should().Be("c");
        }

        // Everything excluded: a destination is still returned rather than none.
        var all = new PickContext(0, excluded: [.. states]);
        cluster.Pick(in all).Should().NotBeNull();
    }

    [Fact]
    public async Task Picks_concurrently_while_destinations_change_and_in_flight_returns_to_zero()
    {
        var everyone = Enumerable.Range(0, 20).Select(i => D($"d{i}", 1000 + i)).ToArray();
        foreach (var strategy in new[]
        {
            LoadBalancingStrategyNames.RoundRobin, LoadBalancingStrategyNames.WeightedRoundRobin, LoadBalancingStrategyNames.Random,
            LoadBalancingStrategyNames.WeightedRandom, LoadBalancingStrategyNames.LeastRequests, LoadBalancingStrategyNames.PowerOfTwoChoices,
            LoadBalancingStrategyNames.PeakEwma,
        })
        {
            var cluster = new Cluster("c", everyone[..10], new LoadBalancingOptions { Strategy = strategy });
            var seen = new System.Collections.Concurrent.ConcurrentDictionary<string, DestinationState>();
            using var stop = new CancellationTokenSource();
            var pickers = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
            {
                long picks = 0;
                while (!stop.IsCancellationRequested || picks < 1000)
                {
                    var picked = cluster.Pick(new PickContext(picks));
                    if (picked is null)
                    {
                        continue;
                    }

                    picked.BeginRequest();
                    seen.TryAdd(picked.Id, picked);
                    picked.EndRequest(picks, 100, RequestOutcome.Success);
                    picks++;
                }
            })).ToArray();

            var random = new Random(1);
            for (int i = 0; i < 300; i++)
            {
                int from = random.Next(0, 10);
                cluster.UpdateDestinations(everyone.Skip(from).Take(random.Next(1, 11)));
            }

            stop.Cancel();
            await Task.WhenAll(pickers);

            seen.Values.Should().OnlyContain(d => d.InFlight == 0, $"{strategy} must leave nothing in flight");
            seen.Keys.Should().BeSubsetOf(everyone.Select(d => d.Id));
        }
    }

    private readonly CapturingLoggerProvider _logs = new();

    [Fact]
    public void Holds_the_union_of_its_sources_in_source_name_order()
    {
        var cluster = CreateCluster(new Destination("code", new Uri("http://10.0.0.1:8080")));

        cluster.UpdateDestinations(ClusterRegistry.ServiceDiscoverySource, [new Destination("discovered", new Uri("http://10.0.0.3:8080"))]);
        cluster.UpdateDestinations(ClusterRegistry.ConfigurationSource, [new Destination("configured", new Uri("http://10.0.0.2:8080"))]);

        cluster.Snapshot.AllDestinations.Select(d => d.Id).Should().Equal("code", "configured", "discovered");
    }

    [Fact]
    public void Replacing_one_source_keeps_the_other_sources_and_the_state_of_destinations_that_stay()
    {
        var cluster = CreateCluster();
        cluster.UpdateDestinations(ClusterRegistry.ConfigurationSource, [new Destination("configured", new Uri("http://10.0.0.2:8080"))]);
        cluster.UpdateDestinations(ClusterRegistry.ServiceDiscoverySource, [Destination("a"), Destination("b")]);
        var configured = State(cluster, "configured");
        var a = State(cluster, "a");

        cluster.UpdateDestinations(ClusterRegistry.ServiceDiscoverySource, [Destination("a"), Destination("c")]);

        cluster.Snapshot.AllDestinations.Select(d => d.Id).Should().Equal("configured", "a", "c");
        State(cluster, "configured").Should().BeSameAs(configured);
        State(cluster, "a").Should().BeSameAs(a);
    }

    [Fact]
    public void An_id_that_two_sources_share_goes_to_the_source_whose_name_sorts_first_and_the_other_is_logged_once()
    {
        var cluster = CreateCluster();
        cluster.UpdateDestinations(ClusterRegistry.ServiceDiscoverySource, [new Destination("shared", new Uri("http://10.0.0.9:8080")), Destination("other")]);
        var shared = State(cluster, "shared");

        var update = () => cluster.UpdateDestinations(ClusterRegistry.ConfigurationSource, [new Destination("SHARED", new Uri("http://10.0.0.1:8080"))]);
        update.Should().NotThrow();
        update();

        cluster.Snapshot.AllDestinations.Select(d => $"{d.Id} {d.Destination.Address}").Should().Equal("SHARED http://10.0.0.1:8080/", "other http://other:8080/");
        State(cluster, "shared").Should().NotBeSameAs(shared, "the id stayed but its address changed: another backend starts with fresh state");
        _logs.Entries.Where(e => e.EventId.Id == 1010).Select(e => e.Message).Should().Equal(
            "Cluster 'orders': destination 'shared' from source 'service-discovery' is ignored because source 'configuration' has a destination with the same id.");

        // When the configuration drops it, the discovered one takes its place.
        cluster.UpdateDestinations(ClusterRegistry.ConfigurationSource, []);
        cluster.Snapshot.AllDestinations.Select(d => $"{d.Id} {d.Destination.Address}").Should().Equal("shared http://10.0.0.9:8080/", "other http://other:8080/");
    }

    [Fact]
    public void Two_destinations_with_the_same_id_in_one_update_are_rejected()
    {
        var cluster = CreateCluster();

        var update = () => cluster.UpdateDestinations("x", [Destination("a"), new Destination("A", new Uri("http://10.0.0.1:8080"))]);

        update.Should().Throw<ArgumentException>().WithMessage(
            "Two destinations have the id 'A'. Destination ids must be unique (case-insensitive) within a source. (Parameter 'destinations')");
        cluster.Snapshot.AllDestinations.Should().BeEmpty();
    }

    [Fact]
    public void A_removed_cluster_has_no_destinations_and_ignores_updates_until_restored()
    {
        var cluster = CreateCluster(Destination("code"));
        cluster.UpdateDestinations(ClusterRegistry.ServiceDiscoverySource, [Destination("a")]);

        cluster.MarkRemoved();
        cluster.UpdateDestinations(ClusterRegistry.ServiceDiscoverySource, [Destination("b")]);

        cluster.IsRemoved.Should().BeTrue();
        cluster.Snapshot.AllDestinations.Should().BeEmpty();

        cluster.MarkRestored();
        cluster.UpdateDestinations(ClusterRegistry.ServiceDiscoverySource, [Destination("b")]);
        cluster.Snapshot.AllDestinations.Select(d => d.Id).Should().Equal("b");
    }

    private Cluster CreateCluster(params Destination[] destinations) =>
        new("orders", destinations, environment: new ClusterEnvironment(loggerFactory: LoggerFactory.Create(b => b.AddProvider(_logs))));

    private static Destination Destination(string id) => new(id, new Uri($"http://{id}:8080"));

    private static DestinationState State(Cluster cluster, string id) =>
        cluster.Snapshot.TryGetDestination(id, out var state) ? state : throw new KeyNotFoundException(id);
}
