using EdgeKit.Configuration;
using EdgeKit.Destinations;
using EdgeKit.Tests.TestSupport;
using Microsoft.Extensions.Logging;

namespace EdgeKit.Tests.Destinations;

public class ClusterRegistryTests
{
    private readonly CapturingLoggerProvider _logs = new();

    [Fact]
    public void An_update_keeps_the_live_state_of_destinations_that_stay_and_replaces_the_others()
    {
        var registry = CreateRegistry(Options(("orders", ["a", "b"])));
        var orders = registry.GetCluster("orders");
        var a = State(orders, "a");
        a.BeginRequest();

        registry.Update(Options(("orders", ["a", "c"])));

        registry.GetCluster("orders").Should().BeSameAs(orders);
        State(orders, "a").Should().BeSameAs(a);
        a.InFlight.Should().Be(1);
        orders.Snapshot.AllDestinations.Select(d => d.Id).Should().Equal("a", "c");
    }

    [Fact]
    public void A_removed_cluster_empties_and_a_re_added_one_is_the_same_object()
    {
        var registry = CreateRegistry(Options(("orders", ["a"]), ("billing", ["b"])));
        var orders = registry.GetCluster("orders");

        registry.Update(Options(("billing", ["b"])));

        orders.IsRemoved.Should().BeTrue();
        orders.Snapshot.AllDestinations.Should().BeEmpty();
        registry.TryGetCluster("orders", out _).Should().BeFalse();
        registry.Clusters.Select(c => c.Name).Should().Equal("billing");

        registry.Update(Options(("orders", ["a"]), ("billing", ["b"])));

        registry.GetCluster("orders").Should().BeSameAs(orders);
        orders.IsRemoved.Should().BeFalse();
        orders.Snapshot.AllDestinations.Select(d => d.Id).Should().Equal("a");
    }

    [Fact]
    public void Invalid_options_change_nothing_and_list_every_problem()
    {
        var registry = CreateRegistry(Options(("orders", ["a"])));
        var current = registry.CurrentOptions;
        var invalid = Options(("orders", ["a"]), ("empty", []));
        invalid.Clusters["orders"].LoadBalancing.Strategy = "Fastest";

        var update = () => registry.Update(invalid);

        update.Should().Throw<EdgeKitConfigurationException>().Which.Errors.Should().HaveCount(2);
        registry.CurrentOptions.Should().BeSameAs(current);
        registry.TryGetCluster("empty", out _).Should().BeFalse();
        registry.TryUpdate(invalid).Should().BeFalse();
        _logs.Entries.Where(e => e.EventId.Id == 1007).Should().HaveCount(2);
    }

    [Fact]
    public void Validate_lists_what_an_update_would_refuse_naming_an_imported_cluster_by_its_source_key_and_applies_nothing()
    {
        var registry = CreateRegistry(Options(("orders", ["a"])));
        var current = registry.CurrentOptions;
        var candidate = Options(("orders", ["a"]), ("empty", []));
        SourcePaths.Remember(candidate.Clusters["empty"], "ReverseProxy:Clusters:empty");

        var errors = registry.Validate(candidate);

        errors.Should().Equal("ReverseProxy:Clusters:empty: has no destinations. Add at least one under Destinations, or set ServiceName to resolve them through service discovery.");
        registry.CurrentOptions.Should().BeSameAs(current);
        registry.TryGetCluster("empty", out _).Should().BeFalse();
        _logs.Entries.Where(e => e.EventId.Id == 1007).Should().BeEmpty();
        registry.Validate(Options(("orders", ["a", "b"]))).Should().BeEmpty();
        ((Func<object>)(() => registry.Validate(null!))).Should().Throw<ArgumentNullException>().WithParameterName("options");
    }

    [Fact]
    public void A_failing_updated_handler_is_logged_and_neither_stops_the_others_nor_reaches_the_caller()
    {
        var registry = CreateRegistry(Options(("orders", ["a"])));
        int called = 0;
        registry.Updated += _ => throw new InvalidOperationException("boom");
        registry.Updated += _ => called++;

        var update = () => registry.Update(Options(("orders", ["b"])));

        update.Should().NotThrow();
        called.Should().Be(1);
        registry.GetCluster("orders").Snapshot.AllDestinations.Select(d => d.Id).Should().Equal("b");
        var logged = _logs.Entries.Should().ContainSingle(e => e.EventId.Id == 1012).Subject;
        logged.Message.Should().Be("A handler of ClusterRegistry.Updated failed; the new configuration is applied regardless.");
        logged.Exception!.Message.Should().Be("boom");
    }

    [Fact]
    public void Unknown_cluster_names_list_the_configured_ones()
    {
        var registry = CreateRegistry(Options(("orders", ["a"]), ("billing", ["b"])));

        var get = () => registry.GetCluster("unknown");

        get.Should().Throw<KeyNotFoundException>().WithMessage("No EdgeKit cluster is named 'unknown'. Configured clusters: billing, orders.");
    }

    private ClusterRegistry CreateRegistry(EdgeKitOptions options) =>
        new(options, new ClusterEnvironment(loggerFactory: LoggerFactory.Create(b => b.AddProvider(_logs))));

    private static EdgeKitOptions Options(params (string Name, string[] Ids)[] clusters)
    {
        var options = new EdgeKitOptions();
        foreach (var (name, ids) in clusters)
        {
            var cluster = options.GetOrAddCluster(name);
            foreach (var id in ids)
            {
                cluster.Destinations[id] = new DestinationOptions { Address = $"http://{id}:8080" };
            }
        }

        return options;
    }

    private static DestinationState State(Cluster cluster, string id) =>
        cluster.Snapshot.TryGetDestination(id, out var state) ? state : throw new KeyNotFoundException(id);
}
