using System.Buffers;
using System.Text;
using EdgeKit.Aggregation;
using EdgeKit.Configuration;
using EdgeKit.Tests.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeKit.Tests.Aggregation;

public class EdgeKitBuilderAggregationExtensionsTests
{
    [Fact]
    public async Task A_cluster_leg_goes_through_the_clusters_balancer()
    {
        var terminal = new FakeTerminalHandler
        {
            Respond = (request, _) => Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.OK)
            {
                RequestMessage = request,
                Content = new StringContent("""{"id":1}"""),
            }),
        };
        var services = new ServiceCollection();
        services.AddEdgeKit(edge => edge
            .AddCluster("orders", c => c.AddDestinations("http://10.0.0.1:8080"))
            .AddAggregate("details", a => a.AddLeg("order", l => { l.Cluster = "orders"; l.Path = "/orders/{id}"; })));
        services.AddHttpClient(AggregateHttpClientNames.ForCluster("orders")).ConfigurePrimaryHttpMessageHandler(() => terminal);
        await using var provider = services.BuildServiceProvider();

        var aggregator = provider.GetRequiredService<AggregatorRegistry>().GetAggregator("DETAILS");
        using var result = await aggregator.ExecuteAsync(new AggregateRequest().WithArgument("id", "5"));

        result.StatusCode.Should().Be(200);
        AggregatorFixture.Write(result).Should().Be("""{"order":{"id":1}}""");
        terminal.Sent.Should().ContainSingle().Which.Request.RequestUri.Should().Be(new Uri("http://10.0.0.1:8080/orders/5"));
    }

    [Fact]
    public void Aggregates_bound_from_configuration_are_validated()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["EdgeKit:Aggregates:details:MaxResponseBytes"] = "1000",
            ["EdgeKit:Aggregates:details:ForwardedRequestHeaders:0"] = "Authorization",
            ["EdgeKit:Aggregates:details:Legs:0:Name"] = "order",
            ["EdgeKit:Aggregates:details:Legs:0:Cluster"] = "orders",
            ["EdgeKit:Aggregates:details:Legs:0:Path"] = "/orders/{id}",
            ["EdgeKit:Aggregates:details:Legs:1:Name"] = "recs",
            ["EdgeKit:Aggregates:details:Legs:1:Client"] = "recommendations",
            ["EdgeKit:Aggregates:details:Legs:1:Method"] = "POST",
            ["EdgeKit:Aggregates:details:Legs:1:Path"] = "/for/{order.customerId}",
            ["EdgeKit:Aggregates:details:Legs:1:Timeout"] = "00:00:00.250",
            ["EdgeKit:Aggregates:details:Legs:1:Required"] = "false",
            ["EdgeKit:Aggregates:details:Legs:1:Default"] = "[]",
            ["EdgeKit:Aggregates:details:Legs:1:Output"] = "Merge",
            ["EdgeKit:Aggregates:details:Legs:1:Headers:X-Tenant"] = "{tenant}",
        }).Build();
        var services = new ServiceCollection();
        services.AddEdgeKit().AddAggregates(configuration.GetSection("EdgeKit"));
        using var provider = services.BuildServiceProvider();

        var create = () => provider.GetRequiredService<AggregatorRegistry>();

        create.Should().Throw<EdgeKitConfigurationException>().Which.Errors.Should().Equal(
            "Aggregate 'details', leg 'recs': Default is not a JSON object (the leg is merged): '[]'.");
    }

    [Fact]
    public void Bound_values_reach_the_aggregator()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["EdgeKit:Aggregates:details:MaxResponseBytes"] = "1000",
            ["EdgeKit:Aggregates:details:Legs:0:Name"] = "order",
            ["EdgeKit:Aggregates:details:Legs:0:Cluster"] = "orders",
            ["EdgeKit:Aggregates:details:Legs:0:Path"] = "/orders/{id}",
            ["EdgeKit:Aggregates:details:Legs:1:Name"] = "recs",
            ["EdgeKit:Aggregates:details:Legs:1:Client"] = "recommendations",
            ["EdgeKit:Aggregates:details:Legs:1:Path"] = "/for/{order.customerId}",
            ["EdgeKit:Aggregates:details:Legs:1:Timeout"] = "00:00:00.250",
            ["EdgeKit:Aggregates:details:Legs:1:Required"] = "false",
            ["EdgeKit:Aggregates:details:Legs:1:Default"] = "[]",
            ["EdgeKit:Aggregates:details:Legs:1:Headers:X-Tenant"] = "{tenant}",
        }).Build();
        var services = new ServiceCollection();
        services.AddEdgeKit().AddAggregates(configuration.GetSection("EdgeKit"));
        using var provider = services.BuildServiceProvider();

        var aggregator = provider.GetRequiredService<AggregatorRegistry>().GetAggregator("details");

        aggregator.Options.MaxResponseBytes.Should().Be(1000);
        var recs = aggregator.Legs[1].Options;
        (recs.Client, recs.Timeout, recs.Required, recs.Default, recs.Headers["x-tenant"]).Should().Be(("recommendations", TimeSpan.FromMilliseconds(250), false, "[]", "{tenant}"));
        aggregator.Arguments.Should().BeEquivalentTo("id", "tenant");
        aggregator.Order.Select(l => l.Name).Should().Equal("order", "recs");
    }

    [Fact]
    public async Task Invalid_aggregates_stop_the_host_from_starting_with_every_problem()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddEdgeKit().AddAggregate("a", a => a.AddLeg("x", l => l.Path = "/x"));
        using var host = builder.Build();

        var start = () => host.StartAsync();

        (await start.Should().ThrowAsync<EdgeKitConfigurationException>()).Which.Message.Should().Be(
            "EdgeKit configuration is invalid (1 problem):" + Environment.NewLine + " - Aggregate 'a', leg 'x': set exactly one of Cluster and Client.");
    }

    [Fact]
    public void An_unknown_aggregate_is_a_clear_error()
    {
        var services = new ServiceCollection();
        services.AddEdgeKit().AddAggregate("b", a => a.AddLeg("x", l => { l.Cluster = "c"; l.Path = "/x"; }))
            .AddAggregate("a", a => a.AddLeg("x", l => { l.Cluster = "c"; l.Path = "/x"; }));
        using var provider = services.BuildServiceProvider();

        var get = () => provider.GetRequiredService<AggregatorRegistry>().GetAggregator("nope");

        get.Should().Throw<KeyNotFoundException>().WithMessage("No EdgeKit aggregate is named 'nope'. Known: a, b.");
    }

    [Fact]
    public void A_reload_applies_a_valid_change_and_logs_and_ignores_an_invalid_one()
    {
        var data = new Dictionary<string, string?>
        {
            ["EdgeKit:Aggregates:a:Legs:0:Name"] = "x",
            ["EdgeKit:Aggregates:a:Legs:0:Cluster"] = "c",
            ["EdgeKit:Aggregates:a:Legs:0:Path"] = "/x",
        };
        var (configuration, source) = ReloadableConfigurationSource.Create(data);
        using var logs = new CapturingLoggerProvider();
        var services = new ServiceCollection();
        services.AddLogging(l => l.AddProvider(logs));
        services.AddEdgeKit().AddAggregates(configuration.GetSection("EdgeKit"));
        using var provider = services.BuildServiceProvider();
        var registry = provider.GetRequiredService<AggregatorRegistry>();

        data["EdgeKit:Aggregates:a:Legs:0:Path"] = "/y";
        source.Replace(data);
        registry.GetAggregator("a").Legs[0].Options.Path.Should().Be("/y");

        data["EdgeKit:Aggregates:a:Legs:0:Path"] = "no-slash";
        source.Replace(data);

        registry.GetAggregator("a").Legs[0].Options.Path.Should().Be("/y");
        logs.WithEventId(1252).Should().ContainSingle().Which.Message.Should().Be(
            "EdgeKit aggregates reload rejected; the previous aggregates stay in force. Aggregate 'a', leg 'x': Path must start with '/', was 'no-slash'.");
    }

    [Fact]
    public void Adding_aggregation_twice_registers_one_registry_and_one_client_configurator()
    {
        var services = new ServiceCollection();
        services.AddEdgeKit().AddAggregation().AddAggregation();

        services.Count(d => d.ServiceType == typeof(AggregatorRegistry)).Should().Be(1);
        services.Count(d => d.ImplementationType?.Name == "AggregateClusterClientConfigurator").Should().Be(1);
        services.Count(d => d.ImplementationType?.Name == "AggregationStartupValidator").Should().Be(1);
    }
}
