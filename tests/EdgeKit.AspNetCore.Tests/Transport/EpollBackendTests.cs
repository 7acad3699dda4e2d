using System.Net;
using System.Net.Sockets;
using EdgeKit.AspNetCore.Tests.Forwarding;
using EdgeKit.AspNetCore.Transport;
using EdgeKit.AspNetCore.Transport.Epoll;
using EdgeKit.Configuration;

namespace EdgeKit.AspNetCore.Tests.Transport;

/// <summary>
/// The tests that turn on the process-wide <see cref="EdgeKitSockets.BackendEnabled"/> run in this collection, alone (no
/// other test runs meanwhile), so that the switch never reaches a test that did not ask for it.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EpollBackendCollection
{
    public const string Name = "EdgeKit sockets for backends (process-wide switch)";

    /// <summary>Turns the switch on until the returned scope is disposed.</summary>
    public static IDisposable SwitchOn() => new Scope();

    private sealed class Scope : IDisposable
    {
        public Scope() => EdgeKitSockets.BackendEnabled = true;

        public void Dispose() => EdgeKitSockets.BackendEnabled = false;
    }
}

/// <summary>
/// Issue 20: cleartext backend connections of EdgeKit's transport on EdgeKit's epoll engine: made (DNS names included),
/// refused and timed out as on .NET's sockets, reused, and watched while idle.
/// </summary>
[Collection(EpollBackendCollection.Name)]
public sealed class EpollBackendTests
{
    private const string Ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

    private static async Task<string> GetAsync(HttpMessageInvoker invoker, string address)
    {
        using var response = await invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, address) { Version = HttpVersion.Version11 }, CancellationToken.None)
            .WaitAsync(TimeSpan.FromSeconds(30));
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        return await response.Content.ReadAsStringAsync();
    }

    [EpollFact]
    public void The_switch_is_off_by_default_and_a_handler_follows_it_unless_told_otherwise()
    {
        EdgeKitSockets.BackendEnabled.Should().BeFalse("nothing changes for a host that does not opt in");
        using (var off = new Http1Handler(new ClusterHttpClientOptions()))
        {
            off.UsesEpoll.Should().BeFalse();
        }

        using (EpollBackendCollection.SwitchOn())
        {
            using var on = new Http1Handler(new ClusterHttpClientOptions());
            on.UsesEpoll.Should().BeTrue();
            using var told = new Http1Handler(new ClusterHttpClientOptions(), epoll: false);
            told.UsesEpoll.Should().BeFalse();
        }

        using var chosen = new Http1Handler(new ClusterHttpClientOptions(), epoll: true);
        chosen.UsesEpoll.Should().BeTrue();
    }

    [EpollFact]
    public async Task A_cleartext_connection_is_registered_with_the_shared_engine_reused_and_deregistered_when_the_handler_goes()
    {
        await using var backend = new ScriptedBackend((_, i) => $"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nr{i}");
        int before = EpollEngine.Shared.RegisteredSockets;
        var handler = new Http1Handler(new ClusterHttpClientOptions(), epoll: true);
        using (var invoker = new HttpMessageInvoker(handler))
        {
            for (int i = 0; i < 3; i++)
            {
                (await GetAsync(invoker, backend.Address + $"/{i}")).Should().Be($"r{i}");
            }

            backend.Accepts.Should().Be(1);
            handler.OpenConnections.Should().Be(1);
            EpollEngine.Shared.RegisteredSockets.Should().Be(before + 1, "the pooled connection's socket is on the engine");
        }

        EpollEngine.Shared.RegisteredSockets.Should().Be(before, "closing the connection deregistered its socket");
    }

    [EpollFact]
    public async Task A_host_name_is_resolved_and_its_addresses_tried_in_order_until_one_accepts()
    {
        // localhost resolves to ::1 and 127.0.0.1 (in some order): the backend listens on 127.0.0.1 only, so a first
        // address of ::1 is refused and the next one is tried, as Socket.ConnectAsync(DnsEndPoint) does.
        await using var backend = new ScriptedBackend((_, _) => Ok);
        int port = new Uri(backend.Address).Port;
        using var invoker = new HttpMessageInvoker(new Http1Handler(new ClusterHttpClientOptions(), epoll: true));

        (await GetAsync(invoker, $"http://localhost:{port}/x")).Should().Be("ok");
        backend.Received.Single().Field("Host").Should().Be($"localhost:{port}");
    }

    [EpollFact]
    public async Task A_refused_connect_and_a_connect_timeout_read_as_on_NET_sockets()
    {
        using var refusing = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        refusing.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)refusing.LocalEndPoint!).Port;
        using var epoll = new HttpMessageInvoker(new Http1Handler(new ClusterHttpClientOptions(), epoll: true));

        var thrown = await epoll.Awaiting(i => i.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{port}/"), CancellationToken.None))
            .Should().ThrowExactlyAsync<HttpRequestException>();
        thrown.Which.Message.Should().Be($"Connection refused (127.0.0.1:{port})");
        thrown.Which.HttpRequestError.Should().Be(HttpRequestError.ConnectionError);
        thrown.Which.InnerException.Should().BeOfType<SocketException>().Which.SocketErrorCode.Should().Be(SocketError.ConnectionRefused);

        using var silent = await FullBacklogListener.StartAsync();
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        var handler = new Http1Handler(new ClusterHttpClientOptions { ConnectTimeout = TimeSpan.FromSeconds(5) }, time, epoll: true);
        using var timed = new HttpMessageInvoker(handler);
        int registered = EpollEngine.Shared.RegisteredSockets;
        var send = timed.SendAsync(new HttpRequestMessage(HttpMethod.Get, silent.Address + "/x"), CancellationToken.None);
        await WaitUntil(() => EpollEngine.Shared.RegisteredSockets == registered + 1);
        time.Advance(TimeSpan.FromSeconds(5));
        var timedOut = await send.Awaiting(s => s.WaitAsync(TimeSpan.FromSeconds(10))).Should().ThrowExactlyAsync<TaskCanceledException>();
        timedOut.Which.InnerException.Should().BeOfType<TimeoutException>().Which.Message.Should().Be(
            $"A connection could not be established within the configured ConnectTimeout. Connecting to 127.0.0.1:{silent.Port} took longer than 5 s.");
        handler.OpenConnections.Should().Be(0);
        EpollEngine.Shared.RegisteredSockets.Should().Be(registered, "the timed-out connect's socket was deregistered");
    }

    [EpollFact]
    public async Task Large_bodies_both_ways_cross_the_engine_intact()
    {
        // The backend's script runs before it reads the body: it answers with a large body of its own, and the request
        // body it read is checked afterwards.
        string Body(int seed) => string.Concat(Enumerable.Range(0, 3 * 1024 * 1024 / 8).Select(i => ((i * 7) + seed).ToString("x8", System.Globalization.CultureInfo.InvariantCulture)));
        await using var backend = new ScriptedBackend((_, i) => $"HTTP/1.1 200 OK\r\nContent-Length: {Body(100 + i).Length}\r\n\r\n{Body(100 + i)}");
        using var invoker = new HttpMessageInvoker(new Http1Handler(new ClusterHttpClientOptions(), epoll: true));

        for (int i = 0; i < 2; i++)
        {
            using var response = await invoker.SendAsync(
                new HttpRequestMessage(HttpMethod.Post, backend.Address + "/echo") { Content = new StringContent(Body(i)) }, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
            string received = await response.Content.ReadAsStringAsync();
            (received == Body(100 + i)).Should().BeTrue($"the response body arrives whole ({received.Length} of {Body(100 + i).Length} characters)");
        }

        backend.Received.Select(r => r.Body == Body(0) || r.Body == Body(1)).Should().Equal(true, true);
        backend.Received.Select(r => r.Body.Length).Should().Equal(3 * 1024 * 1024, 3 * 1024 * 1024);
        backend.Accepts.Should().Be(1);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(5, limit.Token);
        }
    }
}

/// <summary>Every test of <see cref="ForwarderConformanceTests"/> on EdgeKit's transport with its backend connections on the epoll engine.</summary>
[Collection(EpollBackendCollection.Name)]
public sealed class ForwarderConformanceOnEpollTests : ForwarderConformanceTests, IDisposable
{
    private readonly IDisposable _switch = EpollBackendCollection.SwitchOn();

    protected override string? Transport => "EdgeKit";

    public void Dispose() => _switch.Dispose();
}

/// <summary>Every test of <see cref="HostileInputTests"/> on EdgeKit's transport with its backend connections on the epoll engine.</summary>
[Collection(EpollBackendCollection.Name)]
public sealed class HostileInputOnEpollTests : HostileInputTests, IDisposable
{
    private readonly IDisposable _switch = EpollBackendCollection.SwitchOn();

    protected override string? Transport => "EdgeKit";

    public void Dispose() => _switch.Dispose();
}

/// <summary>Every test of <see cref="Http1TransportTests"/> with the backend connections on the epoll engine.</summary>
[Collection(EpollBackendCollection.Name)]
public sealed class Http1TransportOnEpollTests : Http1TransportTests, IDisposable
{
    private readonly IDisposable _switch = EpollBackendCollection.SwitchOn();

    public void Dispose() => _switch.Dispose();
}

/// <summary>Every test of <see cref="Http1UpgradeTests"/> with the backend connections on the epoll engine (the tunnel reads the socket through a NetworkStream).</summary>
[Collection(EpollBackendCollection.Name)]
public sealed class Http1UpgradeOnEpollTests : Http1UpgradeTests, IDisposable
{
    private readonly IDisposable _switch = EpollBackendCollection.SwitchOn();

    public void Dispose() => _switch.Dispose();
}

/// <summary>Every test of <see cref="Http1ConnectionEdgeTests"/> (connect timeouts, IPv6 literals, connections closed while idle) on the epoll engine.</summary>
[Collection(EpollBackendCollection.Name)]
public sealed class Http1ConnectionEdgeOnEpollTests : Http1ConnectionEdgeTests, IDisposable
{
    private readonly IDisposable _switch = EpollBackendCollection.SwitchOn();

    public void Dispose() => _switch.Dispose();
}

/// <summary>Every test of <see cref="Http1TransportMessagesTests"/> (refused connects and timeouts, named as SocketsHttpHandler names them) on the epoll engine.</summary>
[Collection(EpollBackendCollection.Name)]
public sealed class Http1TransportMessagesOnEpollTests : Http1TransportMessagesTests, IDisposable
{
    private readonly IDisposable _switch = EpollBackendCollection.SwitchOn();

    public void Dispose() => _switch.Dispose();
}

/// <summary>Every test of <see cref="Http1HandlerTests"/> (pool lifetimes, idle timeouts, 100-continue) on the epoll engine.</summary>
[Collection(EpollBackendCollection.Name)]
public sealed class Http1HandlerOnEpollTests : Http1HandlerTests, IDisposable
{
    private readonly IDisposable _switch = EpollBackendCollection.SwitchOn();

    public void Dispose() => _switch.Dispose();
}
