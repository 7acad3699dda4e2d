using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using EdgeKit.AspNetCore.Forwarding;
using EdgeKit.AspNetCore.Http;
using EdgeKit.AspNetCore.Tests.Forwarding;
using EdgeKit.AspNetCore.Tests.Infrastructure;
using EdgeKit.AspNetCore.Transport;
using EdgeKit.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeKit.AspNetCore.Tests.Transport;

/// <summary>
/// Issue 20: HTTP/1.1 upgrades (WebSocket, <c>101 Switching Protocols</c>) on EdgeKit's own transport: through the
/// destination's pool and its <c>MaxConnectionsPerServer</c>, the 101 turning the connection into the tunnel (never back
/// to the pool, its place held until the tunnel closes), against real Kestrel WebSocket backends and raw TCP backends
/// that write exact bytes.
/// </summary>
public class Http1UpgradeTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private const string Ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

    private const string RawUpgrade = "GET /up HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n";

    private static Http1Handler Transport(GatewayHost gateway)
    {
        gateway.Services.GetRequiredService<ForwarderClusters>().TryGet("c", out var cluster).Should().BeTrue();
        return cluster!.Direct ?? throw new InvalidOperationException("The cluster is not on EdgeKit's transport.");
    }

    private static Uri WebSocketUri(GatewayHost gateway, string path = "/ws") => new(gateway.Address.Replace("http://", "ws://", StringComparison.Ordinal) + path);

    /// <summary>Waits (a hang guard, not a timing assumption) until <paramref name="condition"/> holds.</summary>
    private static async Task UntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Still not true after {Wait.TotalSeconds} s: {what}.");
            }

            await Task.Delay(10);
        }
    }

    private static async Task<byte[]> EchoAsync(ClientWebSocket socket, byte[] message, WebSocketMessageType type)
    {
        await socket.SendAsync(message, type, endOfMessage: true, CancellationToken.None).WaitAsync(Wait);
        var received = new MemoryStream();
        var buffer = new byte[16384];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(Wait);
            result.MessageType.Should().Be(type);
            received.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return received.ToArray();
            }
        }
    }

    private static HttpRequestMessage UpgradeRequest(string address, string path = "/up") => new(HttpMethod.Get, address + path)
    {
        Version = HttpVersion.Version11,
        Headers = { { "Connection", "Upgrade" }, { "Upgrade", "echo" } },
    };

    [Fact]
    public async Task A_WebSocket_through_the_gateway_runs_on_EdgeKits_pool_echoes_frames_larger_than_every_buffer_and_closes_cleanly()
    {
        await using var backend = await WebSocketBackend.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(Http1TransportTests.Route(backend.Address));
        var transport = Transport(gateway);
        using var socket = new ClientWebSocket();

        await socket.ConnectAsync(WebSocketUri(gateway), CancellationToken.None).WaitAsync(Wait);
        int openWhileTunnelling = transport.OpenConnections;
        var text = await EchoAsync(socket, Encoding.UTF8.GetBytes("hello é"), WebSocketMessageType.Text);
        // Larger than the connection's 8 KB pipe buffer, the tunnel's 64 KB copy buffer and a WebSocket receive buffer.
        var large = Enumerable.Range(0, 300_000).Select(i => (byte)(i * 31)).ToArray();
        var binary = await EchoAsync(socket, large, WebSocketMessageType.Binary);
        var second = await EchoAsync(socket, [0, 255, 1], WebSocketMessageType.Binary);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None).WaitAsync(Wait);
        await backend.TunnelEnded.Task.WaitAsync(Wait);
        await UntilAsync(() => transport.OpenConnections == 0, "the tunnel's connection is closed and counted out");

        openWhileTunnelling.Should().Be(1, "the tunnel runs on a connection of EdgeKit's pool, not SocketsHttpHandler's");
        Encoding.UTF8.GetString(text).Should().Be("hello é");
        binary.Should().Equal(large);
        second.Should().Equal(0, 255, 1);
        socket.State.Should().Be(WebSocketState.Closed);
        socket.CloseStatus.Should().Be(WebSocketCloseStatus.NormalClosure);
        socket.CloseStatusDescription.Should().Be("bye");
        var handshake = backend.Handshakes.Single();
        handshake.Protocol.Should().Be("HTTP/1.1");
        handshake.Connection.Should().Be("Upgrade");
        handshake.Upgrade.Should().Be("websocket");
        transport.WaitingRequests.Should().Be(0);
    }

    [Fact]
    public async Task A_WebSocket_to_an_https_backend_tunnels_through_EdgeKits_TLS_connection()
    {
        using var certificate = ForwarderConformanceTests.CreateCertificate("CN=localhost");
        await using var backend = await WebSocketBackend.StartAsync(certificate: certificate);
        await using var gateway = await GatewayHost.StartAsync(Http1TransportTests.Route(backend.Address, ("Clusters:c:HttpClient:DangerousAcceptAnyServerCertificate", "true")));
        var transport = Transport(gateway);
        using var socket = new ClientWebSocket();

        await socket.ConnectAsync(WebSocketUri(gateway), CancellationToken.None).WaitAsync(Wait);
        int openWhileTunnelling = transport.OpenConnections;
        var large = Enumerable.Range(0, 200_000).Select(i => (byte)(i * 13)).ToArray();
        var binary = await EchoAsync(socket, large, WebSocketMessageType.Binary);
        var text = await EchoAsync(socket, "over TLS"u8.ToArray(), WebSocketMessageType.Text);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None).WaitAsync(Wait);
        await backend.TunnelEnded.Task.WaitAsync(Wait);
        await UntilAsync(() => transport.OpenConnections == 0, "the tunnel's TLS connection is closed and counted out");

        backend.Address.Should().StartWith("https://");
        openWhileTunnelling.Should().Be(1);
        binary.Should().Equal(large);
        Encoding.UTF8.GetString(text).Should().Be("over TLS");
        socket.CloseStatus.Should().Be(WebSocketCloseStatus.NormalClosure);
    }

    [Fact]
    public async Task Bytes_the_backend_sent_with_the_101_head_reach_the_client_first_and_the_tunnel_carries_the_rest()
    {
        // The 101's head and the new protocol's first bytes in one write: they arrive in one read, after which the
        // head's parser must leave those bytes to the tunnel.
        await using var backend = new ScriptedBackend((_, _) =>
            new ScriptedReply("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\nX-Tunnel: raw\r\n\r\nhello-first", HoldOpen: true));
        await using var gateway = await GatewayHost.StartAsync(Http1TransportTests.Route(backend.Address));
        var transport = Transport(gateway);
        var uri = new Uri(gateway.Address);
        using var client = new TcpClient();
        await client.ConnectAsync(uri.Host, uri.Port);
        var stream = client.GetStream();

        await stream.WriteAsync(Encoding.ASCII.GetBytes(RawUpgrade));
        string head = await UpgradeForwarderTests.ReadHeadAsync(stream);
        string first = await UpgradeForwarderTests.ReadExactlyAsync(stream, "hello-first".Length);
        int open = transport.OpenConnections;
        client.Client.Shutdown(SocketShutdown.Send);
        await backend.PeerClosedWhileWaiting.WaitAsync(Wait);
        await UntilAsync(() => transport.OpenConnections == 0, "the tunnel's connection is counted out");

        head.Should().StartWith("HTTP/1.1 101 Switching Protocols\r\n");
        head.Should().Contain("Upgrade: echo\r\n").And.Contain("Connection: Upgrade\r\n").And.Contain("X-Tunnel: raw\r\n");
        first.Should().Be("hello-first");
        open.Should().Be(1);
        var request = backend.Received.Single();
        request.Head.Should().StartWith("GET /up HTTP/1.1\r\n");
        request.Field("Connection").Should().Be("Upgrade");
        request.Field("Upgrade").Should().Be("echo");
    }

    [Fact]
    public async Task An_open_tunnel_holds_its_MaxConnectionsPerServer_place_until_it_closes_and_the_waiting_request_then_succeeds()
    {
        await using var backend = await WebSocketBackend.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(Http1TransportTests.Route(backend.Address, ("Clusters:c:HttpClient:MaxConnectionsPerServer", "1")));
        var transport = Transport(gateway);
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(WebSocketUri(gateway), CancellationToken.None).WaitAsync(Wait);
        (await EchoAsync(socket, [7], WebSocketMessageType.Binary)).Should().Equal(7);

        var waiting = gateway.Client.GetAsync("/decline");
        await UntilAsync(() => transport.WaitingRequests == 1, "the plain request waits for the tunnel's place");
        waiting.IsCompleted.Should().BeFalse();
        (await EchoAsync(socket, [8], WebSocketMessageType.Binary)).Should().Equal([8], "the tunnel still runs while the request waits");
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None).WaitAsync(Wait);
        using var response = await waiting.WaitAsync(Wait);

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await response.Content.ReadAsStringAsync()).Should().Be("no upgrade for you");
        transport.WaitingRequests.Should().Be(0);
        transport.OpenConnections.Should().Be(1, "the tunnel's connection is gone; the plain request's is kept alive");
        backend.Handshakes.Select(h => h.Upgrade).Should().Equal("websocket", "");
    }

    public static TheoryData<string, int, string> Declines() => new()
    {
        { "HTTP/1.1 400 Bad Request\r\nContent-Length: 8\r\nX-Why: no\r\n\r\nno thank", 400, "no thank" },
        { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Why: plain\r\n\r\n5\r\nplain\r\n0\r\n\r\n", 200, "plain" },
    };

    [Theory]
    [MemberData(nameof(Declines))]
    public async Task A_non_101_answer_to_an_upgrade_request_is_an_ordinary_response_and_its_connection_is_reused(string reply, int status, string body)
    {
        await using var backend = new ScriptedBackend((request, _) => request.Path == "/up" ? reply : Ok);
        await using var gateway = await GatewayHost.StartAsync(Http1TransportTests.Route(backend.Address));

        var declined = await RawHttp.SendAsync(gateway.Address, RawUpgrade, Wait);
        using var next = await gateway.Client.GetAsync("/next");

        declined.Status.Should().Be(status);
        declined.Body.Should().Be(body);
        declined.Header("X-Why").Should().NotBeNull();
        next.StatusCode.Should().Be(HttpStatusCode.OK);
        (await next.Content.ReadAsStringAsync()).Should().Be("ok");
        backend.Accepts.Should().Be(1, "the declined upgrade's response was framed: its connection serves the next request");
        backend.Received.First().Field("Upgrade").Should().Be("echo");
        gateway.Logs.Entries.Should().Contain(e => e.EventId == 1434 && e.Message.Contains($"answered {status} to an upgrade request", StringComparison.Ordinal));
    }

    public static TheoryData<string, string, string> Bad101s() => new()
    {
        { "a plain request", "GET /plain HTTP/1.1\r\nHost: x\r\n\r\n",
            "The backend switched protocols (101) for a request that asked for no upgrade." },
        { "a 101 with Content-Length", RawUpgrade,
            "The backend's 101 (Switching Protocols) carries Content-Length or Transfer-Encoding, which a 1xx response may not." },
        { "a 101 without Upgrade", RawUpgrade,
            "The backend's 101 (Switching Protocols) has no Upgrade field naming the protocol it switched to." },
    };

    [Theory]
    [MemberData(nameof(Bad101s))]
    public async Task A_101_the_request_did_not_ask_for_or_that_breaks_the_rules_is_a_502_and_its_connection_is_closed(string rule, string request, string error)
    {
        string bad = rule switch
        {
            "a 101 with Content-Length" => "HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\nContent-Length: 4\r\n\r\ndata",
            "a 101 without Upgrade" => "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n\r\n",
            _ => "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
        };
        await using var backend = new ScriptedBackend((r, _) => r.Path == "/next" ? Ok : bad);
        await using var gateway = await GatewayHost.StartAsync(Http1TransportTests.Route(backend.Address));
        var transport = Transport(gateway);

        var answer = await RawHttp.SendAsync(gateway.Address, request, Wait);
        using var next = await gateway.Client.GetAsync("/next");

        answer.Status.Should().Be(502, rule);
        answer.Header("Content-Type").Should().Be("application/problem+json");
        var problem = JsonNode.Parse(answer.Body)!.AsObject();
        problem["type"]!.GetValue<string>().Should().Be(GatewayProblem.BadGateway);
        problem["title"]!.GetValue<string>().Should().Be("Bad gateway");
        problem["status"]!.GetValue<int>().Should().Be(502);
        problem["detail"]!.GetValue<string>().Should().Be("The service failed to answer.");
        gateway.Logs.Exceptions.Should().Contain(e => e.EventId == 1405 && e.Exception.GetBaseException().Message == error + " (InvalidResponse)");
        next.StatusCode.Should().Be(HttpStatusCode.OK);
        backend.Accepts.Should().Be(2, "the connection that carried the bad 101 is closed");
        transport.OpenConnections.Should().Be(1);
        transport.WaitingRequests.Should().Be(0);
    }

    [Fact]
    public async Task After_the_101_the_requests_token_no_longer_ends_the_tunnel_and_disposing_its_stream_gives_the_place_back()
    {
        await using var backend = new ScriptedBackend((request, _) => request.Path == "/next"
            ? Ok
            : new ScriptedReply("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\nfirst", HoldOpen: true));
        var handler = new Http1Handler(new ClusterHttpClientOptions { Transport = ClusterTransport.EdgeKit, MaxConnectionsPerServer = 1 });
        using var invoker = new HttpMessageInvoker(handler);
        using var cancel = new CancellationTokenSource();
        using var request = UpgradeRequest(backend.Address);

        using var response = await invoker.SendAsync(request, cancel.Token).WaitAsync(Wait);
        var tunnel = await response.Content.ReadAsStreamAsync();
        cancel.Cancel();
        string first = await UpgradeForwarderTests.ReadExactlyAsync(tunnel, 5);
        await tunnel.WriteAsync("ping"u8.ToArray());
        await tunnel.FlushAsync();
        int open = handler.OpenConnections;
        tunnel.Dispose();
        await backend.PeerClosedWhileWaiting.WaitAsync(Wait);

        response.StatusCode.Should().Be(HttpStatusCode.SwitchingProtocols);
        response.Headers.GetValues("Upgrade").Should().Equal("echo");
        tunnel.CanWrite.Should().BeFalse("a disposed tunnel");
        first.Should().Be("first", "the cancelled request token does not touch the tunnel");
        open.Should().Be(1);
        handler.OpenConnections.Should().Be(0);
        var read = () => tunnel.ReadAsync(new byte[1]).AsTask();
        await read.Should().ThrowAsync<ObjectDisposedException>();
        using var next = await invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, backend.Address + "/next") { Version = HttpVersion.Version11 }, CancellationToken.None).WaitAsync(Wait);
        next.StatusCode.Should().Be(HttpStatusCode.OK, "the one MaxConnectionsPerServer place is free again");
        (await next.Content.ReadAsStringAsync()).Should().Be("ok");
        backend.Accepts.Should().Be(2, "an upgraded connection never serves another request");
    }

    [Fact]
    public async Task The_backend_closing_the_tunnel_ends_it_and_gives_the_place_back()
    {
        await using var backend = new ScriptedBackend((_, _) =>
            new ScriptedReply("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\nbye", Close: true));
        var handler = new Http1Handler(new ClusterHttpClientOptions { Transport = ClusterTransport.EdgeKit, MaxConnectionsPerServer = 1 });
        using var invoker = new HttpMessageInvoker(handler);
        using var request = UpgradeRequest(backend.Address);

        using var response = await invoker.SendAsync(request, CancellationToken.None).WaitAsync(Wait);
        var tunnel = await response.Content.ReadAsStreamAsync();
        string last = await UpgradeForwarderTests.ReadExactlyAsync(tunnel, 3);
        int end = await tunnel.ReadAsync(new byte[16]).AsTask().WaitAsync(Wait);

        last.Should().Be("bye");
        end.Should().Be(0);
        handler.OpenConnections.Should().Be(0, "the backend's close ended the tunnel before its stream was disposed");
        var write = () => tunnel.WriteAsync(new byte[] { 1 }).AsTask();
        (await write.Should().ThrowAsync<IOException>()).WithMessage("The backend's upgraded connection is closed.");
    }

    [Fact]
    public async Task Cancelling_an_upgrade_request_before_its_101_closes_its_connection()
    {
        await using var backend = new ScriptedBackend((_, _) => null);
        var handler = new Http1Handler(new ClusterHttpClientOptions { Transport = ClusterTransport.EdgeKit });
        using var invoker = new HttpMessageInvoker(handler);
        using var cancel = new CancellationTokenSource();
        using var request = UpgradeRequest(backend.Address);

        var send = invoker.SendAsync(request, cancel.Token);
        await UntilAsync(() => !backend.Received.IsEmpty, "the backend has the upgrade request");
        int open = handler.OpenConnections;
        cancel.Cancel();

        var act = () => send.WaitAsync(Wait);
        await act.Should().ThrowAsync<TaskCanceledException>();
        await backend.PeerClosedWhileWaiting.WaitAsync(Wait);
        open.Should().Be(1, "the upgrade went through EdgeKit's pool");
        handler.OpenConnections.Should().Be(0);
    }
}
