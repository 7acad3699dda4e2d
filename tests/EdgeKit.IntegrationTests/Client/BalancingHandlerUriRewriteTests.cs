using System.Net;
using System.Net.Http.Json;
using EdgeKit.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeKit.IntegrationTests.Client;

/// <summary>What a real server receives once the balancing handler has rewritten a request's URI.</summary>
public class BalancingHandlerUriRewriteTests
{
    private const string Cluster = "orders";

    [Theory]
    // destination path prefix, client base address, request URI, request target the server receives
    [InlineData(null, "http://orders/", "/api/x?q=1", "/api/x?q=1")]
    [InlineData("base/", "http://orders/", "/api/x?q=1", "/base/api/x?q=1")]
    [InlineData("base", "http://orders/", "/api/x?q=1", "/base/api/x?q=1")]
    [InlineData("base/", "http://orders/", "/", "/base/")]
    [InlineData("base/", "http://orders/v1/", "items?id=7", "/base/v1/items?id=7")]
    [InlineData("base/", "http://orders/", "/api/a%2Fb/c d?q=x y&r=%26&s=a+b", "/base/api/a%2Fb/c%20d?q=x%20y&r=%26&s=a+b")]
    [InlineData("base/", "http://orders/", "/api/caf\u00e9?name=\u00e9", "/base/api/caf%C3%A9?name=%C3%A9")]
    [InlineData("a%20b/", "http://orders/", "/x%3Fy?z=%3D", "/a%20b/x%3Fy?z=%3D")]
    public async Task The_server_receives_its_path_prefix_then_the_request_path_and_query_unchanged(
        string? pathPrefix, string baseAddress, string requestUri, string expectedTarget)
    {
        await using var backend = await TestBackend.StartAsync(1);
        var services = new ServiceCollection();
        services.AddEdgeKit(edge => edge.AddCluster(Cluster, c => c.AddInstances(backend, pathPrefix: pathPrefix)));
        services.AddHttpClient<EchoClient>(c => c.BaseAddress = new Uri(baseAddress)).AddEdgeKitBalancing(Cluster);
        await using var provider = services.BuildServiceProvider();

        var echo = await provider.GetRequiredService<EchoClient>().GetAsync(requestUri);

        echo.RawTarget.Should().Be(expectedTarget);
        echo.Host.Should().Be(backend[0].Address.Authority, "the Host header is the destination's, not the logical one");
    }

    [Fact]
    public async Task The_server_sees_the_decoded_path_and_the_query_of_the_logical_request()
    {
        await using var backend = await TestBackend.StartAsync(1);
        var services = new ServiceCollection();
        services.AddEdgeKit(edge => edge.AddCluster(Cluster, c => c.AddInstances(backend, pathPrefix: "base/")));
        services.AddHttpClient<EchoClient>(c => c.BaseAddress = new Uri("http://orders/")).AddEdgeKitBalancing(Cluster);
        await using var provider = services.BuildServiceProvider();

        var echo = await provider.GetRequiredService<EchoClient>().GetAsync("/api/a%2Fb/c d/caf\u00e9?q=x y");

        // ASP.NET Core decodes the path except %2F, which would change its segments.
        echo.Path.Should().Be("/base/api/a%2Fb/c d/caf\u00e9");
        echo.Query.Should().Be("?q=x%20y");
        echo.Method.Should().Be("GET");
    }

    [Fact]
    public async Task An_absolute_logical_uri_is_rewritten_like_a_relative_one()
    {
        await using var backend = await TestBackend.StartAsync(1);
        var services = new ServiceCollection();
        services.AddEdgeKit(edge => edge.AddCluster(Cluster, c => c.AddInstances(backend)));
        services.AddHttpClient("orders").AddEdgeKitBalancing(Cluster);
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("orders");

        var echo = await client.GetFromJsonAsync<BackendEcho>("https://orders.example:8443/api/x?q=1");

        echo!.RawTarget.Should().Be("/api/x?q=1");
        echo.Host.Should().Be(backend[0].Address.Authority);
    }

    [Fact]
    public async Task The_response_tells_which_destination_served_and_a_failed_response_keeps_the_logical_uri()
    {
        await using var backend = await TestBackend.StartAsync(1);
        var services = new ServiceCollection();
        services.AddEdgeKit(edge => edge.AddCluster(Cluster, c => c.AddInstances(backend, pathPrefix: "base/")));
        services.AddHttpClient("orders", c => c.BaseAddress = new Uri("http://orders/")).AddEdgeKitBalancing(Cluster);
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("orders");

        using var served = await client.GetAsync("api/x?q=1");
        backend[0].Behavior = BackendBehavior.Fail500;
        using var failed = await client.GetAsync("api/x?q=1");

        served.StatusCode.Should().Be(HttpStatusCode.OK);
        served.RequestMessage!.RequestUri!.AbsoluteUri.Should().Be(new Uri(backend[0].Address, "base/api/x?q=1").AbsoluteUri);
        failed.StatusCode.Should().Be(HttpStatusCode.InternalServerError);
        failed.RequestMessage!.RequestUri!.AbsoluteUri.Should().Be("http://orders/api/x?q=1");
    }
}
