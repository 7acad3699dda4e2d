using System.Diagnostics.Tracing;
using System.Net;
using EdgeKit.AspNetCore.Tests.Infrastructure;
using EdgeKit.AspNetCore.Transport;
using EdgeKit.Configuration;

namespace EdgeKit.AspNetCore.Tests.Transport;

/// <summary>
/// Issue 20: the forwarder's direct seam to EdgeKit's transport (<see cref="Http1Handler.SendDirectAsync"/>) lends its
/// responses, and a connection reuses a response (message, header stores, content, body stream) and its field strings
/// for its next exchange. These tests hold the rules that make that safe: only a response disposed after its body ended
/// cleanly comes back, it comes back emptied, and a response given up early, a cancelled request or a broken body never
/// comes back (nor its connection).
/// </summary>
public sealed class Http1ResponseReuseTests
{
    private static HttpRequestMessage Get(string address, string path) =>
        new(HttpMethod.Get, address + path) { Version = HttpVersion.Version11 };

    private static async Task<string> ReadToEndAsync(HttpResponseMessage response)
    {
        // As the forwarder reads a body: the stream, not ReadAsStringAsync (which buffers the content).
        var stream = response.Content.ReadAsStream();
        var buffer = new byte[64];
        var text = new System.Text.StringBuilder();
        int read;
        while ((read = await stream.ReadAsync(buffer)) > 0)
        {
            text.Append(System.Text.Encoding.Latin1.GetString(buffer, 0, read));
        }

        return text.ToString();
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(5, limit.Token);
        }
    }

    [Fact]
    public async Task A_response_disposed_after_its_body_serves_the_next_exchange_emptied_of_the_first_ones_fields_and_trailers()
    {
        await using var backend = new ScriptedBackend((_, i) => i == 0
            ? "HTTP/1.1 201 Made Here\r\nX-First: 1\r\nSet-Cookie: a=1\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX-Trailer: t\r\n\r\n"
            : "HTTP/1.1 200 OK\r\nX-Second: 2\r\nContent-Length: 3\r\n\r\ntwo");
        using var handler = new Http1Handler(new ClusterHttpClientOptions());

        var first = await handler.SendDirectAsync(Get(backend.Address, "/1"), CancellationToken.None);
        (await ReadToEndAsync(first)).Should().Be("ok");
        first.TrailingHeaders.GetValues("X-Trailer").Should().Equal("t");
        first.Dispose();
        var second = await handler.SendDirectAsync(Get(backend.Address, "/2"), CancellationToken.None);

        second.Should().BeSameAs(first, "the connection kept the disposed response for its next exchange");
        second.StatusCode.Should().Be(HttpStatusCode.OK);
        second.ReasonPhrase.Should().Be("OK");
        second.RequestMessage!.RequestUri!.AbsolutePath.Should().Be("/2");
        second.Headers.Select(h => h.Key).Should().Equal("X-Second");
        second.Content.Headers.Select(h => h.Key).Should().Equal("Content-Length");
        second.Content.Headers.ContentType.Should().BeNull();
        second.Content.Headers.ContentLength.Should().Be(3);
        (await ReadToEndAsync(second)).Should().Be("two");
        second.TrailingHeaders.Should().BeEmpty();
        second.Dispose();
        backend.Accepts.Should().Be(1);
    }

    [Fact]
    public async Task Field_strings_of_the_last_response_are_reused_only_where_the_bytes_are_equal()
    {
        await using var backend = new ScriptedBackend((_, i) =>
            $"HTTP/1.1 200 OK\r\nServer: Kestrel\r\nDate: Sun, 06 Dec 2026 05:00:0{i} GMT\r\nX-Custom-Name: same\r\nContent-Length: 2\r\n\r\nok");
        using var handler = new Http1Handler(new ClusterHttpClientOptions());
        var seen = new List<(string Name, string Value)[]>();

        for (int i = 0; i < 2; i++)
        {
            var response = await handler.SendDirectAsync(Get(backend.Address, "/"), CancellationToken.None);
            seen.Add(response.Headers.NonValidated.Select(h => (h.Key, h.Value.ToString())).ToArray());
            (await ReadToEndAsync(response)).Should().Be("ok");
            response.Dispose();
        }

        seen[0].Select(f => f.Value).Should().Equal("Kestrel", "Sun, 06 Dec 2026 05:00:00 GMT", "same");
        seen[1].Select(f => f.Value).Should().Equal("Kestrel", "Sun, 06 Dec 2026 05:00:01 GMT", "same");
        seen[1][0].Value.Should().BeSameAs(seen[0][0].Value, "Server's bytes did not change");
        seen[1][2].Name.Should().BeSameAs(seen[0][2].Name, "an unknown field name is reused too");
        seen[1][2].Value.Should().BeSameAs(seen[0][2].Value);
        seen[1][1].Value.Should().NotBeSameAs(seen[0][1].Value, "Date changed");
    }

    [Fact]
    public async Task A_response_disposed_before_its_body_was_read_is_not_reused_and_its_connection_is_closed()
    {
        await using var backend = new ScriptedBackend((_, i) => $"HTTP/1.1 200 OK\r\nX-N: {i}\r\nContent-Length: 5\r\n\r\nbody{i}");
        using var handler = new Http1Handler(new ClusterHttpClientOptions());

        var first = await handler.SendDirectAsync(Get(backend.Address, "/1"), CancellationToken.None);
        first.Dispose();
        var second = await handler.SendDirectAsync(Get(backend.Address, "/2"), CancellationToken.None);

        second.Should().NotBeSameAs(first);
        first.Invoking(r => r.Content.ReadAsStream()).Should().Throw<ObjectDisposedException>();
        second.Headers.GetValues("X-N").Should().Equal("1");
        (await ReadToEndAsync(second)).Should().Be("body1");
        second.Dispose();
        backend.Accepts.Should().Be(2, "the first connection still held the unread body");
        handler.OpenConnections.Should().Be(1);
    }

    [Fact]
    public async Task A_response_whose_content_was_buffered_is_not_reused()
    {
        await using var backend = new ScriptedBackend((_, i) => $"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nbody{i}");
        using var handler = new Http1Handler(new ClusterHttpClientOptions());

        var first = await handler.SendDirectAsync(Get(backend.Address, "/1"), CancellationToken.None);
        (await first.Content.ReadAsStringAsync()).Should().Be("body0");
        first.Dispose();
        var second = await handler.SendDirectAsync(Get(backend.Address, "/2"), CancellationToken.None);

        second.Should().NotBeSameAs(first, "HttpContent keeps a buffered copy of the first body");
        (await second.Content.ReadAsStringAsync()).Should().Be("body1");
        second.Dispose();
        backend.Accepts.Should().Be(1, "the body was read to its end: the connection itself is reused");
    }

    [Fact]
    public async Task A_response_whose_stream_was_taken_asynchronously_is_not_reused_and_the_next_one_reads_synchronously()
    {
        // HttpContent remembers that its stream was first taken with ReadAsStreamAsync (a response transform does) and
        // refuses a synchronous ReadAsStream after that (the forwarder's copy), so such a content must not serve the
        // next exchange (found by JsonBodyResponseTransformTests once the EdgeKit transport became the default).
        await using var backend = new ScriptedBackend((_, i) => $"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nbody{i}");
        using var handler = new Http1Handler(new ClusterHttpClientOptions());

        var first = await handler.SendDirectAsync(Get(backend.Address, "/1"), CancellationToken.None);
        using (var reader = new StreamReader(await first.Content.ReadAsStreamAsync()))
        {
            (await reader.ReadToEndAsync()).Should().Be("body0");
        }

        first.Dispose();
        var second = await handler.SendDirectAsync(Get(backend.Address, "/2"), CancellationToken.None);

        second.Should().NotBeSameAs(first);
        using (var reader = new StreamReader(second.Content.ReadAsStream()))
        {
            reader.ReadToEnd().Should().Be("body1");
        }

        second.Dispose();
        backend.Accepts.Should().Be(1, "the body was read to its end: the connection itself is reused");
    }

    [Fact]
    public async Task A_cancelled_request_closes_its_connection_and_the_next_exchange_gets_a_new_connection_and_response()
    {
        await using var backend = new ScriptedBackend((request, _) => request.Path == "/wait" ? null : new ScriptedReply("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
        using var handler = new Http1Handler(new ClusterHttpClientOptions());
        var kept = await handler.SendDirectAsync(Get(backend.Address, "/ok"), CancellationToken.None);
        (await ReadToEndAsync(kept)).Should().Be("ok");
        kept.Dispose();
        using var cancel = new CancellationTokenSource();

        var waiting = handler.SendDirectAsync(Get(backend.Address, "/wait"), cancel.Token).AsTask();
        await WaitUntil(() => backend.Received.Any(r => r.Path == "/wait"));
        cancel.Cancel();
        var thrown = await waiting.Awaiting(w => w.WaitAsync(TimeSpan.FromSeconds(10))).Should().ThrowExactlyAsync<TaskCanceledException>();
        thrown.Which.Message.Should().Be("The request to the backend was cancelled.");
        await backend.PeerClosedWhileWaiting.WaitAsync(TimeSpan.FromSeconds(10));
        var next = await handler.SendDirectAsync(Get(backend.Address, "/ok"), CancellationToken.None);

        next.Should().NotBeSameAs(kept, "the spare belonged to the connection the cancellation closed");
        (await ReadToEndAsync(next)).Should().Be("ok");
        next.Dispose();
        backend.Accepts.Should().Be(2);
        handler.OpenConnections.Should().Be(1);
    }

    [Fact]
    public async Task A_backend_that_closes_mid_body_fails_the_read_and_neither_the_response_nor_the_connection_is_reused()
    {
        await using var backend = new ScriptedBackend((request, _) => request.Path == "/cut"
            ? new ScriptedReply("HTTP/1.1 200 OK\r\nX-Cut: yes\r\nContent-Length: 10\r\n\r\nhalf", Close: true)
            : "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        using var handler = new Http1Handler(new ClusterHttpClientOptions());

        var cut = await handler.SendDirectAsync(Get(backend.Address, "/cut"), CancellationToken.None);
        var read = await cut.Awaiting(ReadToEndAsync).Should().ThrowExactlyAsync<HttpIOException>();
        read.Which.Message.Should().Be("The backend closed the connection before the end of the response body. (ResponseEnded)");
        read.Which.HttpRequestError.Should().Be(HttpRequestError.ResponseEnded);
        cut.Dispose();
        var next = await handler.SendDirectAsync(Get(backend.Address, "/next"), CancellationToken.None);

        next.Should().NotBeSameAs(cut);
        next.Headers.Contains("X-Cut").Should().BeFalse();
        (await ReadToEndAsync(next)).Should().Be("ok");
        next.Dispose();
        backend.Accepts.Should().Be(2);
    }

    [Fact]
    public async Task Concurrent_exchanges_on_several_connections_each_get_their_own_answer_with_responses_reused()
    {
        // Each answer names its request in a field and the body, with a field only every other answer carries: a response
        // handed to the wrong exchange, or reused while still in use, shows up as a mismatch.
        await using var backend = new ScriptedBackend((request, _) =>
        {
            string path = request.Path;
            string extra = path.EndsWith('0') ? "X-Even-Path: yes\r\n" : "";
            return $"HTTP/1.1 200 OK\r\nX-Path: {path}\r\n{extra}Content-Length: {path.Length}\r\n\r\n{path}";
        });
        using var handler = new Http1Handler(new ClusterHttpClientOptions());
        var seen = new HashSet<HttpResponseMessage>(ReferenceEqualityComparer.Instance);
        var reused = 0;

        async Task Loop(int lane)
        {
            for (int i = 0; i < 40; i++)
            {
                string path = $"/lane{lane}/{i}{(i % 2 == 0 ? "0" : "1")}";
                var response = await handler.SendDirectAsync(Get(backend.Address, path), CancellationToken.None);
                lock (seen)
                {
                    if (!seen.Add(response))
                    {
                        reused++;
                    }
                }

                response.Headers.GetValues("X-Path").Should().Equal(path);
                response.Headers.Contains("X-Even-Path").Should().Be(path.EndsWith('0'));
                response.Content.Headers.ContentLength.Should().Be(path.Length);
                (await ReadToEndAsync(response)).Should().Be(path);
                response.Dispose();
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 6).Select(lane => Task.Run(() => Loop(lane)))).WaitAsync(TimeSpan.FromSeconds(60));

        backend.Received.Should().HaveCount(240);
        reused.Should().BeGreaterThan(0, "a connection hands its spare to the next exchange it serves");
        seen.Count.Should().BeLessThan(240);
        handler.OpenConnections.Should().BeInRange(1, 6);
    }

    [Fact]
    public async Task A_response_sent_through_HttpMessageInvoker_is_never_reused()
    {
        await using var backend = new ScriptedBackend((_, i) => $"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nr{i}");
        using var invoker = new HttpMessageInvoker(new Http1Handler(new ClusterHttpClientOptions()));

        var first = await invoker.SendAsync(Get(backend.Address, "/1"), CancellationToken.None);
        (await ReadToEndAsync(first)).Should().Be("r0");
        first.Dispose();
        using var second = await invoker.SendAsync(Get(backend.Address, "/2"), CancellationToken.None);

        second.Should().NotBeSameAs(first);
        first.Invoking(r => r.Content.ReadAsStream()).Should().Throw<ObjectDisposedException>("a response off the invoker is disposed as any other");
        (await ReadToEndAsync(second)).Should().Be("r1");
        backend.Accepts.Should().Be(1);
    }

    [Fact]
    public async Task Through_the_gateway_two_responses_in_a_row_on_one_connection_carry_only_their_own_headers()
    {
        await using var backend = new ScriptedBackend((_, i) => i % 2 == 0
            ? "HTTP/1.1 200 OK\r\nX-Even: e\r\nSet-Cookie: s=1\r\nContent-Type: application/json\r\nCache-Control: no-store\r\nContent-Length: 2\r\n\r\n{}"
            : "HTTP/1.1 404 Not Found\r\nX-Odd: o\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nodd\r\n0\r\n\r\n");
        await using var gateway = await GatewayHost.StartAsync(Http1TransportTests.Route(backend.Address));

        for (int i = 0; i < 4; i++)
        {
            using var response = await gateway.Client.GetAsync($"/r/{i}");
            if (i % 2 == 0)
            {
                response.StatusCode.Should().Be(HttpStatusCode.OK);
                response.Headers.GetValues("X-Even").Should().Equal("e");
                response.Headers.GetValues("Set-Cookie").Should().Equal("s=1");
                response.Headers.CacheControl!.NoStore.Should().BeTrue();
                response.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
                response.Headers.Contains("X-Odd").Should().BeFalse();
                (await response.Content.ReadAsStringAsync()).Should().Be("{}");
            }
            else
            {
                response.StatusCode.Should().Be(HttpStatusCode.NotFound);
                response.Headers.GetValues("X-Odd").Should().Equal("o");
                response.Headers.Select(h => h.Key).Should().NotContain(["X-Even", "Set-Cookie", "Cache-Control"]);
                response.Content.Headers.ContentType.Should().BeNull();
                (await response.Content.ReadAsStringAsync()).Should().Be("odd");
            }
        }

        backend.Accepts.Should().Be(1);
        backend.Received.Select(r => r.Path).Should().Equal("/r/0", "/r/1", "/r/2", "/r/3");
    }

    [Fact]
    public async Task While_System_Net_Http_events_are_listened_to_the_forwarder_sends_through_the_invoker_which_writes_them()
    {
        await using var backend = new ScriptedBackend((_, _) => "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        await using var gateway = await GatewayHost.StartAsync(Http1TransportTests.Route(backend.Address));
        string path = "/events/" + Guid.NewGuid().ToString("N");
        using var listener = new HttpEventsListener();

        HttpClientEvents.Enabled.Should().BeTrue();
        using var response = await gateway.Client.GetAsync(path);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).Should().Be("ok");
        listener.RequestStarts.Should().Contain((new Uri(backend.Address).Port, path), "HttpMessageInvoker writes RequestStart for the request to the backend");
    }

    /// <summary>Listens to System.Net.Http's events and keeps the port and path of each RequestStart.</summary>
    private sealed class HttpEventsListener : EventListener
    {
        public System.Collections.Concurrent.ConcurrentBag<(int Port, string Path)> RequestStarts { get; } = [];

        protected override void OnEventSourceCreated(EventSource eventSource)
        {
            if (eventSource.Name == "System.Net.Http")
            {
                EnableEvents(eventSource, EventLevel.Informational);
            }
        }

        protected override void OnEventWritten(EventWrittenEventArgs eventData)
        {
            if (eventData.EventName == "RequestStart" && eventData.PayloadNames is { } names
                && names.IndexOf("pathAndQuery") is int path and >= 0 && names.IndexOf("port") is int port and >= 0)
            {
                RequestStarts.Add((Convert.ToInt32(eventData.Payload![port], System.Globalization.CultureInfo.InvariantCulture), (string)eventData.Payload[path]!));
            }
        }
    }
}
