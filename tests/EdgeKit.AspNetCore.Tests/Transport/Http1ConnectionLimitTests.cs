using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using EdgeKit.AspNetCore.Tests.Infrastructure;
using EdgeKit.AspNetCore.Transport;
using EdgeKit.Configuration;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace EdgeKit.AspNetCore.Tests.Transport;

/// <summary>
/// <c>MaxConnectionsPerServer</c> on EdgeKit's transport: requests beyond the limit wait first come, first served, a
/// cancelled wait leaves the queue, and every way a connection ends gives its place back (a real Kestrel backend).
/// </summary>
public sealed class Http1ConnectionLimitTests
{
    /// <summary>A Kestrel backend that records the order and connection of requests and holds <c>/hold</c> until released.</summary>
    private sealed class GatedBackend : IAsyncDisposable
    {
        private readonly EchoBackend _backend;
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _holding = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private GatedBackend(EchoBackend backend)
        {
            _backend = backend;
            backend.Override = async context =>
            {
                string path = context.Request.Path.Value!;
                Paths.Enqueue(path);
                Connections[context.Connection.Id] = 0;
                if (path == "/hold")
                {
                    _holding.TrySetResult();
                    await _release.Task;
                }

                await context.Response.WriteAsync(path);
            };
        }

        public string Address => _backend.Address;

        public ConcurrentQueue<string> Paths { get; } = new();

        public ConcurrentDictionary<string, byte> Connections { get; } = new();

        /// <summary>Completes when <c>/hold</c> has arrived.</summary>
        public Task Holding => _holding.Task;

        public void Release() => _release.TrySetResult();

        public static async Task<GatedBackend> StartAsync() => new(await EchoBackend.StartAsync());

        public async ValueTask DisposeAsync()
        {
            Release();
            await _backend.DisposeAsync();
        }
    }

    private static Task<HttpResponseMessage> Send(HttpMessageInvoker invoker, string address, string path, CancellationToken token = default) =>
        invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, address + path) { Version = HttpVersion.Version11 }, token);

    private static async Task<string> Body(Task<HttpResponseMessage> send)
    {
        using var response = await send.WaitAsync(TimeSpan.FromSeconds(10));
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        return await response.Content.ReadAsStringAsync();
    }

    [Fact]
    public async Task Requests_beyond_MaxConnectionsPerServer_wait_and_are_served_in_arrival_order()
    {
        await using var backend = await GatedBackend.StartAsync();
        var handler = new Http1Handler(new ClusterHttpClientOptions { MaxConnectionsPerServer = 1 });
        using var invoker = new HttpMessageInvoker(handler);

        var hold = Send(invoker, backend.Address, "/hold");
        handler.WaitingRequests.Should().Be(0, "the first request took the only place");
        var waiting = new List<Task<HttpResponseMessage>>();
        foreach (string path in new[] { "/a", "/b", "/c", "/d" })
        {
            // A request that must wait is queued before SendAsync returns.
            waiting.Add(Send(invoker, backend.Address, path));
            handler.WaitingRequests.Should().Be(waiting.Count);
        }

        await backend.Holding.WaitAsync(TimeSpan.FromSeconds(10));
        waiting.Should().OnlyContain(t => !t.IsCompleted);
        backend.Paths.Should().Equal("/hold");
        backend.Release();

        (await Body(hold)).Should().Be("/hold");
        foreach (var (send, path) in waiting.Zip(new[] { "/a", "/b", "/c", "/d" }))
        {
            (await Body(send)).Should().Be(path);
        }

        backend.Paths.Should().Equal("/hold", "/a", "/b", "/c", "/d");
        backend.Connections.Should().HaveCount(1, "each waiting request got the connection given back");
        handler.OpenConnections.Should().Be(1);
        handler.WaitingRequests.Should().Be(0);
    }

    [Fact]
    public async Task A_waiting_request_whose_deadline_passes_leaves_the_queue_and_the_others_keep_their_turn()
    {
        await using var backend = await GatedBackend.StartAsync();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var handler = new Http1Handler(new ClusterHttpClientOptions { MaxConnectionsPerServer = 1 }, time);
        using var invoker = new HttpMessageInvoker(handler);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30), time);

        var hold = Send(invoker, backend.Address, "/hold");
        var a = Send(invoker, backend.Address, "/a");
        var b = Send(invoker, backend.Address, "/b", deadline.Token);
        var c = Send(invoker, backend.Address, "/c");
        handler.WaitingRequests.Should().Be(3);
        await backend.Holding.WaitAsync(TimeSpan.FromSeconds(10));

        time.Advance(TimeSpan.FromSeconds(29));
        b.IsCompleted.Should().BeFalse("its deadline has not passed");
        time.Advance(TimeSpan.FromSeconds(1));
        handler.WaitingRequests.Should().Be(2, "the cancelled request left the queue at once");
        var thrown = await b.Awaiting(t => t.WaitAsync(TimeSpan.FromSeconds(10))).Should().ThrowExactlyAsync<TaskCanceledException>();
        thrown.Which.Message.Should().Be($"The request was cancelled while it waited for a connection to {new Uri(backend.Address).Authority} (MaxConnectionsPerServer 1).");
        thrown.Which.CancellationToken.Should().Be(deadline.Token);
        a.IsCompleted.Should().BeFalse();
        c.IsCompleted.Should().BeFalse();
        backend.Release();

        (await Body(hold)).Should().Be("/hold");
        (await Body(a)).Should().Be("/a");
        (await Body(c)).Should().Be("/c");
        backend.Paths.Should().Equal("/hold", "/a", "/c");
        handler.WaitingRequests.Should().Be(0);
        handler.OpenConnections.Should().Be(1);
    }

    [Fact]
    public async Task A_request_cancelled_before_it_would_wait_fails_at_once_and_queues_nothing()
    {
        await using var backend = await GatedBackend.StartAsync();
        var handler = new Http1Handler(new ClusterHttpClientOptions { MaxConnectionsPerServer = 1 });
        using var invoker = new HttpMessageInvoker(handler);
        var hold = Send(invoker, backend.Address, "/hold");

        var cancelled = Send(invoker, backend.Address, "/late", new CancellationToken(canceled: true));

        await cancelled.Awaiting(t => t.WaitAsync(TimeSpan.FromSeconds(10))).Should().ThrowExactlyAsync<TaskCanceledException>();
        handler.WaitingRequests.Should().Be(0);
        backend.Release();
        (await Body(hold)).Should().Be("/hold");
        (await Body(Send(invoker, backend.Address, "/after"))).Should().Be("/after");
        backend.Paths.Should().Equal("/hold", "/after");
    }

    [Fact]
    public async Task A_connection_closed_after_a_bad_response_gives_its_place_to_the_next_request()
    {
        await using var backend = new ScriptedBackend((_, i) => i == 0
            ? "HTTP/1.1 200 OK\r\nContent-Length: two\r\n\r\n"
            : "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        var handler = new Http1Handler(new ClusterHttpClientOptions { MaxConnectionsPerServer = 1 });
        using var invoker = new HttpMessageInvoker(handler);

        var bad = Send(invoker, backend.Address, "/bad");
        var next = Send(invoker, backend.Address, "/next");
        handler.WaitingRequests.Should().Be(1);

        await bad.Awaiting(t => t.WaitAsync(TimeSpan.FromSeconds(10))).Should().ThrowAsync<HttpRequestException>();
        (await Body(next)).Should().Be("ok");
        backend.Accepts.Should().Be(2, "the connection of the bad response was not reused");
        handler.OpenConnections.Should().Be(1);
    }

    [Fact]
    public async Task Refused_connects_give_their_place_back()
    {
        // Bound, never listening: every connect is refused at once.
        using var closed = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        closed.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        string address = $"http://127.0.0.1:{((IPEndPoint)closed.LocalEndPoint!).Port}";
        var handler = new Http1Handler(new ClusterHttpClientOptions { MaxConnectionsPerServer = 1 });
        using var invoker = new HttpMessageInvoker(handler);

        var sends = Enumerable.Range(0, 3).Select(i => Send(invoker, address, $"/{i}")).ToArray();

        foreach (var send in sends)
        {
            var thrown = await send.Awaiting(t => t.WaitAsync(TimeSpan.FromSeconds(10))).Should().ThrowExactlyAsync<HttpRequestException>();
            thrown.Which.HttpRequestError.Should().Be(HttpRequestError.ConnectionError);
        }

        handler.WaitingRequests.Should().Be(0);
        handler.OpenConnections.Should().Be(0);
    }

    [Fact]
    public async Task Many_concurrent_requests_never_open_more_than_MaxConnectionsPerServer_connections()
    {
        await using var backend = await EchoBackend.StartAsync();
        var connections = new ConcurrentDictionary<string, byte>();
        int inFlight = 0;
        int most = 0;
        backend.Override = async context =>
        {
            connections[context.Connection.Id] = 0;
            int now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref most, now);
            await Task.Yield();
            Interlocked.Decrement(ref inFlight);
            await context.Response.WriteAsync("ok");
        };
        var handler = new Http1Handler(new ClusterHttpClientOptions { MaxConnectionsPerServer = 3 });
        using var invoker = new HttpMessageInvoker(handler);

        var bodies = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => Task.Run(() => Body(Send(invoker, backend.Address, $"/{i}")))));

        bodies.Should().HaveCount(200).And.AllBe("ok");
        connections.Count.Should().BeInRange(1, 3);
        most.Should().BeLessThanOrEqualTo(3);
        handler.OpenConnections.Should().BeInRange(1, 3);
        handler.WaitingRequests.Should().Be(0);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen = Volatile.Read(ref target);
        while (value > seen)
        {
            int previous = Interlocked.CompareExchange(ref target, value, seen);
            if (previous == seen)
            {
                return;
            }

            seen = previous;
        }
    }
}
