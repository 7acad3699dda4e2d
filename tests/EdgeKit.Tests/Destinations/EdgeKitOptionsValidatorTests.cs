using EdgeKit.Balancing;
using EdgeKit.Configuration;
using EdgeKit.DependencyInjection;
using EdgeKit.Destinations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeKit.Tests.Destinations;

public class EdgeKitOptionsValidatorTests
{
    private const string KnownStrategies = "ConsistentHash, LeastRequests, PeakEwma, PowerOfTwoChoices, Random, RoundRobin, SessionAffinity, WeightedRandom, WeightedRoundRobin";

    [Fact]
    public void Invalid_configuration_fails_with_every_problem_listed_at_once()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["EdgeKit:Clusters:bad-strategy:LoadBalancing:Strategy"] = "Fastest",
            ["EdgeKit:Clusters:bad-strategy:Destinations:a:Address"] = "http://10.0.0.1:8080",
            ["EdgeKit:Clusters:empty:LoadBalancing:Strategy"] = "RoundRobin",
            ["EdgeKit:Clusters:weights:Destinations:zero:Address"] = "http://10.0.0.2:8080",
            ["EdgeKit:Clusters:weights:Destinations:zero:Weight"] = "0",
            ["EdgeKit:Clusters:weights:Destinations:huge:Address"] = "http://10.0.0.3:8080",
            ["EdgeKit:Clusters:weights:Destinations:huge:Weight"] = "10001",
            ["EdgeKit:Clusters:addresses:Destinations:credentials:Address"] = "http://user:secret@10.0.0.4:8080",
            ["EdgeKit:Clusters:addresses:Destinations:ftp:Address"] = "ftp://10.0.0.5:2121",
            ["EdgeKit:Clusters:addresses:Destinations:missing:Weight"] = "2",
            ["EdgeKit:Clusters:addresses:Destinations:not-a-uri:Address"] = "10.0.0.6 port 8080",
            ["EdgeKit:Clusters:addresses:Destinations:query:Address"] = "http://10.0.0.7:8080/?zone=a",
            ["EdgeKit:Clusters:addresses:Destinations:relative:Address"] = "/api",
            ["EdgeKit:Clusters:blank-service:ServiceName"] = " ",
            ["EdgeKit:Clusters:ftp-service:ServiceName"] = "ftp+http://orders",
            ["EdgeKit:Clusters:odd-service:ServiceName"] = "orders and billing",
            ["EdgeKit:Clusters:decay:ServiceName"] = "orders",
            ["EdgeKit:Clusters:decay:LoadBalancing:LatencyDecay"] = "-00:00:01",
        }).Build();
        using var services = new ServiceCollection().AddEdgeKit().AddConfiguration(configuration.GetSection("EdgeKit")).Services.BuildServiceProvider();

        var resolve = () => services.GetRequiredService<ClusterRegistry>();

        var errors = resolve.Should().Throw<EdgeKitConfigurationException>().Which.Errors;
        errors.Should().Equal(
            "Cluster 'addresses', destination 'credentials': address 'http://user:secret@10.0.0.4:8080/' must not carry credentials.",
            "Cluster 'addresses', destination 'ftp': address 'ftp://10.0.0.5:2121/' must use http or https, not 'ftp'.",
            "Cluster 'addresses', destination 'missing': Address is missing; give an absolute address such as 'http://10.0.0.11:8080'.",
            "Cluster 'addresses', destination 'not-a-uri': Address '10.0.0.6 port 8080' is not an absolute URI; use a form such as 'http://10.0.0.11:8080'.",
            "Cluster 'addresses', destination 'query': address 'http://10.0.0.7:8080/?zone=a' must not have a query or fragment.",
            "Cluster 'addresses', destination 'relative': Address '/api' is not an absolute URI; use a form such as 'http://10.0.0.11:8080'.",
            $"Cluster 'bad-strategy': LoadBalancing.Strategy is an unknown load-balancing strategy 'Fastest'. Known strategies: {KnownStrategies}.",
            "Cluster 'blank-service': has no destinations. Add at least one under Destinations, or set ServiceName to resolve them through service discovery.",
            "Cluster 'blank-service': ServiceName is blank; remove it or name a service such as 'https+http://orders'.",
            "Cluster 'decay': LoadBalancing.LatencyDecay must be positive, was -00:00:01.",
            "Cluster 'empty': has no destinations. Add at least one under Destinations, or set ServiceName to resolve them through service discovery.",
            "Cluster 'ftp-service': ServiceName 'ftp+http://orders' asks for scheme 'ftp'; destinations are reached over HTTP, so use http, https or both (e.g. 'https+http://orders').",
            "Cluster 'odd-service': ServiceName 'orders and billing' is not a service name; use a form such as 'orders', 'http://orders' or 'https+http://orders'.",
            "Cluster 'weights', destination 'huge': Weight must be between 1 and 10000, was 10001.",
            "Cluster 'weights', destination 'zero': Weight must be between 1 and 10000, was 0.");
    }

    [Fact]
    public void The_exception_message_lists_every_problem()
    {
        var exception = new EdgeKitConfigurationException(["First problem.", "Second problem."]);

        exception.Message.Should().Be($"EdgeKit configuration is invalid (2 problems):{Environment.NewLine} - First problem.{Environment.NewLine} - Second problem.");
    }

    [Theory]
    [InlineData("orders")]
    [InlineData("orders:8080")]
    [InlineData("http://orders")]
    [InlineData("https://orders")]
    [InlineData("https+http://orders")]
    [InlineData("_dashboard.orders")]
    [InlineData("https+http://_dashboard.orders")]
    public void Accepts_the_service_names_that_service_discovery_accepts(string serviceName)
    {
        var options = new EdgeKitOptions();
        options.GetOrAddCluster("orders").ServiceName = serviceName;

        Validate(options).Should().BeEmpty();
    }

    [Theory]
    [InlineData("/orders", "is not a service name")]
    [InlineData("http://", "is not a service name")]
    [InlineData(" orders", "is not a service name")]
    [InlineData("grpc://orders", "asks for scheme 'grpc'")]
    public void Rejects_names_that_service_discovery_cannot_resolve_or_that_are_not_http(string serviceName, string problem)
    {
        var options = new EdgeKitOptions();
        options.GetOrAddCluster("orders").ServiceName = serviceName;

        Validate(options)
            .Should().ContainSingle().Which.Should().Contain(problem);
    }

    [Fact]
    public void Rejects_destination_ids_that_differ_only_in_case_in_a_case_sensitive_dictionary()
    {
        var options = new EdgeKitOptions();
        var cluster = options.GetOrAddCluster("orders");
        cluster.Destinations = new Dictionary<string, DestinationOptions>(StringComparer.Ordinal)
        {
            ["a"] = new() { Address = "http://10.0.0.1:8080" },
            ["A"] = new() { Address = "http://10.0.0.2:8080" },
        };

        Validate(options).Should().Equal(
            "Cluster 'orders': destination ids 'a' and 'A' differ only in case; ids are compared case-insensitively, so rename one.");
    }

    private static List<string> Validate(EdgeKitOptions options)
    {
        var errors = new List<string>();
        EdgeKitOptionsValidator.Validate(options, "EdgeKit", LoadBalancingStrategyCollection.BuiltIn, ClusterHealthFactories.Default, errors);
        return errors;
    }
}
