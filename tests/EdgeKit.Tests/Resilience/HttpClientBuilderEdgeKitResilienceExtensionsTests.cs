using System.Net;
using EdgeKit.Client;
using EdgeKit.Resilience;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Options;

namespace EdgeKit.Tests.Resilience;

public class HttpClientBuilderEdgeKitResilienceExtensionsTests
{
    private sealed class Marker(string name) : DelegatingHandler
    {
        public string Name { get; } = name;
    }

    [Fact]
    public void The_resilience_handler_sits_directly_in_front_of_the_balancer_whatever_the_order_of_the_calls()
    {
        var before = Chain(client => client
            .AddHttpMessageHandler(() => new Marker("outer"))
            .AddEdgeKitResilience()
            .AddEdgeKitBalancing("orders")
            .AddHttpMessageHandler(() => new Marker("inner")));
        var after = Chain(client => client
            .AddHttpMessageHandler(() => new Marker("outer"))
            .AddEdgeKitBalancing("orders")
            .AddHttpMessageHandler(() => new Marker("inner"))
            .AddEdgeKitResilience());

        string[] expected = ["outer", nameof(EdgeKitResilienceHandler), nameof(BalancingHandler), "inner"];
        before.Should().Equal(expected);
        after.Should().Equal(expected);
    }

    [Fact]
    public void Handlers_added_between_the_two_calls_run_once_per_request_outside_both()
    {
        var chain = Chain(client => client
            .AddEdgeKitResilience()
            .AddHttpMessageHandler(() => new Marker("between"))
            .AddEdgeKitBalancing("orders"));

        chain.Should().Equal("between", nameof(EdgeKitResilienceHandler), nameof(BalancingHandler));
    }

    [Fact]
    public void Calling_it_twice_adds_one_handler_and_applies_both_configurations()
    {
        var services = Services();
        services.AddHttpClient("orders")
            .AddEdgeKitBalancing("orders")
            .AddEdgeKitResilience(o => o.MaxRetryAttempts = 3)
            .AddEdgeKitResilience(o => o.AttemptTimeout = TimeSpan.FromSeconds(2));
        using var provider = services.BuildServiceProvider();

        var handlers = Handlers(provider, "orders");

        var resilience = handlers.OfType<EdgeKitResilienceHandler>().Should().ContainSingle().Subject;
        resilience.Options.MaxRetryAttempts.Should().Be(3);
        resilience.Options.AttemptTimeout.Should().Be(TimeSpan.FromSeconds(2));
        resilience.Cluster.Name.Should().Be("orders");
    }

    [Fact]
    public void Without_the_balancer_the_client_cannot_be_created_and_the_message_says_why()
    {
        var services = Services();
        services.AddHttpClient("plain").AddEdgeKitResilience();
        using var provider = services.BuildServiceProvider();

        var create = () => provider.GetRequiredService<IHttpClientFactory>().CreateClient("plain");

        create.Should().Throw<InvalidOperationException>().WithMessage(
            "The HttpClient 'plain' calls AddEdgeKitResilience() without AddEdgeKitBalancing(\"<cluster>\"). EdgeKit's resilience retries by picking another "
            + "destination of a cluster, so it needs the balancing handler. For a client without EdgeKit balancing, use Microsoft.Extensions.Http.Resilience.");
    }

    [Fact]
    public void Two_balancers_on_one_client_are_refused()
    {
        var services = Services();
        services.AddHttpClient("twice").AddEdgeKitBalancing("orders").AddEdgeKitBalancing("orders").AddEdgeKitResilience();
        using var provider = services.BuildServiceProvider();

        var create = () => provider.GetRequiredService<IHttpClientFactory>().CreateClient("twice");

        create.Should().Throw<InvalidOperationException>().WithMessage(
            "The HttpClient 'twice' has two EdgeKit balancing handlers; call AddEdgeKitBalancing once per client.");
    }

    [Fact]
    public void Other_clients_are_left_alone()
    {
        var services = Services();
        services.AddHttpClient("orders").AddEdgeKitBalancing("orders").AddEdgeKitResilience();
        services.AddHttpClient("plain").AddEdgeKitBalancing("orders");
        using var provider = services.BuildServiceProvider();

        Handlers(provider, "plain").OfType<EdgeKitResilienceHandler>().Should().BeEmpty();
        Handlers(provider, "orders").OfType<EdgeKitResilienceHandler>().Should().ContainSingle();
    }

    [Fact]
    public async Task Invalid_options_stop_the_host_with_every_problem()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddEdgeKit(edge => edge.AddCluster("orders", c => c.AddDestinations("http://10.0.0.1:8080")));
        builder.Services.AddHttpClient("orders").AddEdgeKitBalancing("orders").AddEdgeKitResilience(o =>
        {
            o.MaxRetryAttempts = 20;
            o.RetryBudget.BudgetPercent = -5;
        });
        using var host = builder.Build();

        var start = () => host.StartAsync();

        var thrown = await start.Should().ThrowAsync<OptionsValidationException>();
        thrown.Which.Failures.Should().Equal(
            "EdgeKit resilience of client 'orders': MaxRetryAttempts must be between 0 (no retries) and 10, was 20.",
            "EdgeKit resilience of client 'orders': RetryBudget.BudgetPercent must be between 0 and 100, was -5.");
    }

    [Fact]
    public void Settings_bind_from_configuration()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Resilience:MaxRetryAttempts"] = "4",
            ["Resilience:AttemptTimeout"] = "00:00:03",
            ["Resilience:RetryableStatuses"] = "503",
            ["Resilience:RetryBudget:BudgetPercent"] = "50",
            ["Resilience:Hedging:Enabled"] = "true",
            ["Resilience:Hedging:Delay"] = "00:00:00.5",
        }).Build();
        var services = Services();
        services.AddHttpClient("orders").AddEdgeKitBalancing("orders").AddEdgeKitResilience(configuration.GetSection("Resilience"));
        using var provider = services.BuildServiceProvider();

        var options = Handlers(provider, "orders").OfType<EdgeKitResilienceHandler>().Single().Options;

        options.MaxRetryAttempts.Should().Be(4);
        options.AttemptTimeout.Should().Be(TimeSpan.FromSeconds(3));
        options.RetryableStatuses.Should().Be("503");
        options.RetryBudget.BudgetPercent.Should().Be(50);
        options.RetryBudget.MinRetryConcurrency.Should().Be(3);
        options.Hedging.Enabled.Should().BeTrue();
        options.Hedging.Delay.Should().Be(TimeSpan.FromMilliseconds(500));
    }

    [Fact]
    public async Task A_client_built_this_way_retries_on_another_destination()
    {
        var services = Services();
        services.AddHttpClient("orders", c => c.BaseAddress = new Uri("http://orders/"))
            .AddEdgeKitResilience(o => o.BaseDelay = o.MaxDelay = TimeSpan.Zero)
            .AddEdgeKitBalancing("orders")
            .ConfigurePrimaryHttpMessageHandler(() => new FirstFailsHandler());
        using var provider = services.BuildServiceProvider();

        using var response = await provider.GetRequiredService<IHttpClientFactory>().CreateClient("orders").GetAsync("/items");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    private sealed class FirstFailsHandler : HttpMessageHandler
    {
        private int _calls;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(Interlocked.Increment(ref _calls) == 1 ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.OK));
    }

    private static ServiceCollection Services()
    {
        var services = new ServiceCollection();
        services.AddEdgeKit(edge => edge.AddCluster("orders", c => c.AddDestinations("http://10.0.0.1:8080", "http://10.0.0.2:8080")));
        return services;
    }

    private static string[] Chain(Action<IHttpClientBuilder> configure)
    {
        var services = Services();
        configure(services.AddHttpClient("orders"));
        using var provider = services.BuildServiceProvider();
        return [.. Handlers(provider, "orders")
            .Where(h => h is Marker or EdgeKitResilienceHandler or BalancingHandler)
            .Select(h => h is Marker marker ? marker.Name : h.GetType().Name)];
    }

    /// <summary>The client's handlers, outermost first.</summary>
    private static List<HttpMessageHandler> Handlers(IServiceProvider provider, string name)
    {
        var handlers = new List<HttpMessageHandler>();
        HttpMessageHandler? handler = provider.GetRequiredService<IHttpMessageHandlerFactory>().CreateHandler(name);
        while (handler is not null)
        {
            handlers.Add(handler);
            handler = (handler as DelegatingHandler)?.InnerHandler;
        }

        return handlers;
    }
}
