using EdgeKit.Balancing;
using EdgeKit.Configuration;
using EdgeKit.Destinations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeKit.Tests.DependencyInjection;

public class EdgeKitBuilderExtensionsTests
{
    [Fact]
    public void Configuration_binds_every_setting_of_a_cluster()
    {
        var registry = Registry(edge => edge.AddConfiguration(Configuration(new()
        {
            ["EdgeKit:Clusters:orders:ServiceName"] = "https+http://orders",
            ["EdgeKit:Clusters:orders:LoadBalancing:Strategy"] = "PeakEwma",
            ["EdgeKit:Clusters:orders:LoadBalancing:LatencyDecay"] = "00:00:05",
            ["EdgeKit:Clusters:orders:LoadBalancing:RequestKey:Header"] = "X-User-Id",
            ["EdgeKit:Clusters:orders:LoadBalancing:Properties:mode"] = "fast",
            ["EdgeKit:Clusters:orders:Destinations:orders-1:Address"] = "http://10.0.0.11:8080",
            ["EdgeKit:Clusters:orders:Destinations:orders-1:Weight"] = "2",
            ["EdgeKit:Clusters:orders:Destinations:orders-1:Metadata:zone"] = "a",
            ["EdgeKit:Clusters:orders:Destinations:orders-2:Address"] = "http://10.0.0.12:8080/v2",
        }).GetSection("EdgeKit")));

        var options = registry.CurrentOptions.Clusters["ORDERS"];
        options.ServiceName.Should().Be("https+http://orders");
        var cluster = registry.GetCluster("Orders");
        var settings = cluster.Snapshot.LoadBalancing;
        settings.Strategy.Should().Be("PeakEwma");
        settings.LatencyDecay.Should().Be(TimeSpan.FromSeconds(5));
        settings.RequestKey.Header.Should().Be("X-User-Id");
        settings.Properties.Should().Equal(new Dictionary<string, string> { ["mode"] = "fast" });
        Describe(cluster).Should().Equal(
            "orders-1 http://10.0.0.11:8080/ weight 2 zone a",
            "orders-2 http://10.0.0.12:8080/v2 weight 1 zone -");
    }

    [Fact]
    public void Code_first_and_configuration_first_reach_the_same_model()
    {
        var fromConfiguration = Registry(edge => edge.AddConfiguration(Configuration(new()
        {
            ["EdgeKit:Clusters:orders:ServiceName"] = "http://orders",
            ["EdgeKit:Clusters:orders:LoadBalancing:Strategy"] = "PeakEwma",
            ["EdgeKit:Clusters:orders:LoadBalancing:LatencyDecay"] = "00:00:05",
            ["EdgeKit:Clusters:orders:LoadBalancing:RequestKey:Cookie"] = "session",
            ["EdgeKit:Clusters:orders:Destinations:orders-1:Address"] = "http://10.0.0.11:8080",
            ["EdgeKit:Clusters:orders:Destinations:orders-2:Address"] = "http://10.0.0.12:8080",
            ["EdgeKit:Clusters:orders:Destinations:orders-2:Weight"] = "3",
            ["EdgeKit:Clusters:orders:Destinations:orders-2:Metadata:zone"] = "b",
        }).GetSection("EdgeKit")));
        var fromCode = Registry(edge => edge.AddCluster("orders", c => c
            .AddDestination("http://10.0.0.11:8080", id: "orders-1")
            .AddDestination("http://10.0.0.12:8080", weight: 3, id: "orders-2", metadata: new Dictionary<string, string> { ["zone"] = "b" })
            .UseServiceDiscovery("http://orders")
            .UsePeakEwma(TimeSpan.FromSeconds(5))
            .WithRequestKeyFromCookie("session")));

        fromCode.CurrentOptions.Should().BeEquivalentTo(fromConfiguration.CurrentOptions);
        Describe(fromCode.GetCluster("orders")).Should().Equal(Describe(fromConfiguration.GetCluster("orders")));
        fromCode.GetCluster("orders").Snapshot.LoadBalancing.Should().BeEquivalentTo(fromConfiguration.GetCluster("orders").Snapshot.LoadBalancing);
    }

    [Fact]
    public void Code_and_configuration_together_merge_and_code_wins_whatever_the_order_of_the_calls()
    {
        var configuration = Configuration(new()
        {
            ["EdgeKit:Clusters:orders:LoadBalancing:Strategy"] = "RoundRobin",
            ["EdgeKit:Clusters:orders:Destinations:a:Address"] = "http://10.0.0.1:8080",
            ["EdgeKit:Clusters:orders:Destinations:b:Address"] = "http://10.0.0.2:8080",
            ["EdgeKit:Clusters:billing:Destinations:x:Address"] = "http://10.0.1.1:8080",
        });

        // AddCluster before AddConfiguration: code still applies after binding.
        var registry = Registry(edge => edge
            .AddCluster("orders", c => c.AddDestination("http://10.0.0.22:8080", id: "b").AddDestination("http://10.0.0.3:8080", id: "c").UseLeastRequests())
            .AddCluster("search", c => c.AddDestinations("http://10.0.2.1:8080"))
            .AddConfiguration(configuration.GetSection("EdgeKit")));

        registry.Clusters.Select(c => c.Name).Should().BeEquivalentTo("orders", "billing", "search");
        var orders = registry.GetCluster("orders");
        orders.Snapshot.LoadBalancing.Strategy.Should().Be("LeastRequests");
        Describe(orders).Should().Equal(
            "a http://10.0.0.1:8080/ weight 1 zone -",
            "b http://10.0.0.22:8080/ weight 1 zone -",
            "c http://10.0.0.3:8080/ weight 1 zone -");
    }

    [Fact]
    public void A_custom_strategy_registered_by_name_can_be_selected_from_configuration()
    {
        var registry = Registry(edge => edge
            .AddLoadBalancingStrategy<FirstStrategy>()
            .AddLoadBalancingStrategy<FirstStrategy>()
            .AddConfiguration(Configuration(new()
            {
                ["EdgeKit:Clusters:orders:LoadBalancing:Strategy"] = "first",
                ["EdgeKit:Clusters:orders:Destinations:a:Address"] = "http://10.0.0.1:8080",
                ["EdgeKit:Clusters:orders:Destinations:b:Address"] = "http://10.0.0.2:8080",
            }).GetSection("EdgeKit")));

        var orders = registry.GetCluster("orders");
        Enumerable.Range(0, 5).Select(_ => orders.Pick(default)!.Id).Should().AllBe("a");
        registry.Environment.Strategies.Names.Should().Contain("First").And.HaveCount(LoadBalancingStrategyCollection.BuiltIn.Names.Count + 1);
    }

    [Fact]
    public void Two_strategy_types_with_the_same_name_fail_when_the_registry_is_built()
    {
        using var services = new ServiceCollection()
            .AddEdgeKit(edge => edge
                .AddLoadBalancingStrategy<FirstStrategy>()
                .AddLoadBalancingStrategy<AnotherFirstStrategy>()
                .AddCluster("orders", c => c.AddDestinations("http://10.0.0.1:8080")))
            .Services.BuildServiceProvider();

        var resolve = () => services.GetRequiredService<ClusterRegistry>();

        resolve.Should().Throw<ArgumentException>().WithMessage(
            "Two load-balancing strategies are named 'first': EdgeKit.Tests.DependencyInjection.EdgeKitBuilderExtensionsTests+FirstStrategy and EdgeKit.Tests.DependencyInjection.EdgeKitBuilderExtensionsTests+AnotherFirstStrategy. Strategy names must be unique. (Parameter 'strategies')");
    }

    [Fact]
    public void A_strategy_that_takes_a_built_in_name_fails_when_the_registry_is_built()
    {
        using var services = new ServiceCollection()
            .AddEdgeKit(edge => edge.AddLoadBalancingStrategy<FakeRoundRobinStrategy>().AddCluster("orders", c => c.AddDestinations("http://10.0.0.1:8080")))
            .Services.BuildServiceProvider();

        var resolve = () => services.GetRequiredService<ClusterRegistry>();

        resolve.Should().Throw<ArgumentException>().WithMessage(
            "Two load-balancing strategies are named 'RoundRobin': EdgeKit.Balancing.RoundRobinStrategy and EdgeKit.Tests.DependencyInjection.EdgeKitBuilderExtensionsTests+FakeRoundRobinStrategy. Strategy names must be unique. (Parameter 'strategies')");
    }

    private static ClusterRegistry Registry(Action<IEdgeKitBuilder> configure)
    {
        var services = new ServiceCollection();
        configure(services.AddEdgeKit());
        return services.BuildServiceProvider().GetRequiredService<ClusterRegistry>();
    }

    private static IConfigurationRoot Configuration(Dictionary<string, string?> data) =>
        new ConfigurationBuilder().AddInMemoryCollection(data).Build();

    private static string[] Describe(Cluster cluster) =>
        cluster.Snapshot.AllDestinations
            .Select(d => $"{d.Id} {d.Destination.Address} weight {d.Destination.Weight} zone {d.Destination.Zone ?? "-"}")
            .ToArray();

    /// <summary>Always the first available destination.</summary>
    private sealed class FirstStrategy : ILoadBalancingStrategy
    {
        public string Name => "First";

        public DestinationPicker CreatePicker(ClusterSnapshot snapshot, DestinationPicker? previous) => new Picker(snapshot);

        private sealed class Picker(ClusterSnapshot snapshot) : DestinationPicker
        {
            public override DestinationState? Pick(in PickContext context) =>
                snapshot.AvailableDestinations.Length == 0 ? null : snapshot.AvailableDestinations[0];
        }
    }

    private sealed class AnotherFirstStrategy : ILoadBalancingStrategy
    {
        public string Name => "first";

        public DestinationPicker CreatePicker(ClusterSnapshot snapshot, DestinationPicker? previous) => throw new NotSupportedException();
    }

    private sealed class FakeRoundRobinStrategy : ILoadBalancingStrategy
    {
        public string Name => LoadBalancingStrategyNames.RoundRobin;

        public DestinationPicker CreatePicker(ClusterSnapshot snapshot, DestinationPicker? previous) => throw new NotSupportedException();
    }
}
