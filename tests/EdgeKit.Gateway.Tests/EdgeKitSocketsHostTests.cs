using System.Net;
using EdgeKit.AspNetCore.Transport;
using EdgeKit.AspNetCore.Transport.Epoll.Kestrel;
using EdgeKit.Gateway.Tests.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EdgeKit.Gateway.Tests;

/// <summary><c>Host:InlineIo:EdgeKitSockets</c>: on by default (Linux), Kestrel's TCP endpoints run on EdgeKit's socket transport; off, Kestrel keeps its own sockets.</summary>
public sealed class EdgeKitSocketsHostTests
{
    private static string File(TempFolder folder, string inlineIo, string backend = "http://127.0.0.1:9") => folder.Write("gateway.json", $$"""
        {
          "Kestrel": { "Endpoints": { "http": { "Url": "http://127.0.0.1:0" } } },
          "Host": { "InlineIo": { {{inlineIo}} } },
          "EdgeKit": {
            "Clusters": { "orders": { "Destinations": { "o1": { "Address": "{{backend}}" } } } },
            "Routes": { "orders": { "Match": { "Path": "/orders" }, "Cluster": "orders" } }
          }
        }
        """);

    private static List<Type> Factories(WebApplication app) =>
        app.Services.GetServices<IConnectionListenerFactory>().Select(f => f.GetType()).ToList();

    [Fact]
    public async Task Off_Kestrel_keeps_its_own_sockets()
    {
        using var folder = new TempFolder();

        await using var app = GatewayApp.Build(File(folder, """ "EdgeKitSockets": false """), checkOnly: true, logging: _ => { });

        Factories(app).Should().NotContain(typeof(EpollTransportFactory));
    }

    [Fact]
    public async Task It_is_on_by_default()
    {
        using var folder = new TempFolder();

        await using var app = GatewayApp.Build(File(folder, ""), checkOnly: true, logging: _ => { });

        Factories(app).Should().Contain(typeof(EpollTransportFactory));
    }

    [Theory]
    [InlineData("", true)]
    [InlineData(""" "Scheduling": false, """, false)]
    public async Task On_it_registers_the_transport_with_inline_completions_as_Scheduling_says(string scheduling, bool inline)
    {
        using var folder = new TempFolder();

        await using var app = GatewayApp.Build(File(folder, scheduling + """ "EdgeKitSockets": true """), checkOnly: true, logging: _ => { });

        Factories(app).Should().Contain(typeof(EpollTransportFactory));
        var options = app.Services.GetRequiredService<IOptions<EdgeKitSocketOptions>>().Value;
        options.UnsafeInlineCompletions.Should().Be(inline);
        // Process-wide, so only for `edgekit run` (applyToProcess), never in a test's build.
        options.BackendConnections.Should().BeFalse();
    }

    [Fact]
    public async Task On_the_gateway_forwards_over_connections_of_the_transport()
    {
        await using var backend = await Backend.StartAsync(app => app.MapGet("/orders", () => "orders"));
        using var folder = new TempFolder();
        await using var gateway = await RunningGateway.StartAsync(File(folder, """ "EdgeKitSockets": true """, backend.Address));
        var factory = gateway.App.Services.GetServices<IConnectionListenerFactory>().OfType<EpollTransportFactory>().Single();

        using var first = await gateway.Client.GetAsync("/orders");
        using var second = await gateway.Client.GetAsync("/orders");

        first.StatusCode.Should().Be(HttpStatusCode.OK);
        (await first.Content.ReadAsStringAsync()).Should().Be("orders");
        (await second.Content.ReadAsStringAsync()).Should().Be("orders");
        factory.OpenSockets.Should().Be(1, "the client's kept-alive connection is the transport's");
    }
}
