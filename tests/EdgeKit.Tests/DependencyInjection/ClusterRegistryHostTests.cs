using EdgeKit.Configuration;
using EdgeKit.Destinations;
using EdgeKit.Tests.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EdgeKit.Tests.DependencyInjection;

public sealed class ClusterRegistryHostTests : IDisposable
{
    private const string Rejected = "EdgeKit configuration reload rejected; the previous configuration stays in force. ";

    private readonly CapturingLoggerProvider _logs = new();
    private readonly FakeTimeProvider _time = new();
    private readonly string _directory = Directory.CreateTempSubdirectory("edgekit-tests-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void A_reload_keeps_the_live_state_of_destinations_that_stay_removes_the_others_and_adds_new_ones()
    {
        var (configuration, source) = ReloadableConfigurationSource.Create(new Dictionary<string, string?>
        {
            ["EdgeKit:Clusters:orders:Destinations:a:Address"] = "http://10.0.0.1:8080",
            ["EdgeKit:Clusters:orders:Destinations:b:Address"] = "http://10.0.0.2:8080",
        });
        using var services = Build(configuration);
        var orders = services.GetRequiredService<ClusterRegistry>().GetCluster("orders");
        var a = State(orders, "a");
        a.BeginRequest();
        a.BeginRequest();
        a.ObserveLatency(_time.GetTimestamp(), _time.TimestampFrequency / 4);
        var latency = a.GetLatencyEstimate(_time.GetTimestamp(), _time.TimestampFrequency);

        source.Replace(new Dictionary<string, string?>
        {
            ["EdgeKit:Clusters:orders:Destinations:a:Address"] = "http://10.0.0.1:8080",
            ["EdgeKit:Clusters:orders:Destinations:a:Weight"] = "5",
            ["EdgeKit:Clusters:orders:Destinations:c:Address"] = "http://10.0.0.3:8080",
        });

        orders.Snapshot.AllDestinations.Select(d => d.Id).Should().Equal("a", "c");
        State(orders, "a").Should().BeSameAs(a);
        a.InFlight.Should().Be(2);
        a.GetLatencyEstimate(_time.GetTimestamp(), _time.TimestampFrequency).Should().Be(latency);
        a.Destination.Weight.Should().Be(5);
        orders.Snapshot.TryGetDestination("b", out _).Should().BeFalse();
    }

    [Fact]
    public void Without_another_component_taking_them_over_the_host_applies_cluster_reloads()
    {
        var (configuration, source) = ReloadableConfigurationSource.Create(TwoClusters());
        using var services = Build(configuration);
        var registry = services.GetRequiredService<ClusterRegistry>();

        source.Replace(new Dictionary<string, string?>(TwoClusters()) { ["EdgeKit:Clusters:orders:Destinations:b:Address"] = "http://10.0.0.2:8080" });

        registry.GetCluster("orders").Snapshot.AllDestinations.Select(d => d.Id).Should().Equal("a", "b");
    }

    [Fact]
    public void After_ApplyClusterReloadsElsewhere_the_host_applies_no_reload_and_the_component_applies_them_through_the_registry()
    {
        var (configuration, source) = ReloadableConfigurationSource.Create(TwoClusters());
        using var services = Build(configuration, edgeKit => edgeKit.ApplyClusterReloadsElsewhere().ApplyClusterReloadsElsewhere());
        var registry = services.GetRequiredService<ClusterRegistry>();
        var current = registry.CurrentOptions;
        var orders = registry.GetCluster("orders");

        source.Replace(new Dictionary<string, string?> { ["EdgeKit:Clusters:orders:Destinations:b:Address"] = "http://10.0.0.2:8080" });

        registry.CurrentOptions.Should().BeSameAs(current, "the component that took the reloads over decides");
        orders.Snapshot.AllDestinations.Select(d => d.Id).Should().Equal("a");
        registry.TryGetCluster("billing", out _).Should().BeTrue();
        _logs.WithEventId(1007).Should().BeEmpty("the host did not even look at the change");

        // The component applies the change itself, through the registry's public members.
        var changed = services.GetRequiredService<IOptionsFactory<EdgeKitOptions>>().Create(Options.DefaultName);
        registry.Validate(changed).Should().BeEmpty();
        registry.TryUpdate(changed).Should().BeTrue();
        orders.Snapshot.AllDestinations.Select(d => d.Id).Should().Equal("b");
        registry.TryGetCluster("billing", out _).Should().BeFalse();
    }

    [Fact]
    public void A_reload_that_removes_a_cluster_empties_it_and_one_that_adds_it_back_refills_the_same_object()
    {
        var (configuration, source) = ReloadableConfigurationSource.Create(TwoClusters());
        using var services = Build(configuration);
        var registry = services.GetRequiredService<ClusterRegistry>();
        var orders = registry.GetCluster("orders");

        source.Replace(new Dictionary<string, string?> { ["EdgeKit:Clusters:billing:Destinations:x:Address"] = "http://10.0.1.1:8080" });

        orders.IsRemoved.Should().BeTrue();
        orders.Snapshot.AllDestinations.Should().BeEmpty();
        registry.TryGetCluster("orders", out _).Should().BeFalse();

        source.Replace(TwoClusters());

        registry.GetCluster("orders").Should().BeSameAs(orders);
        orders.IsRemoved.Should().BeFalse();
        orders.Snapshot.AllDestinations.Select(d => d.Id).Should().Equal("a");
    }

    [Fact]
    public void A_json_file_with_reload_on_change_is_applied_on_reload()
    {
        string path = Path.Combine(_directory, "edgekit.json");
        WriteAtomically(path, """
            { "EdgeKit": { "Clusters": { "orders": {
                "LoadBalancing": { "Strategy": "RoundRobin" },
                "Destinations": {
                  "a": { "Address": "http://10.0.0.1:8080", "Metadata": { "zone": "east" } },
                  "b": { "Address": "http://10.0.0.2:8080" } } } } } }
            """);
        var configuration = new ConfigurationBuilder().AddJsonFile(path, optional: false, reloadOnChange: true).Build();
        using var disposeConfiguration = (IDisposable)configuration;
        using var services = Build(configuration);
        var orders = services.GetRequiredService<ClusterRegistry>().GetCluster("orders");
        var a = State(orders, "a");
        a.BeginRequest();

        WriteAtomically(path, """
            { "EdgeKit": { "Clusters": { "orders": {
                "LoadBalancing": { "Strategy": "LeastRequests" },
                "Destinations": {
                  "a": { "Address": "http://10.0.0.1:8080", "Weight": 3, "Metadata": { "zone": "west" } },
                  "c": { "Address": "http://10.0.0.3:8080" } } } } } }
            """);
        configuration.Reload();

        orders.Snapshot.LoadBalancing.Strategy.Should().Be("LeastRequests");
        orders.Snapshot.AllDestinations.Select(d => $"{d.Id} {d.Destination.Weight} {d.Destination.Zone}").Should().Equal("a 3 west", "c 1 ");
        State(orders, "a").Should().BeSameAs(a);
        a.InFlight.Should().Be(1);
    }

    [Fact]
    public void An_invalid_reload_keeps_the_configuration_in_force_and_logs_every_problem()
    {
        var (configuration, source) = ReloadableConfigurationSource.Create(TwoClusters());
        using var services = Build(configuration);
        var registry = services.GetRequiredService<ClusterRegistry>();
        var current = registry.CurrentOptions;
        var before = registry.GetCluster("orders").Snapshot;

        var reload = () => source.Replace(new Dictionary<string, string?>
        {
            ["EdgeKit:Clusters:orders:LoadBalancing:Strategy"] = "Fastest",
            ["EdgeKit:Clusters:orders:Destinations:a:Address"] = "ftp://10.0.0.1:2121",
            ["EdgeKit:Clusters:orders:Destinations:a:Weight"] = "0",
            ["EdgeKit:Clusters:billing:ServiceName"] = "",
        });

        reload.Should().NotThrow();
        registry.CurrentOptions.Should().BeSameAs(current);
        registry.GetCluster("orders").Snapshot.Should().BeSameAs(before);
        registry.GetCluster("billing").IsRemoved.Should().BeFalse();
        var rejected = _logs.WithEventId(1007);
        rejected.Should().OnlyContain(e => e.Level == LogLevel.Error);
        rejected.Select(e => e.Message).Should().Equal(
            Rejected + "Cluster 'billing': has no destinations. Add at least one under Destinations, or set ServiceName to resolve them through service discovery.",
            Rejected + "Cluster 'billing': ServiceName is blank; remove it or name a service such as 'https+http://orders'.",
            Rejected + "Cluster 'orders', destination 'a': address 'ftp://10.0.0.1:2121/' must use http or https, not 'ftp'.",
            Rejected + "Cluster 'orders', destination 'a': Weight must be between 1 and 10000, was 0.",
            Rejected + "Cluster 'orders': LoadBalancing.Strategy is an unknown load-balancing strategy 'Fastest'. Known strategies: ConsistentHash, LeastRequests, PeakEwma, PowerOfTwoChoices, Random, RoundRobin, SessionAffinity, WeightedRandom, WeightedRoundRobin.");
    }

    [Fact]
    public void A_reload_that_does_not_bind_keeps_the_configuration_in_force_and_is_logged()
    {
        var (configuration, source) = ReloadableConfigurationSource.Create(TwoClusters());
        using var services = Build(configuration);
        var registry = services.GetRequiredService<ClusterRegistry>();
        var current = registry.CurrentOptions;

        var reload = () => source.Replace(new Dictionary<string, string?>
        {
            ["EdgeKit:Clusters:orders:Destinations:a:Address"] = "http://10.0.0.1:8080",
            ["EdgeKit:Clusters:orders:Destinations:a:Weight"] = "heavy",
        });

        reload.Should().NotThrow();
        registry.CurrentOptions.Should().BeSameAs(current);
        _logs.WithEventId(1007).Select(e => e.Message).Should().Equal(
            Rejected + "`EdgeKit:Clusters:orders:Destinations:a:Weight`: 'heavy' is not a whole number.");

        // A later valid reload is applied.
        source.Replace(new Dictionary<string, string?> { ["EdgeKit:Clusters:orders:Destinations:z:Address"] = "http://10.0.0.26:8080" });
        registry.Clusters.Select(c => c.Name).Should().Equal("orders");
        registry.GetCluster("orders").Snapshot.AllDestinations.Select(d => d.Id).Should().Equal("z");
    }

    [Fact]
    public void Configuration_that_does_not_bind_at_start_fails_with_an_EdgeKit_configuration_exception()
    {
        var (configuration, _) = ReloadableConfigurationSource.Create(new Dictionary<string, string?>
        {
            ["EdgeKit:Clusters:orders:Destinations:a:Address"] = "http://10.0.0.1:8080",
            ["EdgeKit:Clusters:orders:Destinations:a:Weight"] = "heavy",
        });
        using var services = Build(configuration);

        var resolve = () => services.GetRequiredService<ClusterRegistry>();

        var exception = resolve.Should().Throw<EdgeKitConfigurationException>().Which;
        exception.Errors.Should().Equal("`EdgeKit:Clusters:orders:Destinations:a:Weight`: 'heavy' is not a whole number.");
        exception.InnerException.Should().BeOfType<Microsoft.Extensions.Options.OptionsValidationException>();
    }

    private ServiceProvider Build(IConfiguration configuration, Action<IEdgeKitBuilder>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        services.AddLogging(logging => logging.AddProvider(_logs));
        var edgeKit = services.AddEdgeKit().AddConfiguration(configuration.GetSection("EdgeKit"));
        configure?.Invoke(edgeKit);
        return services.BuildServiceProvider();
    }

    private static Dictionary<string, string?> TwoClusters() => new()
    {
        ["EdgeKit:Clusters:orders:Destinations:a:Address"] = "http://10.0.0.1:8080",
        ["EdgeKit:Clusters:billing:Destinations:x:Address"] = "http://10.0.1.1:8080",
    };

    /// <summary>Replaces a file in one step, so that a file watcher never reads it half written.</summary>
    private static void WriteAtomically(string path, string text)
    {
        string temporary = path + ".tmp";
        File.WriteAllText(temporary, text);
        File.Move(temporary, path, overwrite: true);
    }

    private static DestinationState State(Cluster cluster, string id) =>
        cluster.Snapshot.TryGetDestination(id, out var state) ? state : throw new KeyNotFoundException(id);
}
