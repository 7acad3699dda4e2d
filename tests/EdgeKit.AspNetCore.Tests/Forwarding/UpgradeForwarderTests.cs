using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using EdgeKit.AspNetCore.Tests.Infrastructure;
using EdgeKit.Configuration;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace EdgeKit.AspNetCore.Tests.Forwarding;

public class UpgradeForwarderTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    /// <summary>The <c>HttpClient:Transport</c> of HTTP/1.1 clusters; <c>SocketsHttpHandler</c> here, pinned: the default (<c>Auto</c>) is EdgeKit's for these clusters (see <see cref="Transport.UpgradeForwarderOnEdgeKitTransportTests"/>).</summary>
    protected virtual string? Transport => "SocketsHttpHandler";

    private Dictionary<string, string?> OneRoute(string address, string requestVersion = "1.1", string? policy = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Clusters:c:Destinations:d:Address"] = address,
            ["Clusters:c:HttpClient:RequestVersion"] = requestVersion,
            ["Routes:r:Match:Path"] = "/{**rest}",
            ["Routes:r:Cluster"] = "c",
        };
        if (policy is not null)
        {
            settings["Clusters:c:HttpClient:VersionPolicy"] = policy;
        }

        // The EdgeKit transport speaks HTTP/1.1 only: other versions stay on the default in both runs.
        return settings.OnTransport(requestVersion == "1.1" ? Transport : null);
    }

    private static Uri WebSocketUri(GatewayHost gateway, string path = "/ws") => new(gateway.Address.Replace("http://", "ws://", StringComparison.Ordinal) + path);

    private static async Task<ClientWebSocket> ConnectHttp2Async(GatewayHost gateway)
    {
        var socket = new ClientWebSocket();
        socket.Options.HttpVersion = HttpVersion.Version20;
        socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        socket.Options.CollectHttpResponseDetails = true;
        await socket.ConnectAsync(WebSocketUri(gateway), new HttpMessageInvoker(new SocketsHttpHandler()), CancellationToken.None).WaitAsync(Wait);
        return socket;
    }

    private static async Task<(WebSocketMessageType Type, byte[] Data)> EchoAsync(ClientWebSocket socket, byte[] message, WebSocketMessageType type = WebSocketMessageType.Binary)
    {
        await socket.SendAsync(message, type, endOfMessage: true, CancellationToken.None).WaitAsync(Wait);
        var received = new MemoryStream();
        var buffer = new byte[16384];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(Wait);
            received.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return (result.MessageType, received.ToArray());
            }
        }
    }

    private static async Task CloseAndExpectCloseAsync(ClientWebSocket socket)
    {
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None).WaitAsync(Wait);
        socket.State.Should().Be(WebSocketState.Closed);
        socket.CloseStatus.Should().Be(WebSocketCloseStatus.NormalClosure);
        socket.CloseStatusDescription.Should().Be("bye");
    }

    [Fact]
    public async Task A_WebSocket_over_HTTP11_is_tunnelled_both_ways_and_closes_cleanly()
    {
        await using var backend = await WebSocketBackend.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(OneRoute(backend.Address));
        using var socket = new ClientWebSocket();

        await socket.ConnectAsync(WebSocketUri(gateway), CancellationToken.None).WaitAsync(Wait);
        var text = await EchoAsync(socket, Encoding.UTF8.GetBytes("hello é"), WebSocketMessageType.Text);
        var large = Enumerable.Range(0, 300_000).Select(i => (byte)(i * 7)).ToArray();
        var binary = await EchoAsync(socket, large);
        await CloseAndExpectCloseAsync(socket);

        text.Type.Should().Be(WebSocketMessageType.Text);
        Encoding.UTF8.GetString(text.Data).Should().Be("hello é");
        binary.Data.Should().Equal(large, "a message several buffers long crosses the tunnel intact");
        var handshake = backend.Handshakes.Single();
        handshake.Method.Should().Be("GET");
        handshake.Protocol.Should().Be("HTTP/1.1");
        handshake.Connection.Should().Be("Upgrade");
        handshake.Upgrade.Should().Be("websocket");
        handshake.Key.Should().NotBeEmpty();
        await backend.TunnelEnded.Task.WaitAsync(Wait);
        await WaitForLogAsync(gateway, 1432);
        gateway.Logs.Entries.Should().Contain(e => e.EventId == 1430 && e.Message.Contains("'websocket' connection upgraded", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_WebSocket_over_HTTP2_from_the_client_becomes_an_HTTP11_upgrade_to_the_backend()
    {
        await using var backend = await WebSocketBackend.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(OneRoute(backend.Address), protocols: HttpProtocols.Http2);
        using var socket = await ConnectHttp2Async(gateway);

        var echo = await EchoAsync(socket, Encoding.UTF8.GetBytes("over h2"), WebSocketMessageType.Text);
        var large = Enumerable.Range(0, 200_000).Select(i => (byte)i).ToArray();
        var binary = await EchoAsync(socket, large);
        await CloseAndExpectCloseAsync(socket);

        Encoding.UTF8.GetString(echo.Data).Should().Be("over h2");
        binary.Data.Should().Equal(large);
        socket.HttpStatusCode.Should().Be(HttpStatusCode.OK);
        var handshake = backend.Handshakes.Single();
        handshake.Method.Should().Be("GET");
        handshake.Protocol.Should().Be("HTTP/1.1");
        handshake.Upgrade.Should().Be("websocket");
        handshake.Key.Should().HaveLength(24, "the gateway makes up the 16-byte nonce an HTTP/1.1 handshake needs");
        handshake.Version.Should().Be("13");
        gateway.Logs.Entries.Should().Contain(e => e.EventId == 1430 && e.Message.Contains("HTTP/2 extended CONNECT to HTTP/1.1 upgrade", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_WebSocket_over_HTTP2_stays_an_extended_CONNECT_when_the_backend_speaks_HTTP2_only()
    {
        await using var backend = await WebSocketBackend.StartAsync(HttpProtocols.Http2);
        await using var gateway = await GatewayHost.StartAsync(OneRoute(backend.Address, "2", "RequestVersionExact"), protocols: HttpProtocols.Http2);
        using var socket = await ConnectHttp2Async(gateway);

        var echo = await EchoAsync(socket, Encoding.UTF8.GetBytes("h2 all the way"), WebSocketMessageType.Text);
        await CloseAndExpectCloseAsync(socket);

        Encoding.UTF8.GetString(echo.Data).Should().Be("h2 all the way");
        var handshake = backend.Handshakes.Single();
        handshake.Method.Should().Be("CONNECT");
        handshake.Protocol.Should().Be("HTTP/2");
        handshake.ConnectProtocol.Should().Be("websocket");
    }

    [Fact]
    public async Task Another_HTTP11_upgrade_is_tunnelled_as_raw_bytes_until_the_client_closes()
    {
        await using var backend = await WebSocketBackend.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(OneRoute(backend.Address));
        var uri = new Uri(gateway.Address);
        using var client = new TcpClient();
        await client.ConnectAsync(uri.Host, uri.Port);
        var stream = client.GetStream();

        await stream.WriteAsync(Encoding.ASCII.GetBytes("GET /raw HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n"));
        string head = await ReadHeadAsync(stream);
        await stream.WriteAsync(Encoding.ASCII.GetBytes("ping-1"));
        string first = await ReadExactlyAsync(stream, 6);
        await stream.WriteAsync(Encoding.ASCII.GetBytes("ping-2"));
        string second = await ReadExactlyAsync(stream, 6);
        client.Client.Shutdown(SocketShutdown.Send);

        head.Should().StartWith("HTTP/1.1 101 Switching Protocols\r\n");
        head.Should().Contain("Upgrade: echo\r\n").And.Contain("Connection: Upgrade\r\n").And.Contain("X-Tunnel: raw\r\n");
        first.Should().Be("ping-1");
        second.Should().Be("ping-2");
        await backend.TunnelEnded.Task.WaitAsync(Wait);
        (await stream.ReadAsync(new byte[16]).AsTask().WaitAsync(Wait)).Should().Be(0, "the gateway closes the client side once the tunnel ends");
        await WaitForLogAsync(gateway, 1432);
        gateway.Logs.Entries.Should().Contain(e => e.EventId == 1432 && e.Message.Contains("after 12 bytes to the backend and 12 bytes to the client", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_backend_that_declines_the_upgrade_has_its_answer_forwarded_as_a_normal_response()
    {
        await using var backend = await WebSocketBackend.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(OneRoute(backend.Address));
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;

        var connect = () => socket.ConnectAsync(WebSocketUri(gateway, "/decline"), CancellationToken.None).WaitAsync(Wait);

        await connect.Should().ThrowAsync<WebSocketException>();
        socket.HttpStatusCode.Should().Be(HttpStatusCode.Forbidden);
        socket.HttpResponseHeaders!["X-Declined"].Should().Equal("yes");
        var raw = await RawHttp.SendAsync(gateway.Address, "GET /decline HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n", TimeSpan.FromSeconds(5));
        raw.Status.Should().Be(403);
        raw.Body.Should().Be("no upgrade for you");
        gateway.Logs.Entries.Should().Contain(e => e.EventId == 1434 && e.Message.Contains("answered 403 to an upgrade request", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_upgrade_to_h2c_is_never_tunnelled_and_goes_on_as_a_normal_request_without_Upgrade()
    {
        await using var backend = await EchoBackend.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(OneRoute(backend.Address));

        var raw = await RawHttp.SendAsync(gateway.Address,
            "GET /smuggle HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n",
            TimeSpan.FromSeconds(5));

        raw.Status.Should().Be(200);
        var echo = System.Text.Json.Nodes.JsonNode.Parse(raw.Body)!;
        echo["path"]!.GetValue<string>().Should().Be("/smuggle");
        var headers = echo["headers"]!.AsObject();
        headers.ContainsKey("upgrade").Should().BeFalse();
        headers.ContainsKey("connection").Should().BeFalse();
        gateway.Logs.Entries.Should().NotContain(e => e.EventId == 1430);
    }

    [Fact]
    public async Task An_idle_tunnel_is_closed_after_the_route_idle_timeout_on_the_fake_clock_and_traffic_keeps_it_open()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var backend = await WebSocketBackend.StartAsync();
        var settings = OneRoute(backend.Address);
        settings["Routes:r:UpgradeIdleTimeout"] = "00:01:00";
        await using var gateway = await GatewayHost.StartAsync(settings, b => b.Services.AddSingleton<TimeProvider>(time));
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(WebSocketUri(gateway), CancellationToken.None).WaitAsync(Wait);
        await WaitForLogAsync(gateway, 1430);

        time.Advance(TimeSpan.FromSeconds(50));
        (await EchoAsync(socket, [1, 2, 3])).Data.Should().Equal(1, 2, 3);
        time.Advance(TimeSpan.FromSeconds(50));
        (await EchoAsync(socket, [4]).WaitAsync(Wait)).Data.Should().Equal([4], "100 s have passed, but never 60 s without a byte");
        backend.TunnelEnded.Task.IsCompleted.Should().BeFalse();
        time.Advance(TimeSpan.FromSeconds(60));

        await backend.TunnelEnded.Task.WaitAsync(Wait);
        var receive = () => socket.ReceiveAsync(new byte[16], CancellationToken.None).WaitAsync(Wait);
        await receive.Should().ThrowAsync<WebSocketException>();
        await WaitForLogAsync(gateway, 1431);
        gateway.Logs.Entries.Should().Contain(e => e.EventId == 1431 && e.Message.Contains("was idle for 00:01:00 and is closed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Once_upgraded_the_idle_timeout_replaces_the_route_timeout()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var backend = await WebSocketBackend.StartAsync();
        var settings = OneRoute(backend.Address);
        settings["Routes:r:Timeout"] = "00:00:05";
        settings["Routes:r:UpgradeIdleTimeout"] = "00:01:00";
        await using var gateway = await GatewayHost.StartAsync(settings, b => b.Services.AddSingleton<TimeProvider>(time));
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(WebSocketUri(gateway), CancellationToken.None).WaitAsync(Wait);
        await WaitForLogAsync(gateway, 1430);

        time.Advance(TimeSpan.FromSeconds(30));

        (await EchoAsync(socket, [9])).Data.Should().Equal([9], "a silent 30 s is over the route's 5 s Timeout but within the 60 s idle timeout");
        backend.TunnelEnded.Task.IsCompleted.Should().BeFalse();
        gateway.Logs.Entries.Should().NotContain(e => e.EventId == 1431 || e.EventId == 1406);
    }

    [Fact]
    public async Task The_forwarder_idle_timeout_applies_when_the_route_sets_none()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var backend = await WebSocketBackend.StartAsync();
        var settings = OneRoute(backend.Address);
        settings["Forwarder:UpgradeIdleTimeout"] = "00:00:20";
        await using var gateway = await GatewayHost.StartAsync(settings, b => b.Services.AddSingleton<TimeProvider>(time));
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(WebSocketUri(gateway), CancellationToken.None).WaitAsync(Wait);
        await WaitForLogAsync(gateway, 1430);

        time.Advance(TimeSpan.FromSeconds(19));
        backend.TunnelEnded.Task.IsCompleted.Should().BeFalse();
        time.Advance(TimeSpan.FromSeconds(1));

        await backend.TunnelEnded.Task.WaitAsync(Wait);
        await WaitForLogAsync(gateway, 1431);
        gateway.Logs.Entries.Should().Contain(e => e.EventId == 1431 && e.Message.Contains("was idle for 00:00:20", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_non_positive_upgrade_idle_timeout_fails_the_start()
    {
        var settings = OneRoute("http://127.0.0.1:1");
        settings["Routes:r:UpgradeIdleTimeout"] = "00:00:00";
        settings["Forwarder:UpgradeIdleTimeout"] = "-00:00:01";

        var act = () => GatewayHost.StartAsync(settings);

        var error = (await act.Should().ThrowAsync<EdgeKitConfigurationException>()).Which;
        error.Errors.Should().BeEquivalentTo(
            "EdgeKit:Forwarder: UpgradeIdleTimeout must be positive, was -00:00:01.",
            "EdgeKit:Routes:r: UpgradeIdleTimeout must be positive, was 00:00:00.");
    }

    internal static async Task WaitForLogAsync(GatewayHost gateway, int eventId)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (!gateway.Logs.Entries.Any(e => e.EventId == eventId))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"No log event {eventId}.");
            }

            await Task.Delay(10);
        }
    }

    internal static async Task<string> ReadHeadAsync(Stream stream)
    {
        var head = new StringBuilder();
        var one = new byte[1];
        using var limit = new CancellationTokenSource(Wait);
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await stream.ReadAsync(one, limit.Token) == 0)
            {
                break;
            }

            head.Append((char)one[0]);
        }

        return head.ToString();
    }

    internal static async Task<string> ReadExactlyAsync(Stream stream, int count)
    {
        var buffer = new byte[count];
        using var limit = new CancellationTokenSource(Wait);
        await stream.ReadExactlyAsync(buffer, limit.Token);
        return Encoding.ASCII.GetString(buffer);
    }
}
