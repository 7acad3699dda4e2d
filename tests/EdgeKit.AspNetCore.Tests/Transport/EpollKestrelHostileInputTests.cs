using EdgeKit.AspNetCore.Tests.Forwarding;
using EdgeKit.AspNetCore.Tests.Infrastructure;
using EdgeKit.AspNetCore.Transport.Epoll.Kestrel;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeKit.AspNetCore.Tests.Transport;

/// <summary>
/// Every test of <see cref="HostileInputTests"/> (malformed and malicious requests, byte for byte over TCP) with the
/// gateway's Kestrel on EdgeKit's socket transport, its request processing inline on the loop thread: the client side
/// of the gateway must answer exactly as on Kestrel's own sockets.
/// </summary>
public sealed class EpollKestrelHostileInputTests : HostileInputTests
{
    private static void OnEdgeKitSockets(WebApplicationBuilder builder) => builder.WebHost.UseEdgeKitSockets(o =>
    {
        o.UnsafeInlineCompletions = true;
        // The process-wide backend switch stays off: other test classes run beside this one.
        o.BackendConnections = false;
    });

    protected override Action<WebApplicationBuilder>? ConfigureGateway => OnEdgeKitSockets;

    [Fact]
    public async Task The_gateways_client_connections_are_on_EdgeKits_transport()
    {
        await using var gateway = await GatewayHost.StartAsync(new Dictionary<string, string?>(), OnEdgeKitSockets);
        var factory = gateway.Services.GetServices<IConnectionListenerFactory>().OfType<EpollTransportFactory>().Single();
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(System.Net.IPAddress.Loopback, new Uri(gateway.Address).Port);
        await client.GetStream().WriteAsync("GET /nowhere HTTP/1.1\r\nHost: gw\r\n\r\n"u8.ToArray());
        var buffer = new byte[4096];
        int read = await client.GetStream().ReadAsync(buffer);

        System.Text.Encoding.ASCII.GetString(buffer, 0, read).Should().StartWith("HTTP/1.1 404");
        factory.OpenSockets.Should().Be(1, "the kept-alive connection is the transport's");
    }
}
