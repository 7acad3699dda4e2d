using System.Net;
using EdgeKit.AspNetCore.Transport;
using EdgeKit.Configuration;
using Microsoft.Extensions.Time.Testing;

namespace EdgeKit.AspNetCore.Tests.Transport;

/// <summary>The transport on its own (no gateway): pool lifetimes and the 100-continue wait, on a fake clock.</summary>
public class Http1HandlerTests
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
    public async Task Expect_continue_requests_in_a_row_share_one_timer_per_connection_and_each_waits_its_whole_timeout()
    {
        // The first request gets its 100 at once (its wait is cut short while its timer is still armed); each later one
        // waits its own whole second, however long ago the timer was armed for an earlier one.
        var heads = new SemaphoreSlim(0);
        await using var backend = new ScriptedBackend((_, index) =>
        {
            heads.Release();
            return new ScriptedReply(Ok, SendContinueFirst: index == 0);
        });
        var time = new CountingTimeProvider(new FakeTimeProvider(DateTimeOffset.UtcNow));
        using var invoker = new HttpMessageInvoker(new Http1Handler(new ClusterHttpClientOptions(), time, TimeSpan.FromSeconds(1)));

        for (int i = 0; i < 3; i++)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, backend.Address + "/upload/" + i) { Version = HttpVersion.Version11, Content = new StringContent("payload " + i) };
            request.Headers.ExpectContinue = true;
            var send = invoker.SendAsync(request, CancellationToken.None);
            (await heads.WaitAsync(TimeSpan.FromSeconds(10))).Should().BeTrue();
            if (i > 0)
            {
                time.Fake.Advance(TimeSpan.FromMilliseconds(999));
                send.IsCompleted.Should().BeFalse("request {0}'s body waits its whole second", i);
                backend.Received.Should().HaveCount(i);
                time.Fake.Advance(TimeSpan.FromMilliseconds(1));
            }

            using var response = await send.WaitAsync(TimeSpan.FromSeconds(10));
            (await response.Content.ReadAsStringAsync()).Should().Be("ok");
            backend.Received.Last().Body.Should().Be("payload " + i);
            backend.Received.Last().Path.Should().Be("/upload/" + i);
            // Leaves the first request's timer armed past the next request's start.
            time.Fake.Advance(TimeSpan.FromMilliseconds(600));
        }

        backend.Accepts.Should().Be(1);
        time.Timers.Should().Be(1, "the connection re-arms its one timer for each request that waits for 100 Continue");
    }

    [Fact]
    public async Task A_final_answer_during_the_expect_continue_wait_skips_the_body_and_the_late_timer_starts_nothing()
    {
        var heads = new SemaphoreSlim(0);
        await using var backend = new ScriptedBackend((_, index) =>
        {
            heads.Release();
            return index == 0 ? new ScriptedReply("HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n", SkipBody: true) : Ok;
        });
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var invoker = new HttpMessageInvoker(new Http1Handler(new ClusterHttpClientOptions(), time, TimeSpan.FromSeconds(1)));
        var request = new HttpRequestMessage(HttpMethod.Post, backend.Address + "/upload") { Version = HttpVersion.Version11, Content = new StringContent("secret") };
        request.Headers.ExpectContinue = true;

        using (var response = await invoker.SendAsync(request, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)))
        {
            response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        }

        time.Advance(TimeSpan.FromSeconds(2));
        (await GetAsync(invoker, backend.Address, "/next")).Should().Be("ok");

        backend.Received.Select(r => (r.Path, r.Body)).Should().Equal(("/upload", ""), ("/next", ""));
        backend.Accepts.Should().Be(2, "a connection whose body was skipped is not reused");
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

    /// <summary>A fake clock that counts the timers made on it for a connection (the pool's scavenger and connect timeouts aside).</summary>
    private sealed class CountingTimeProvider(FakeTimeProvider fake) : TimeProvider
    {
        private int _timers;

        public FakeTimeProvider Fake => fake;

        public int Timers => Volatile.Read(ref _timers);

        public override long TimestampFrequency => fake.TimestampFrequency;

        public override long GetTimestamp() => fake.GetTimestamp();

        public override DateTimeOffset GetUtcNow() => fake.GetUtcNow();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            if (state is Http1Connection)
            {
                Interlocked.Increment(ref _timers);
            }

            return fake.CreateTimer(callback, state, dueTime, period);
        }
    }
}
