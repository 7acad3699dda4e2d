using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using EdgeKit.AspNetCore.Tests.Forwarding;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeKit.AspNetCore.Tests.Transport;

/// <summary>
/// Kestrel on EdgeKit's socket transport (<c>UseEdgeKitSockets</c>), end to end on 127.0.0.1: bodies both ways,
/// keep-alive, pipelining, many connections, aborts from either side, end points, TLS with HTTP/1.1 and HTTP/2,
/// WebSockets, graceful shutdown. Each behaviour is checked on both completion modes and, as the reference, on
/// Kestrel's own socket transport: the transports must be indistinguishable to the application.
/// </summary>
public sealed class EpollKestrelTransportTests
{
    private static readonly TimeSpan s_hangGuard = TimeSpan.FromSeconds(60);

    private const int BigSize = 8 * 1024 * 1024;

    public static TheoryData<ServerTransport> AllTransports => new() { ServerTransport.KestrelSockets, ServerTransport.EdgeKitThreadPool, ServerTransport.EdgeKitInline };

    public static TheoryData<ServerTransport> EdgeKitTransports => new() { ServerTransport.EdgeKitThreadPool, ServerTransport.EdgeKitInline };

    private static byte[] Pattern(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static string ExpectedConnectionType(ServerTransport transport) =>
        transport == ServerTransport.KestrelSockets ? "SocketConnection" : "EpollConnection";

    /// <summary>The app most tests use: a few endpoints that report what they saw of the connection.</summary>
    private static void Endpoints(WebApplication app)
    {
        app.MapGet("/info", async (HttpContext c) =>
        {
            // With a Content-Length: raw readers compare the body's end.
            var text = $"{c.Connection.RemoteIpAddress}|{c.Connection.RemotePort}|{c.Connection.LocalIpAddress}|{c.Connection.LocalPort}|{c.Connection.Id}|{EpollKestrelServer.ConnectionType(c)}|{Thread.CurrentThread.Name}|{c.Request.Query["i"]}";
            var bytes = Encoding.UTF8.GetBytes(text);
            c.Response.ContentLength = bytes.Length;
            await c.Response.Body.WriteAsync(bytes);
        });
        app.MapGet("/big", async (HttpContext c) =>
        {
            var bytes = Pattern(BigSize, 7);
            c.Response.ContentLength = bytes.Length;
            for (int offset = 0; offset < bytes.Length; offset += 64 * 1024)
            {
                await c.Response.Body.WriteAsync(bytes.AsMemory(offset, 64 * 1024));
            }
        });
        app.MapPost("/echo", async (HttpContext c) =>
        {
            // Read everything first, then answer it back: 8 MiB each way through both pipes' back-pressure.
            var body = new MemoryStream();
            await c.Request.Body.CopyToAsync(body);
            c.Response.ContentLength = body.Length;
            await c.Response.Body.WriteAsync(body.GetBuffer().AsMemory(0, (int)body.Length));
        });
    }

    private static async Task<string[]> InfoAsync(HttpClient client, string query = "")
    {
        var text = await client.GetStringAsync("/info" + query);
        return text.Split('|');
    }

    [Theory]
    [MemberData(nameof(AllTransports))]
    public async Task A_GET_of_8_MiB_arrives_intact_on_a_connection_of_the_chosen_transport(ServerTransport transport)
    {
        await using var server = await EpollKestrelServer.StartAsync(transport, Endpoints);
        using var client = server.CreateClient(maxConnections: 1);

        var info = await InfoAsync(client);
        var body = await client.GetByteArrayAsync("/big").WaitAsync(s_hangGuard);

        info[5].Should().Be(ExpectedConnectionType(transport));
        body.Length.Should().Be(BigSize);
        SHA256.HashData(body).Should().Equal(SHA256.HashData(Pattern(BigSize, 7)));
    }

    [Theory]
    [MemberData(nameof(AllTransports))]
    public async Task A_POST_of_8_MiB_is_read_whole_and_answered_back_byte_for_byte(ServerTransport transport)
    {
        await using var server = await EpollKestrelServer.StartAsync(transport, Endpoints);
        using var client = server.CreateClient();
        var sent = Pattern(BigSize, 11);

        using var response = await client.PostAsync("/echo", new ByteArrayContent(sent)).WaitAsync(s_hangGuard);
        var received = await response.Content.ReadAsByteArrayAsync().WaitAsync(s_hangGuard);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentLength.Should().Be(BigSize);
        received.Should().Equal(sent);
    }

    [Theory]
    [MemberData(nameof(EdgeKitTransports))]
    public async Task A_small_read_buffer_pauses_the_socket_without_losing_a_byte(ServerTransport transport)
    {
        // 16 KiB: the receive loop stops reading many times while the app copies the body out.
        await using var server = await StartWithOptionsAsync(transport, o => o.MaxReadBufferSize = 16 * 1024);
        using var client = server.CreateClient();
        var sent = Pattern(2 * 1024 * 1024, 12);

        using var response = await client.PostAsync("/echo", new ByteArrayContent(sent)).WaitAsync(s_hangGuard);

        (await response.Content.ReadAsByteArrayAsync().WaitAsync(s_hangGuard)).Should().Equal(sent);
    }

    private static async Task<EpollKestrelServer> StartWithOptionsAsync(ServerTransport transport, Action<EdgeKit.AspNetCore.Transport.EdgeKitSocketOptions> configure)
    {
        // The options' own path (not the helper's): UseEdgeKitSockets a second time replaces them.
        var server = await EpollKestrelServer.StartAsync(transport, Endpoints, services: s => s.AddSingleton(Microsoft.Extensions.Options.Options.Create(Options(transport, configure))));
        return server;
    }

    private static EdgeKit.AspNetCore.Transport.EdgeKitSocketOptions Options(ServerTransport transport, Action<EdgeKit.AspNetCore.Transport.EdgeKitSocketOptions> configure)
    {
        var options = new EdgeKit.AspNetCore.Transport.EdgeKitSocketOptions { UnsafeInlineCompletions = transport == ServerTransport.EdgeKitInline, BackendConnections = false };
        configure(options);
        return options;
    }

    [Theory]
    [MemberData(nameof(AllTransports))]
    public async Task A_hundred_keep_alive_requests_share_one_connection(ServerTransport transport)
    {
        await using var server = await EpollKestrelServer.StartAsync(transport, Endpoints);
        using var client = server.CreateClient(maxConnections: 1);

        var ids = new List<string>();
        for (int i = 0; i < 100; i++)
        {
            var info = await InfoAsync(client, $"?i={i}").WaitAsync(s_hangGuard);
            info[7].Should().Be(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            ids.Add(info[4]);
        }

        ids.Distinct().Should().ContainSingle();
    }

    [Theory]
    [MemberData(nameof(EdgeKitTransports))]
    public async Task Requests_after_the_first_run_on_the_loop_thread_only_with_inline_completions(ServerTransport transport)
    {
        await using var server = await EpollKestrelServer.StartAsync(transport, Endpoints);
        using var client = server.CreateClient(maxConnections: 1);

        await InfoAsync(client);
        var threads = new List<string>();
        for (int i = 0; i < 5; i++)
        {
            threads.Add((await InfoAsync(client))[6]);
        }

        if (transport == ServerTransport.EdgeKitInline)
        {
            threads.Should().AllSatisfy(t => t.Should().StartWith("EdgeKit epoll "));
        }
        else
        {
            threads.Should().AllSatisfy(t => t.Should().NotStartWith("EdgeKit epoll"));
        }
    }

    [Theory]
    [MemberData(nameof(AllTransports))]
    public async Task Pipelined_requests_in_one_write_are_answered_in_order(ServerTransport transport)
    {
        await using var server = await EpollKestrelServer.StartAsync(transport, Endpoints);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, server.Port);

        var requests = new StringBuilder();
        for (int i = 0; i < 20; i++)
        {
            requests.Append(CultureInvariant($"GET /info?i={i} HTTP/1.1\r\nHost: x\r\n{(i == 19 ? "Connection: close\r\n" : "")}\r\n"));
        }

        await socket.SendAsync(Encoding.ASCII.GetBytes(requests.ToString()));
        var text = await ReadToEndAsync(socket);

        var bodies = text.Split("HTTP/1.1 200 OK", StringSplitOptions.RemoveEmptyEntries);
        bodies.Should().HaveCount(20);
        for (int i = 0; i < 20; i++)
        {
            bodies[i].Should().EndWith(CultureInvariant($"|{i}"));
        }
    }

    private static string CultureInvariant(FormattableString text) => FormattableString.Invariant(text);

    private static async Task<string> ReadToEndAsync(Socket socket)
    {
        using var guard = new CancellationTokenSource(s_hangGuard);
        var received = new MemoryStream();
        var buffer = new byte[16 * 1024];
        while (true)
        {
            int read = await socket.ReceiveAsync(buffer, SocketFlags.None, guard.Token);
            if (read == 0)
            {
                return Encoding.Latin1.GetString(received.ToArray());
            }

            received.Write(buffer, 0, read);
        }
    }

    [Theory]
    [MemberData(nameof(EdgeKitTransports))]
    public async Task Two_hundred_concurrent_connections_are_each_served_and_all_sockets_closed_after_stop(ServerTransport transport)
    {
        var server = await EpollKestrelServer.StartAsync(transport, Endpoints);
        var factory = server.Factory!;
        var sockets = new List<Socket>();
        try
        {
            for (int i = 0; i < 200; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                sockets.Add(socket);
                await socket.ConnectAsync(IPAddress.Loopback, server.Port);
            }

            // All 200 open at once, then one request each.
            var answers = await Task.WhenAll(sockets.Select(async (s, i) =>
            {
                await s.SendAsync(Encoding.ASCII.GetBytes(CultureInvariant($"GET /info?i={i} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")));
                return await ReadToEndAsync(s);
            })).WaitAsync(s_hangGuard);

            answers.Should().AllSatisfy(a => a.Should().StartWith("HTTP/1.1 200 OK"));
            answers.Select((a, i) => a.EndsWith(CultureInvariant($"|{i}"), StringComparison.Ordinal)).Should().AllBeEquivalentTo(true);
            answers.Select(a => a.Split('|')[4]).Distinct().Should().HaveCount(200);
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }

            await server.StopAsync().WaitAsync(s_hangGuard);
            await server.DisposeAsync();
        }

        factory.OpenSockets.Should().Be(0);
    }

    [Theory]
    [MemberData(nameof(AllTransports))]
    public async Task A_client_closing_mid_response_aborts_the_request(ServerTransport transport)
    {
        var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await EpollKestrelServer.StartAsync(transport, app => app.MapGet("/forever", async (HttpContext c) =>
        {
            var chunk = new byte[16 * 1024];
            c.RequestAborted.Register(() => aborted.TrySetResult());
            try
            {
                while (!c.RequestAborted.IsCancellationRequested)
                {
                    await c.Response.Body.WriteAsync(chunk, c.RequestAborted);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or ConnectionAbortedException)
            {
            }
        }));
        using (var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await socket.ConnectAsync(IPAddress.Loopback, server.Port);
            await socket.SendAsync("GET /forever HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());
            var buffer = new byte[4096];
            (await socket.ReceiveAsync(buffer)).Should().BePositive();
        }

        await aborted.Task.WaitAsync(s_hangGuard);
    }

    [Theory]
    [MemberData(nameof(AllTransports))]
    public async Task HttpContext_Abort_resets_the_connection(ServerTransport transport)
    {
        var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await EpollKestrelServer.StartAsync(transport, app => app.MapGet("/abort", async (HttpContext c) =>
        {
            c.Response.ContentLength = 100_000;
            await c.Response.Body.WriteAsync(new byte[1000]);
            await c.Response.Body.FlushAsync();
            c.Abort();
            aborted.TrySetResult();
        }));
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, server.Port);
        await socket.SendAsync("GET /abort HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());
        await aborted.Task.WaitAsync(s_hangGuard);

        // An abort is not an end: an RST, never a FIN that a close-delimited reader could take for a complete answer
        // (the client's kernel may drop what it had received when the RST arrives).
        var received = new MemoryStream();
        using var guard = new CancellationTokenSource(s_hangGuard);
        var read = async () =>
        {
            var buffer = new byte[16 * 1024];
            int count;
            while ((count = await socket.ReceiveAsync(buffer, SocketFlags.None, guard.Token)) > 0)
            {
                received.Write(buffer, 0, count);
            }
        };

        (await read.Should().ThrowAsync<SocketException>()).Which.SocketErrorCode.Should().Be(SocketError.ConnectionReset);
        received.Length.Should().BeLessThan(100_000);
    }

    [Theory]
    [MemberData(nameof(AllTransports))]
    public async Task The_app_sees_the_clients_address_and_port_and_its_own_port(ServerTransport transport)
    {
        await using var server = await EpollKestrelServer.StartAsync(transport, Endpoints);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, server.Port);
        await socket.SendAsync("GET /info HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"u8.ToArray());

        var info = (await ReadToEndAsync(socket)).Split("\r\n\r\n")[1].Split('|');

        info[0].Should().Be("127.0.0.1");
        info[1].Should().Be(((IPEndPoint)socket.LocalEndPoint!).Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        info[2].Should().Be("127.0.0.1");
        info[3].Should().Be(server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        info[5].Should().Be(ExpectedConnectionType(transport));
    }

    [Theory]
    [MemberData(nameof(AllTransports))]
    public async Task A_client_reset_during_the_request_body_fails_the_apps_read_with_a_connection_reset(ServerTransport transport)
    {
        var failure = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
        var reading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await EpollKestrelServer.StartAsync(transport, app => app.MapPost("/upload", async (HttpContext c) =>
        {
            try
            {
                var buffer = new byte[4096];
                reading.TrySetResult();
                while (await c.Request.Body.ReadAsync(buffer) > 0)
                {
                }

                failure.TrySetResult(new InvalidOperationException("the body ended without an error"));
            }
            catch (Exception e)
            {
                failure.TrySetResult(e);
            }
        }));
        using (var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await socket.ConnectAsync(IPAddress.Loopback, server.Port);
            await socket.SendAsync("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\nabc"u8.ToArray());
            await reading.Task.WaitAsync(s_hangGuard);
            // An RST instead of a FIN.
            socket.LingerState = new LingerOption(true, 0);
        }

        var error = await failure.Task.WaitAsync(s_hangGuard);
        var chain = new List<Exception>();
        for (var e = error; e is not null; e = e.InnerException)
        {
            chain.Add(e);
        }

        chain.Should().Contain(e => e is ConnectionResetException, $"got {error}");
    }

    [Theory]
    [InlineData(ServerTransport.KestrelSockets, "1.1")]
    [InlineData(ServerTransport.EdgeKitThreadPool, "1.1")]
    [InlineData(ServerTransport.EdgeKitThreadPool, "2.0")]
    [InlineData(ServerTransport.EdgeKitInline, "1.1")]
    [InlineData(ServerTransport.EdgeKitInline, "2.0")]
    public async Task TLS_terminates_above_the_transport_with_HTTP_1_1_and_HTTP_2_by_ALPN(ServerTransport transport, string version)
    {
        using var certificate = ForwarderConformanceTests.CreateCertificate("CN=epoll-kestrel");
        await using var server = await EpollKestrelServer.StartAsync(transport, Endpoints, listen: k => k.Listen(IPAddress.Loopback, 0, o =>
        {
            o.Protocols = HttpProtocols.Http1AndHttp2;
            o.UseHttps(certificate);
        }));
        string? seenThumbprint = null;
        using var client = new HttpClient(new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, c, _, _) =>
                {
                    seenThumbprint = c?.GetCertHashString();
                    return true;
                },
            },
        })
        {
            BaseAddress = new Uri(server.Address),
            DefaultRequestVersion = Version.Parse(version),
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

        using var info = await client.GetAsync("/info").WaitAsync(s_hangGuard);
        var big = await client.GetByteArrayAsync("/big").WaitAsync(s_hangGuard);
        var sent = Pattern(BigSize, 13);
        using var echo = await client.PostAsync("/echo", new ByteArrayContent(sent)).WaitAsync(s_hangGuard);

        server.Address.Should().StartWith("https://");
        seenThumbprint.Should().Be(certificate.GetCertHashString());
        info.Version.Should().Be(Version.Parse(version));
        (await info.Content.ReadAsStringAsync()).Split('|')[5].Should().Be(ExpectedConnectionType(transport));
        SHA256.HashData(big).Should().Equal(SHA256.HashData(Pattern(BigSize, 7)));
        (await echo.Content.ReadAsByteArrayAsync()).Should().Equal(sent);
    }

    [Theory]
    [MemberData(nameof(AllTransports))]
    public async Task A_WebSocket_echoes_over_the_upgraded_connection(ServerTransport transport)
    {
        await using var server = await EpollKestrelServer.StartAsync(transport, app =>
        {
            app.UseWebSockets();
            app.Map("/ws", async (HttpContext c) =>
            {
                using var ws = await c.WebSockets.AcceptWebSocketAsync();
                var buffer = new byte[64 * 1024];
                while (true)
                {
                    var result = await ws.ReceiveAsync(buffer, CancellationToken.None);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
                        return;
                    }

                    await ws.SendAsync(buffer.AsMemory(0, result.Count), result.MessageType, result.EndOfMessage, CancellationToken.None);
                }
            });
        });
        using var socket = new ClientWebSocket();
        using var guard = new CancellationTokenSource(s_hangGuard);
        await socket.ConnectAsync(new Uri(server.Address.Replace("http://", "ws://", StringComparison.Ordinal) + "/ws"), guard.Token);

        var replies = new List<string>();
        var buffer = new byte[64 * 1024];
        foreach (var message in new[] { "one", "two", new string('x', 40_000) })
        {
            await socket.SendAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Text, true, guard.Token);
            var reply = new MemoryStream();
            WebSocketReceiveResult result;
            do
            {
                result = await socket.ReceiveAsync(buffer, guard.Token);
                reply.Write(buffer, 0, result.Count);
            }
            while (!result.EndOfMessage);

            replies.Add(Encoding.UTF8.GetString(reply.ToArray()));
        }

        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", guard.Token);

        replies.Should().Equal("one", "two", new string('x', 40_000));
        socket.CloseStatus.Should().Be(WebSocketCloseStatus.NormalClosure);
        socket.CloseStatusDescription.Should().Be("bye");
    }

    [Theory]
    [MemberData(nameof(AllTransports))]
    public async Task A_graceful_stop_lets_the_request_in_flight_finish(ServerTransport transport)
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var server = await EpollKestrelServer.StartAsync(transport, app => app.MapGet("/wait", async (HttpContext c) =>
        {
            entered.TrySetResult();
            await release.Task;
            await c.Response.WriteAsync("done");
        }));
        var factory = server.Factory;
        try
        {
            using var client = server.CreateClient();
            var request = client.GetAsync("/wait");
            await entered.Task.WaitAsync(s_hangGuard);

            var stopping = server.StopAsync();
            stopping.IsCompleted.Should().BeFalse("a request is in flight");
            release.SetResult();

            using var response = await request.WaitAsync(s_hangGuard);
            await stopping.WaitAsync(s_hangGuard);

            response.StatusCode.Should().Be(HttpStatusCode.OK);
            (await response.Content.ReadAsStringAsync()).Should().Be("done");
        }
        finally
        {
            await server.DisposeAsync();
        }

        factory?.OpenSockets.Should().Be(0);
    }

    [Fact]
    public async Task Unix_sockets_stay_on_Kestrels_transport_while_TCP_endpoints_take_EdgeKits()
    {
        var path = Path.Combine(Path.GetTempPath(), $"edgekit-epoll-{Guid.NewGuid():N}.sock");
        try
        {
            await using var server = await EpollKestrelServer.StartAsync(ServerTransport.EdgeKitInline, Endpoints, listen: k =>
            {
                k.Listen(IPAddress.Loopback, 0);
                k.ListenUnixSocket(path);
            });
            using var tcp = server.CreateClient();
            using var unix = new HttpClient(new SocketsHttpHandler
            {
                ConnectCallback = async (_, token) =>
                {
                    var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), token);
                    return new NetworkStream(socket, ownsSocket: true);
                },
            })
            { BaseAddress = new Uri("http://unix") };

            var overTcp = await InfoAsync(tcp);
            var overUnix = await InfoAsync(unix);

            overTcp[5].Should().Be("EpollConnection");
            overUnix[5].Should().Be("SocketConnection");
            var factory = server.Factory!;
            factory.CanBind(new IPEndPoint(IPAddress.IPv6Any, 80)).Should().BeTrue();
            factory.CanBind(new UnixDomainSocketEndPoint(path)).Should().BeFalse();
            factory.CanBind(new FileHandleEndPoint(3, FileHandleType.Auto)).Should().BeFalse();
            factory.CanBind(new DnsEndPoint("localhost", 80)).Should().BeFalse();
            var bind = () => factory.BindAsync(new UnixDomainSocketEndPoint(path)).AsTask();
            (await bind.Should().ThrowAsync<NotSupportedException>()).WithMessage(
                $"EdgeKit's socket transport binds TCP endpoints (IPEndPoint) only, not UnixDomainSocketEndPoint '{path}'; Kestrel's own transport binds the others.");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task ListenAnyIP_on_the_IPv6_wildcard_takes_IPv4_clients_too()
    {
        await using var server = await EpollKestrelServer.StartAsync(ServerTransport.EdgeKitThreadPool, Endpoints, listen: k => k.ListenAnyIP(0));
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.Port}") };

        var info = await InfoAsync(client);

        info[5].Should().Be("EpollConnection");
        info[0].Should().Be("::ffff:127.0.0.1");
    }

    [Fact]
    public async Task A_port_in_use_fails_the_start_with_Kestrels_address_in_use_error()
    {
        await using var first = await EpollKestrelServer.StartAsync(ServerTransport.EdgeKitThreadPool, Endpoints);

        var second = () => EpollKestrelServer.StartAsync(ServerTransport.EdgeKitThreadPool, Endpoints, listen: k => k.Listen(IPAddress.Loopback, first.Port));

        (await second.Should().ThrowAsync<IOException>()).WithMessage($"Failed to bind to address http://127.0.0.1:{first.Port}: address already in use.")
            .WithInnerException<AddressInUseException>();
    }
}
