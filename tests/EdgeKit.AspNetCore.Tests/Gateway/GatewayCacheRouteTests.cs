using System.Net;
using EdgeKit.AspNetCore.Tests.Infrastructure;
using EdgeKit.Configuration;
using Microsoft.AspNetCore.Http;

namespace EdgeKit.AspNetCore.Tests.Gateway;

public sealed class GatewayCacheRouteTests
{
    [Fact]
    public async Task A_route_with_a_cache_policy_serves_repeats_from_the_cache_with_Cache_Status()
    {
        await using var products = await EchoBackend.StartAsync("products");
        products.Override = async context =>
        {
            context.Response.Headers.CacheControl = "public, max-age=60";
            await context.Response.WriteAsync("[\"book\",\"pen\"]");
        };
        await using var gateway = await GatewayHost.StartAsync(new Dictionary<string, string?>
        {
            ["Clusters:products:Destinations:p1:Address"] = products.Address,
            ["Caching:Policies:products:Mode"] = "Shared",
            ["Routes:products:Match:Path"] = "/products/{**rest}",
            ["Routes:products:Cluster"] = "products",
            ["Routes:products:CachePolicy"] = "products",
        });

        using var first = await gateway.Client.GetAsync("/products/all");
        using var second = await gateway.Client.GetAsync("/products/all");

        (await first.Content.ReadAsStringAsync()).Should().Be("[\"book\",\"pen\"]");
        (await second.Content.ReadAsStringAsync()).Should().Be("[\"book\",\"pen\"]");
        first.Headers.GetValues("Cache-Status").Single().Should().StartWith("EdgeKit; fwd=miss");
        second.Headers.GetValues("Cache-Status").Single().Should().StartWith("EdgeKit; hit");
        products.Requests.Should().Be(1);
    }

    [Fact]
    public async Task A_route_naming_an_unknown_cache_policy_is_a_configuration_error()
    {
        var act = () => GatewayHost.StartAsync(new Dictionary<string, string?>
        {
            ["Clusters:c:Destinations:d:Address"] = "http://127.0.0.1:1",
            ["Caching:Policies:short:Mode"] = "Shared",
            ["Routes:r:Cluster"] = "c",
            ["Routes:r:CachePolicy"] = "long",
        });

        var error = (await act.Should().ThrowAsync<EdgeKitConfigurationException>()).Which;
        error.Errors.Should().Equal("EdgeKit:Routes:r: CachePolicy 'long' does not exist (known policies: short).");
    }
}
