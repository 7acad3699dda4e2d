using EdgeKit.Destinations;
using EdgeKit.Tests.TestSupport;
using Microsoft.Extensions.Logging;

namespace EdgeKit.Tests.Destinations;

public class ClusterTests
{
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
        State(cluster, "shared").Should().BeSameAs(shared, "the id stayed, so its live state does");
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
