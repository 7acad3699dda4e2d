using Microsoft.Extensions.DependencyInjection;

namespace EdgeKit.Tests.Client;

public class HttpClientBuilderEdgeKitExtensionsTests
{
    [Fact]
    public void An_unknown_cluster_fails_with_a_clear_message_when_the_client_is_created()
    {
        var services = new ServiceCollection();
        services.AddEdgeKit(edge => edge
            .AddCluster("orders", c => c.AddDestinations("http://10.0.0.1:8080"))
            .AddCluster("billing", c => c.AddDestinations("http://10.0.1.1:8080")));
        services.AddHttpClient("client").AddEdgeKitBalancing("unknown");
        using var provider = services.BuildServiceProvider();
        var factory = provider.GetRequiredService<IHttpClientFactory>();

        var create = () => factory.CreateClient("client");

        create.Should().Throw<KeyNotFoundException>().WithMessage("No EdgeKit cluster is named 'unknown'. Configured clusters: billing, orders.");
    }

    [Fact]
    public void Without_any_cluster_the_message_says_how_to_add_one()
    {
        var services = new ServiceCollection();
        services.AddHttpClient("client").AddEdgeKitBalancing("orders");
        using var provider = services.BuildServiceProvider();

        var create = () => provider.GetRequiredService<IHttpClientFactory>().CreateClient("client");

        create.Should().Throw<KeyNotFoundException>().WithMessage(
            "No EdgeKit cluster is named 'orders'. No cluster is configured: add one with AddCluster(...) or under EdgeKit:Clusters in configuration.");
    }
}
