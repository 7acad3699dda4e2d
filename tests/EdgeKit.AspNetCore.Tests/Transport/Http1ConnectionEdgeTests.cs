using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using EdgeKit.AspNetCore.Http;
using EdgeKit.AspNetCore.Tests.Infrastructure;
using EdgeKit.AspNetCore.Transport;
using EdgeKit.Configuration;
using EdgeKit.Destinations;
using EdgeKit.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace EdgeKit.AspNetCore.Tests.Transport;

/// <summary>
/// The connection paths of EdgeKit's HTTP/1.1 transport that the happy paths do not reach: a destination that never
/// completes the TCP handshake (ConnectTimeout), an IPv6 literal destination, and a kept-alive connection the backend
/// closes while it is idle in the pool.
/// </summary>
public class Http1ConnectionEdgeTests
{
    private const string Ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

    [Fact]
    public async Task A_connect_that_never_completes_fails_after_ConnectTimeout_on_the_transports_clock()
    {
        using var silent = await FullBacklogListener.StartAsync();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var handler = new Http1Handler(new ClusterHttpClientOptions { ConnectTimeout = TimeSpan.FromSeconds(5) }, time);
        using var invoker = new HttpMessageInvoker(handler);

        var send = invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, silent.Address + "/x") { Version = HttpVersion.Version11 }, CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(4.9));
        await Task.Yield();
        send.IsCompleted.Should().BeFalse("the handshake has not completed and ConnectTimeout has not passed");
        time.Advance(TimeSpan.FromSeconds(0.1));
        var thrown = await send.Awaiting(s => s.WaitAsync(TimeSpan.FromSeconds(10))).Should().ThrowExactlyAsync<TaskCanceledException>();

        thrown.Which.InnerException.Should().BeOfType<TimeoutException>().Which.Message.Should().Be(
            $"A connection could not be established within the configured ConnectTimeout. Connecting to 127.0.0.1:{silent.Port} took longer than 5 s.");
        RequestErrorTypes.FromException(thrown.Which).Should().Be(RequestErrorTypes.Timeout);
        handler.OpenConnections.Should().Be(0);
    }

    [Fact]
    public async Task A_connect_timeout_throws_what_SocketsHttpHandler_throws()
    {
        using var silent = await FullBacklogListener.StartAsync();
        var options = new ClusterHttpClientOptions { ConnectTimeout = TimeSpan.FromMilliseconds(200) };
        using var sockets = new HttpMessageInvoker(BackendHandlers.CreateHandler(options));
        using var edgeKit = new HttpMessageInvoker(new Http1Handler(options));

        async Task<Exception> Fail(HttpMessageInvoker invoker)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, silent.Address + "/x") { Version = HttpVersion.Version11, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
            var thrown = await invoker.Awaiting(i => i.SendAsync(request, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(15))).Should().ThrowAsync<Exception>();
            return thrown.Which;
        }

        var expected = await Fail(sockets);
        var actual = await Fail(edgeKit);

        expected.Should().BeOfType<TaskCanceledException>();
        expected.InnerException.Should().BeOfType<TimeoutException>().Which.Message.Should().Be("A connection could not be established within the configured ConnectTimeout.");
        actual.Should().BeOfType(expected.GetType());
        actual.Message.Should().Be(expected.Message);
        actual.InnerException.Should().BeOfType<TimeoutException>().Which.Message.Should().StartWith(expected.InnerException!.Message);
        RequestErrorTypes.FromException(actual).Should().Be(RequestErrorTypes.FromException(expected)).And.Be(RequestErrorTypes.Timeout);
    }

    [Theory]
    [InlineData("SocketsHttpHandler")]
    [InlineData("EdgeKit")]
    [InlineData(null)]
    public async Task A_connect_timeout_is_the_same_502_problem_and_error_type_on_both_transports(string? transport)
    {
        using var silent = await FullBacklogListener.StartAsync();
        string cluster = "ct-" + Guid.NewGuid().ToString("N");
        using var spans = new ForwardSpans(cluster);
        var settings = new Dictionary<string, string?>
        {
            [$"Clusters:{cluster}:Destinations:d:Address"] = silent.Address,
            [$"Clusters:{cluster}:HttpClient:RequestVersion"] = "1.1",
            [$"Clusters:{cluster}:HttpClient:ConnectTimeout"] = "00:00:00.2",
            ["Routes:r:Match:Path"] = "/{**rest}",
            ["Routes:r:Cluster"] = cluster,
        }.OnTransport(transport, cluster);
        await using var gateway = await GatewayHost.StartAsync(settings);
        var clock = Stopwatch.StartNew();

        using var response = await gateway.Client.GetAsync("/x");

        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(15), "ConnectTimeout (200 ms) ends the wait, not the route's timeout");
        response.StatusCode.Should().Be(HttpStatusCode.BadGateway);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        problem["type"]!.GetValue<string>().Should().Be(GatewayProblem.BadGateway, "SocketsHttpHandler reports a connect timeout as a timeout below EdgeKit, not as a refused connection");
        problem["title"]!.GetValue<string>().Should().Be("Bad gateway");
        problem["detail"]!.GetValue<string>().Should().Be("The service failed to answer.");
        var span = await spans.First.WaitAsync(TimeSpan.FromSeconds(10));
        span.GetTagItem("error.type").Should().Be(RequestErrorTypes.Timeout);
    }

    [IPv6LoopbackFact]
    public async Task An_IPv6_literal_destination_is_reached_and_its_connection_reused()
    {
        await using var backend = new ScriptedBackend((_, i) => $"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nv6{i}", IPAddress.IPv6Loopback);
        backend.Address.Should().StartWith("http://[::1]:");
        await using var gateway = await GatewayHost.StartAsync(Http1TransportTests.Route(backend.Address));

        for (int i = 0; i < 2; i++)
        {
            using var response = await gateway.Client.GetAsync($"/six/{i}");
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            (await response.Content.ReadAsStringAsync()).Should().Be($"v6{i}");
        }

        backend.Accepts.Should().Be(1);
        backend.Received.Select(r => r.Path).Should().Equal("/six/0", "/six/1");
        backend.Received.Select(r => r.Field("Host")).Should().AllBe(new Uri(backend.Address).Authority).And.AllSatisfy(h => h.Should().StartWith("[::1]:"));
    }

    [IPv6LoopbackFact]
    public async Task An_https_IPv6_literal_destination_gets_its_TLS_handshake_and_the_bracketed_Host()
    {
        using var certificate = Forwarding.ForwarderConformanceTests.CreateCertificate("CN=localhost");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.IPv6Loopback, 0, o => o.UseHttps(certificate)));
        await using var tlsBackend = builder.Build();
        tlsBackend.Run(context => context.Response.WriteAsync($"{context.Request.IsHttps} {context.Request.Host} {context.Connection.LocalIpAddress}"));
        await tlsBackend.StartAsync();
        string address = tlsBackend.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single().TrimEnd('/');
        address.Should().StartWith("https://[::1]:");
        await using var gateway = await GatewayHost.StartAsync(Http1TransportTests.Route(address, ("Clusters:c:HttpClient:DangerousAcceptAnyServerCertificate", "true")));

        using var response = await gateway.Client.GetAsync("/x");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).Should().Be($"True {new Uri(address).Authority} ::1");
    }

    [Fact]
    public async Task A_kept_alive_connection_the_backend_closed_while_idle_is_not_used_and_the_next_request_opens_a_new_one()
    {
        // The first answer keeps the connection alive by its framing (no Connection: close), then the backend hangs up.
        await using var backend = new ScriptedBackend((_, i) => i == 0 ? new ScriptedReply(Ok, Close: true) : Ok);
        await using var gateway = await GatewayHost.StartAsync(Http1TransportTests.Route(backend.Address));

        using (var first = await gateway.Client.GetAsync("/first"))
        {
            first.StatusCode.Should().Be(HttpStatusCode.OK);
            (await first.Content.ReadAsStringAsync()).Should().Be("ok");
        }

        await WaitUntil(() => backend.Ended == 1);
        using var second = await gateway.Client.GetAsync("/second");

        second.StatusCode.Should().Be(HttpStatusCode.OK);
        (await second.Content.ReadAsStringAsync()).Should().Be("ok");
        backend.Accepts.Should().Be(2);
        backend.Received.Select(r => (r.Path, r.Connection)).Should().Equal(("/first", 1), ("/second", 2));
    }

    [Fact]
    public async Task On_the_transport_alone_a_connection_closed_while_idle_is_discarded_and_counted_out()
    {
        await using var backend = new ScriptedBackend((_, i) => i == 0 ? new ScriptedReply(Ok, Close: true) : Ok);
        var handler = new Http1Handler(new ClusterHttpClientOptions());
        using var invoker = new HttpMessageInvoker(handler);

        using (var first = await invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, backend.Address + "/first"), CancellationToken.None))
        {
            (await first.Content.ReadAsStringAsync()).Should().Be("ok");
        }

        await WaitUntil(() => backend.Ended == 1);
        using var second = await invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, backend.Address + "/second"), CancellationToken.None);

        (await second.Content.ReadAsStringAsync()).Should().Be("ok");
        backend.Received.Select(r => (r.Path, r.Connection)).Should().Equal(("/first", 1), ("/second", 2));
        handler.OpenConnections.Should().Be(1, "the dead connection was counted out when it was found closed");
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(5, limit.Token);
        }
    }

    /// <summary>The forward spans of one cluster, as they stop.</summary>
    private sealed class ForwardSpans : IDisposable
    {
        private readonly ActivityListener _listener;
        private readonly TaskCompletionSource<Activity> _first = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ForwardSpans(string cluster)
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name == EdgeKitTelemetry.Name,
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = activity =>
                {
                    if (activity.OperationName == RequestLease.ForwardSpanName && activity.GetTagItem("edgekit.cluster") as string == cluster)
                    {
                        _first.TrySetResult(activity);
                    }
                },
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public Task<Activity> First => _first.Task;

        public void Dispose() => _listener.Dispose();
    }
}

/// <summary>
/// A listening socket on 127.0.0.1 (or ::1) that never accepts, its backlog filled by connections of its own: a further connect
/// gets no answer to its SYN, so the TCP handshake never completes (the kernel drops SYNs while the accept queue is full).
/// </summary>
internal sealed class FullBacklogListener : IDisposable
{
    private readonly Socket _listener;
    private readonly IPAddress _bind;
    private readonly List<Socket> _fillers = [];

    private FullBacklogListener(IPAddress bind)
    {
        _bind = bind;
        _listener = new Socket(bind.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(bind, 0));
        _listener.Listen(1);
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
    }

    public int Port { get; }

    public string Address => _bind.AddressFamily == AddressFamily.InterNetworkV6 ? $"http://[{_bind}]:{Port}" : $"http://{_bind}:{Port}";

    /// <param name="bind">127.0.0.1 unless given.</param>
    public static async Task<FullBacklogListener> StartAsync(IPAddress? bind = null)
    {
        var listener = new FullBacklogListener(bind ?? IPAddress.Loopback);
        var endPoint = new IPEndPoint(listener._bind, listener.Port);
        for (int i = 0; i < 32; i++)
        {
            var socket = new Socket(listener._bind.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            using var wait = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
            try
            {
                await socket.ConnectAsync(endPoint, wait.Token);
                listener._fillers.Add(socket);
            }
            catch (OperationCanceledException)
            {
                // This one got no answer: the backlog is full.
                socket.Dispose();
                return listener;
            }
        }

        listener.Dispose();
        throw new InvalidOperationException("The listen backlog did not fill after 32 connections: this test needs a kernel that drops SYNs to a full accept queue.");
    }

    public void Dispose()
    {
        foreach (var socket in _fillers)
        {
            socket.Dispose();
        }

        _listener.Dispose();
    }
}

/// <summary>A fact that is skipped, with the reason, on a machine without an IPv6 loopback (::1).</summary>
internal sealed class IPv6LoopbackFactAttribute : FactAttribute
{
    private static readonly bool s_available = Probe();

    public IPv6LoopbackFactAttribute()
    {
        if (!s_available)
        {
            Skip = "This machine has no IPv6 loopback address (::1) to bind a backend to.";
        }
    }

    private static bool Probe()
    {
        if (!Socket.OSSupportsIPv6)
        {
            return false;
        }

        try
        {
            using var socket = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
