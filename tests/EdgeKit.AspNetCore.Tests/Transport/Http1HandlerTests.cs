using System.Net;
using EdgeKit.AspNetCore.Transport;
using EdgeKit.Configuration;
using Microsoft.Extensions.Time.Testing;

namespace EdgeKit.AspNetCore.Tests.Transport;

/// <summary>The transport on its own (no gateway): pool lifetimes and the 100-continue wait, on a fake clock.</summary>
public sealed class Http1HandlerTests
{
    private const string Ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

    private static async Task<string> GetAsync(HttpMessageInvoker invoker, string address, string path = "/")
    {
        using var response = await invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, address + path) { Version = HttpVersion.Version11 }, CancellationToken.None);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        return await response.Content.ReadAsStringAsync();
    }

    [Fact]
    public async Task An_idle_connection_is_closed_after_PooledConnectionIdleTimeout_and_the_next_request_opens_a_new_one()
    {
        await using var backend = new ScriptedBackend((_, _) => Ok);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var invoker = new HttpMessageInvoker(new Http1Handler(new ClusterHttpClientOptions { PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1) }, time));

        (await GetAsync(invoker, backend.Address)).Should().Be("ok");
        time.Advance(TimeSpan.FromSeconds(50));
        (await GetAsync(invoker, backend.Address)).Should().Be("ok");
        backend.Accepts.Should().Be(1, "the connection was idle for less than the timeout");

        time.Advance(TimeSpan.FromSeconds(61));
        (await GetAsync(invoker, backend.Address)).Should().Be("ok");
        backend.Accepts.Should().Be(2);
    }

    [Fact]
    public async Task A_connection_older_than_PooledConnectionLifetime_is_not_reused()
    {
        await using var backend = new ScriptedBackend((_, _) => Ok);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = new ClusterHttpClientOptions { PooledConnectionLifetime = TimeSpan.FromMinutes(5), PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10) };
        using var invoker = new HttpMessageInvoker(new Http1Handler(options, time));

        for (int minute = 0; minute < 5; minute++)
        {
            (await GetAsync(invoker, backend.Address)).Should().Be("ok");
            time.Advance(TimeSpan.FromSeconds(59));
        }

        backend.Accepts.Should().Be(1);
        time.Advance(TimeSpan.FromSeconds(10));
        (await GetAsync(invoker, backend.Address)).Should().Be("ok");
        backend.Accepts.Should().Be(2);
    }

    [Fact]
    public async Task A_lifetime_and_idle_timeout_of_TimeSpan_MaxValue_mean_never_not_at_once()
    {
        // Their length in timestamp ticks does not fit a long: it is clamped, not wrapped to a negative limit.
        await using var backend = new ScriptedBackend((_, _) => Ok);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = new ClusterHttpClientOptions { PooledConnectionLifetime = TimeSpan.MaxValue, PooledConnectionIdleTimeout = TimeSpan.MaxValue };
        using var invoker = new HttpMessageInvoker(new Http1Handler(options, time));

        (await GetAsync(invoker, backend.Address)).Should().Be("ok");
        time.Advance(TimeSpan.FromHours(1));
        (await GetAsync(invoker, backend.Address)).Should().Be("ok");

        backend.Accepts.Should().Be(1);
    }

    [Fact]
    public async Task MaxConnectionsPerServer_queues_requests_on_the_connections_allowed()
    {
        await using var backend = new ScriptedBackend((_, _) => Ok);
        using var invoker = new HttpMessageInvoker(new Http1Handler(new ClusterHttpClientOptions { MaxConnectionsPerServer = 1 }));

        var bodies = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => GetAsync(invoker, backend.Address, $"/{i}")));

        bodies.Should().AllBe("ok");
        backend.Accepts.Should().Be(1);
        backend.Received.Should().HaveCount(8);
    }

    [Fact]
    public async Task Without_a_100_the_body_is_sent_after_the_expect_continue_timeout()
    {
        var headArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var backend = new ScriptedBackend((_, _) =>
        {
            headArrived.TrySetResult();
            return Ok;
        });
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var invoker = new HttpMessageInvoker(new Http1Handler(new ClusterHttpClientOptions(), time, TimeSpan.FromSeconds(1)));
        var request = new HttpRequestMessage(HttpMethod.Post, backend.Address + "/upload") { Version = HttpVersion.Version11, Content = new StringContent("payload") };
        request.Headers.ExpectContinue = true;

        var send = invoker.SendAsync(request, CancellationToken.None);
        await headArrived.Task.WaitAsync(TimeSpan.FromSeconds(10));
        send.IsCompleted.Should().BeFalse("the body waits for a 100 or the timeout");
        backend.Received.Should().BeEmpty();
        time.Advance(TimeSpan.FromSeconds(1));
        using var response = await send.WaitAsync(TimeSpan.FromSeconds(10));

        (await response.Content.ReadAsStringAsync()).Should().Be("ok");
        backend.Received.Single().Body.Should().Be("payload");
    }

    [Fact]
    public async Task A_response_dropped_before_its_end_closes_its_connection()
    {
        await using var backend = new ScriptedBackend((_, _) => "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789");
        using var invoker = new HttpMessageInvoker(new Http1Handler(new ClusterHttpClientOptions()));

        using (var response = await invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, backend.Address + "/a"), CancellationToken.None))
        {
            var stream = await response.Content.ReadAsStreamAsync();
            (await stream.ReadAsync(new byte[4])).Should().BeGreaterThan(0);
        }

        (await GetAsync(invoker, backend.Address, "/b")).Should().Be("0123456789");
        (await GetAsync(invoker, backend.Address, "/c")).Should().Be("0123456789");
        backend.Accepts.Should().Be(2, "the first connection still held part of a body; the second was read to its end and reused");
    }
}
