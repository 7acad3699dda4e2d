using EdgeKit.Configuration;
using EdgeKit.Destinations;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeKit.Gateway.Tests;

/// <summary><c>/healthz/ready</c>: ready only when every cluster has an available destination.</summary>
public sealed class ReadinessTests
{
    [Fact]
    public async Task A_cluster_without_an_available_destination_makes_the_gateway_not_ready_naming_it()
    {
        var options = new EdgeKitOptions();
        options.Clusters["orders"] = new ClusterOptions { Destinations = { ["o1"] = new DestinationOptions { Address = "http://127.0.0.1:9" } } };
        // A cluster whose destinations come from service discovery has none until discovery answers.
        options.Clusters["users"] = new ClusterOptions { ServiceName = "users" };
        var registry = new ClusterRegistry(options);

        var (status, body) = await ExecuteAsync(GatewayApp.Readiness(registry));

        status.Should().Be(StatusCodes.Status503ServiceUnavailable);
        body.Should().Be("not ready: no available destination in users\n");

        options.Clusters.Remove("users");
        registry.Update(options);
        (status, body) = await ExecuteAsync(GatewayApp.Readiness(registry));
        (status, body).Should().Be((StatusCodes.Status200OK, "ready\n"));
    }

    private static async Task<(int Status, string Body)> ExecuteAsync(IResult result)
    {
        var context = new DefaultHttpContext { RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider() };
        using var body = new MemoryStream();
        context.Response.Body = body;
        await result.ExecuteAsync(context);
        return (context.Response.StatusCode, System.Text.Encoding.UTF8.GetString(body.ToArray()));
    }
}
