using System.Globalization;
using EdgeKit.Balancing;
using EdgeKit.Client;
using EdgeKit.Configuration;
using EdgeKit.Destinations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeKit.PublicApi.Tests.Balancing;

/// <summary>A third-party strategy with its own settings and a request key works exactly as the built-in ones do.</summary>
public sealed class CustomStrategyTests
{
    [Fact]
    public async Task A_strategy_that_reads_the_request_key_gets_it_without_a_configured_key_source()
    {
        using var cluster = Cluster(new LoadBalancingOptions { Strategy = "Keyed" });
        var terminal = new RecordingHandler();
        using var invoker = new HttpMessageInvoker(new BalancingHandler(cluster, terminal));
        var request = new HttpRequestMessage(HttpMethod.Get, "http://orders/x");
        request.Options.Set(EdgeKitRequestOptions.RequestKey, "b");

        (await invoker.SendAsync(request, default)).Dispose();

        terminal.Seen.Should().Equal(new Uri("http://10.0.0.2:8080/x"));
    }

    [Fact]
    public async Task A_strategy_that_does_not_read_the_request_key_is_not_given_one()
    {
        var strategies = LoadBalancingStrategyCollection.BuiltIn.With(new KeyedStrategy { ReadsRequestKey = false });
        using var cluster = new Cluster("orders", Destinations(), new LoadBalancingOptions { Strategy = "Keyed" }, new ClusterEnvironment(strategies: strategies));
        var terminal = new RecordingHandler();
        using var invoker = new HttpMessageInvoker(new BalancingHandler(cluster, terminal));
        var request = new HttpRequestMessage(HttpMethod.Get, "http://orders/x");
        request.Options.Set(EdgeKitRequestOptions.RequestKey, "b");

        (await invoker.SendAsync(request, default)).Dispose();

        terminal.Seen.Should().Equal([new Uri("http://10.0.0.1:8080/x")], "without a key the strategy takes the first destination");
    }

    [Fact]
    public void A_strategy_validates_its_own_settings_when_a_cluster_names_it()
    {
        var options = new LoadBalancingOptions { Strategy = "keyed", Properties = { ["Keyed.Fallback"] = "z", ["Keyed.Spread"] = "lots" } };

        var act = () => Cluster(options);

        act.Should().Throw<ArgumentException>().Which.Message.Should().Be(new ArgumentException(
            "Cluster 'orders': LoadBalancing.Properties.Keyed.Spread 'lots' must be a whole number from 1 to 10." + Environment.NewLine
            + "Cluster 'orders': LoadBalancing.Properties.Keyed.Fallback 'z' is not a destination id of the form a, b or c.",
            "options").Message);
    }

    [Fact]
    public void A_strategy_validates_its_own_settings_as_the_fallback_of_session_affinity()
    {
        var options = new LoadBalancingOptions
        {
            Strategy = LoadBalancingStrategyNames.SessionAffinity,
            SessionAffinity = { FallbackStrategy = "Keyed" },
            Properties = { ["Keyed.Spread"] = "0" },
        };

        var act = () => Cluster(options);

        act.Should().Throw<ArgumentException>().WithMessage("Cluster 'orders': LoadBalancing.Properties.Keyed.Spread '0' must be a whole number from 1 to 10.*");
    }

    [Fact]
    public void A_strategy_not_named_by_the_cluster_does_not_check_the_settings()
    {
        var options = new LoadBalancingOptions { Strategy = LoadBalancingStrategyNames.RoundRobin, Properties = { ["Keyed.Spread"] = "lots" } };

        using var cluster = Cluster(options);

        cluster.Snapshot.UsesRequestKey.Should().BeFalse();
    }

    [Fact]
    public void Configuration_naming_a_custom_strategy_with_bad_settings_fails_the_start_naming_the_cluster()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["EdgeKit:Clusters:orders:LoadBalancing:Strategy"] = "Keyed",
            ["EdgeKit:Clusters:orders:LoadBalancing:Properties:Keyed.Spread"] = "11",
            ["EdgeKit:Clusters:orders:Destinations:a:Address"] = "http://10.0.0.1:8080",
        }).Build();
        using var services = new ServiceCollection()
            .AddEdgeKit(edge => edge.AddLoadBalancingStrategy<KeyedStrategy>().AddConfiguration(configuration.GetSection("EdgeKit")))
            .Services.BuildServiceProvider();

        var resolve = () => services.GetRequiredService<ClusterRegistry>();

        resolve.Should().Throw<EdgeKitConfigurationException>().Which.Errors.Should().Equal(
            "Cluster 'orders': LoadBalancing.Properties.Keyed.Spread '11' must be a whole number from 1 to 10.");
    }

    private static Cluster Cluster(LoadBalancingOptions options) =>
        new("orders", Destinations(), options, new ClusterEnvironment(strategies: LoadBalancingStrategyCollection.BuiltIn.With(new KeyedStrategy())));

    private static IEnumerable<Destination> Destinations() =>
        new[] { "a", "b", "c" }.Select((id, i) => new Destination(id, new Uri($"http://10.0.0.{i + 1}:8080/")));

    /// <summary>A terminal handler that never touches the network: it records the URIs it saw.</summary>
    private sealed class RecordingHandler : HttpMessageHandler
    {
        public List<Uri> Seen { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Seen.Add(request.RequestUri!);
            return Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.OK) { RequestMessage = request });
        }
    }

    /// <summary>Sends a request to the destination its key names; without a key, to the first one.</summary>
    private sealed class KeyedStrategy : ILoadBalancingStrategy
    {
        public string Name => "Keyed";

        public bool ReadsRequestKey { get; init; } = true;

        public IEnumerable<string> Validate(LoadBalancingOptions settings, LoadBalancingStrategyCollection strategies)
        {
            if (settings.Properties.TryGetValue("Keyed.Spread", out var spread)
                && !(int.TryParse(spread, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value is >= 1 and <= 10))
            {
                yield return $"LoadBalancing.Properties.Keyed.Spread '{spread}' must be a whole number from 1 to 10.";
            }

            if (settings.Properties.TryGetValue("Keyed.Fallback", out var fallback) && fallback is not ("a" or "b" or "c"))
            {
                yield return $"LoadBalancing.Properties.Keyed.Fallback '{fallback}' is not a destination id of the form a, b or c.";
            }
        }

        public DestinationPicker CreatePicker(ClusterSnapshot snapshot, DestinationPicker? previous) => new Picker(snapshot);

        private sealed class Picker(ClusterSnapshot snapshot) : DestinationPicker
        {
            public override DestinationState? Pick(in PickContext context) =>
                context.RequestKey is { } key && snapshot.TryGetDestination(key, out var keyed) ? keyed
                : snapshot.AvailableDestinations.Length == 0 ? null : snapshot.AvailableDestinations[0];
        }
    }
}
