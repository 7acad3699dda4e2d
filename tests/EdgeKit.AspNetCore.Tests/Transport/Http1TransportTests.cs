using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using EdgeKit.AspNetCore.Http;
using EdgeKit.AspNetCore.Tests.Infrastructure;

namespace EdgeKit.AspNetCore.Tests.Transport;

/// <summary>
/// Issue 20: the gateway forwarding through EdgeKit's own HTTP/1.1 transport (<c>HttpClient:Transport = EdgeKit</c>),
/// against raw TCP backends that write exact bytes (and count the connections they accept) and real Kestrel backends.
/// </summary>
public class Http1TransportTests
{
    private const string Ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

    internal static Dictionary<string, string?> Route(string address, params (string Key, string? Value)[] extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Clusters:c:Destinations:d:Address"] = address,
            ["Clusters:c:HttpClient:RequestVersion"] = "1.1",
            ["Clusters:c:HttpClient:Transport"] = "EdgeKit",
            ["Routes:r:Match:Path"] = "/{**rest}",
            ["Routes:r:Cluster"] = "c",
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return settings;
    }

    private static async Task<JsonObject> ProblemAsync(HttpResponseMessage response)
    {
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }

    [Fact]
    public async Task Sequential_requests_share_one_kept_alive_connection()
    {
        await using var backend = new ScriptedBackend((_, i) => $"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nX-N: {i}\r\n\r\nn={i % 10}");
        await using var gateway = await GatewayHost.StartAsync(Route(backend.Address));

        for (int i = 0; i < 5; i++)
        {
            using var response = await gateway.Client.GetAsync($"/item/{i}?q={i}");
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            (await response.Content.ReadAsStringAsync()).Should().Be($"n={i}");
            response.Headers.GetValues("X-N").Should().Equal(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        backend.Accepts.Should().Be(1);
        backend.Received.Select(r => r.Path).Should().Equal("/item/0?q=0", "/item/1?q=1", "/item/2?q=2", "/item/3?q=3", "/item/4?q=4");
        var first = backend.Received.First();
        first.Head.Should().StartWith("GET /item/0?q=0 HTTP/1.1\r\n");
        first.Field("Host").Should().Be(new Uri(backend.Address).Authority);
        first.Field("Transfer-Encoding").Should().BeNull();
        first.Field("Content-Length").Should().BeNull();
    }

    [Fact]
    public async Task A_connection_that_broke_the_framing_rules_is_closed_and_the_next_request_opens_another()
    {
        await using var backend = new ScriptedBackend((_, i) => i == 0 ? "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok" : Ok);
        await using var gateway = await GatewayHost.StartAsync(Route(backend.Address));

        using var bad = await gateway.Client.GetAsync("/a");
        using var good = await gateway.Client.GetAsync("/b");
        using var again = await gateway.Client.GetAsync("/c");

        bad.StatusCode.Should().Be(HttpStatusCode.BadGateway);
        var problem = await ProblemAsync(bad);
        problem["type"]!.GetValue<string>().Should().Be(GatewayProblem.BadGateway);
        problem["detail"]!.GetValue<string>().Should().Be("The service failed to answer.");
        good.StatusCode.Should().Be(HttpStatusCode.OK);
        again.StatusCode.Should().Be(HttpStatusCode.OK);
        backend.Accepts.Should().Be(2);
    }

    public static TheoryData<string, string> BadHeads() => new()
    {
        { "obs-fold", "HTTP/1.1 200 OK\r\nX-A: 1\r\n  folded\r\nContent-Length: 2\r\n\r\nok" },
        { "bare LF", "HTTP/1.1 200 OK\r\nX-A: 1\nContent-Length: 2\r\n\r\nok" },
        { "bare CR", "HTTP/1.1 200 OK\r\nX-A: 1\rX-B: 2\r\nContent-Length: 2\r\n\r\nok" },
        { "space before colon", "HTTP/1.1 200 OK\r\nX-A : 1\r\nContent-Length: 2\r\n\r\nok" },
        { "invalid name character", "HTTP/1.1 200 OK\r\nX(A): 1\r\nContent-Length: 2\r\n\r\nok" },
        { "Transfer-Encoding with Content-Length", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n2\r\nok\r\n0\r\n\r\n" },
        { "differing Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok" },
        { "differing Content-Length list", "HTTP/1.1 200 OK\r\nContent-Length: 2, 3\r\n\r\nok" },
        { "Content-Length not a number", "HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\nok" },
        { "final coding not chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\nok" },
        { "coding after chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\nok" },
        { "Transfer-Encoding in HTTP/1.0", "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n" },
        { "not HTTP", "HTTP/2.0 200 OK\r\nContent-Length: 2\r\n\r\nok" },
        { "status not three digits", "HTTP/1.1 20 OK\r\nContent-Length: 2\r\n\r\nok" },
        { "101 unasked", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n" },
        { "oversized head", "HTTP/1.1 200 OK\r\nX-Big: " + new string('a', 70 * 1024) + "\r\nContent-Length: 2\r\n\r\nok" },
        { "head starting with an empty line", "\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" },
    };

    [Theory]
    [MemberData(nameof(BadHeads))]
    public async Task A_response_head_that_breaks_RFC_9112_is_a_502_and_its_connection_is_not_reused(string rule, string reply)
    {
        await using var backend = new ScriptedBackend((request, _) => request.Path == "/bad" ? reply : Ok);
        await using var gateway = await GatewayHost.StartAsync(Route(backend.Address));

        using var bad = await gateway.Client.GetAsync("/bad");
        using var next = await gateway.Client.GetAsync("/next");

        bad.StatusCode.Should().Be(HttpStatusCode.BadGateway, rule);
        var problem = await ProblemAsync(bad);
        problem["type"]!.GetValue<string>().Should().Be(GatewayProblem.BadGateway);
        problem["title"]!.GetValue<string>().Should().Be("Bad gateway");
        problem["status"]!.GetValue<int>().Should().Be(502);
        problem["detail"]!.GetValue<string>().Should().Be("The service failed to answer.");
        next.StatusCode.Should().Be(HttpStatusCode.OK);
        (await next.Content.ReadAsStringAsync()).Should().Be("ok");
        backend.Accepts.Should().Be(2, "the connection that carried the bad head is closed");
    }

    [Fact]
    public async Task Fields_whose_values_hold_control_characters_are_dropped_and_the_rest_passed_on()
    {
        await using var backend = new ScriptedBackend((_, _) =>
            "HTTP/1.1 200 OK\r\nX-Nul: a\0b\r\nX-Esc: \u001b[31m\r\nX-Del: a\u007f\r\nX-Ok: fine\r\nContent-Length: 2\r\n\r\nok");
        await using var gateway = await GatewayHost.StartAsync(Route(backend.Address));

        using var response = await gateway.Client.GetAsync("/x");
        using var next = await gateway.Client.GetAsync("/y");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Headers.Select(h => h.Key).Should().NotContain(["X-Nul", "X-Esc", "X-Del"]);
        response.Headers.GetValues("X-Ok").Should().Equal("fine");
        (await response.Content.ReadAsStringAsync()).Should().Be("ok");
        next.StatusCode.Should().Be(HttpStatusCode.OK);
        backend.Accepts.Should().Be(1);
    }

    public static TheoryData<string, string> BadChunks() => new()
    {
        { "not hexadecimal", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nok\r\n0\r\n\r\n" },
        { "size overflow", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\nok\r\n0\r\n\r\n" },
        { "extension too long", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;" + new string('e', 5000) + "\r\nok\r\n0\r\n\r\n" },
        { "bare LF after size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\nok\r\n0\r\n\r\n" },
        { "data longer than its size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokk\r\n0\r\n\r\n" },
        { "obs-fold in trailers", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX-T: 1\r\n folded\r\n\r\n" },
        { "connection closed mid-body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nok" },
    };

    [Theory]
    [MemberData(nameof(BadChunks))]
    public async Task A_body_that_breaks_its_framing_aborts_the_client_response_and_its_connection_is_not_reused(string rule, string reply)
    {
        await using var backend = new ScriptedBackend((request, _) => request.Path == "/bad" ? new ScriptedReply(reply, Close: rule.StartsWith("connection", StringComparison.Ordinal)) : Ok);
        await using var gateway = await GatewayHost.StartAsync(Route(backend.Address));

        // The backend's status line was accepted before its body broke: the forwarder aborts the client's response (it
        // may have sent the status line already), never passes on a complete body.
        var raw = await RawHttp.SendAsync(gateway.Address, "GET /bad HTTP/1.1\r\nHost: gw\r\n\r\n", TimeSpan.FromSeconds(10));
        using var next = await gateway.Client.GetAsync("/next");

        raw.Status.Should().BeOneOf([0, 200], rule);
        raw.Text.Should().NotEndWith("0\r\n\r\n", "the client must not see a complete chunked body");
        if (raw.Header("Content-Length") is { } promised)
        {
            // A length was passed on before the body broke: the client gets fewer bytes, and the connection is cut.
            Encoding.Latin1.GetByteCount(raw.Body).Should().BeLessThan(int.Parse(promised, System.Globalization.CultureInfo.InvariantCulture));
        }
        next.StatusCode.Should().Be(HttpStatusCode.OK);
        backend.Accepts.Should().Be(2);
    }

    [Fact]
    public async Task A_chunked_response_with_trailers_reaches_an_HTTP2_client_and_the_connection_is_reused()
    {
        await using var backend = new ScriptedBackend((_, _) =>
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Sum: 42\r\n\r\n");
        await using var gateway = await GatewayHost.StartAsync(Route(backend.Address), protocols: Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http2);
        using var client = new HttpClient(new SocketsHttpHandler())
        {
            BaseAddress = new Uri(gateway.Address),
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

        for (int i = 0; i < 2; i++)
        {
            using var response = await client.GetAsync("/t");
            (await response.Content.ReadAsStringAsync()).Should().Be("hello world");
            response.TrailingHeaders.GetValues("X-Sum").Should().Equal("42");
        }

        backend.Accepts.Should().Be(1);
    }

    [Fact]
    public async Task A_close_delimited_response_is_read_to_the_end_and_its_connection_not_reused()
    {
        await using var backend = new ScriptedBackend((request, _) => request.Path == "/close" ? new ScriptedReply("HTTP/1.1 200 OK\r\n\r\nuntil the end", Close: true) : Ok);
        await using var gateway = await GatewayHost.StartAsync(Route(backend.Address));

        using var closed = await gateway.Client.GetAsync("/close");
        using var next = await gateway.Client.GetAsync("/next");

        (await closed.Content.ReadAsStringAsync()).Should().Be("until the end");
        next.StatusCode.Should().Be(HttpStatusCode.OK);
        backend.Accepts.Should().Be(2);
    }

    [Fact]
    public async Task Connection_close_from_the_backend_is_honoured()
    {
        await using var backend = new ScriptedBackend((_, _) => new ScriptedReply("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", Close: true));
        await using var gateway = await GatewayHost.StartAsync(Route(backend.Address));

        for (int i = 0; i < 3; i++)
        {
            using var response = await gateway.Client.GetAsync("/x");
            (await response.Content.ReadAsStringAsync()).Should().Be("ok");
        }

        backend.Accepts.Should().Be(3);
    }

    [Fact]
    public async Task HEAD_204_and_304_answers_carry_no_body_and_keep_the_connection()
    {
        await using var backend = new ScriptedBackend((request, _) => request.Path switch
        {
            "/head" => "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n",
            "/204" => "HTTP/1.1 204 No Content\r\n\r\n",
            "/304" => "HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\n\r\n",
            _ => Ok,
        });
        await using var gateway = await GatewayHost.StartAsync(Route(backend.Address));

        using var head = await gateway.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/head"));
        using var noContent = await gateway.Client.GetAsync("/204");
        using var notModified = await gateway.Client.GetAsync("/304");
        using var last = await gateway.Client.GetAsync("/last");

        head.StatusCode.Should().Be(HttpStatusCode.OK);
        head.Content.Headers.ContentLength.Should().Be(1234);
        noContent.StatusCode.Should().Be(HttpStatusCode.NoContent);
        notModified.StatusCode.Should().Be(HttpStatusCode.NotModified);
        notModified.Headers.ETag!.Tag.Should().Be("\"v1\"");
        (await last.Content.ReadAsStringAsync()).Should().Be("ok");
        backend.Accepts.Should().Be(1);
    }

    [Fact]
    public async Task A_body_of_known_length_is_sent_with_Content_Length_and_one_of_unknown_length_chunked()
    {
        await using var backend = new ScriptedBackend((_, _) => Ok);
        await using var gateway = await GatewayHost.StartAsync(Route(backend.Address));

        using var sized = await gateway.Client.PostAsync("/sized", new StringContent("hello", Encoding.UTF8, "text/plain"));
        var chunkedRequest = await RawHttp.SendAsync(gateway.Address,
            "POST /chunked HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n");
        using var empty = await gateway.Client.PostAsync("/empty", null);

        sized.StatusCode.Should().Be(HttpStatusCode.OK);
        chunkedRequest.Status.Should().Be(200);
        empty.StatusCode.Should().Be(HttpStatusCode.OK);
        var received = backend.Received.ToDictionary(r => r.Path);
        received["/sized"].Field("Content-Length").Should().Be("5");
        received["/sized"].Field("Transfer-Encoding").Should().BeNull();
        received["/sized"].Body.Should().Be("hello");
        received["/chunked"].Field("Transfer-Encoding").Should().Be("chunked");
        received["/chunked"].Field("Content-Length").Should().BeNull();
        received["/chunked"].Field("Content-Type").Should().Be("text/plain");
        received["/chunked"].Body.Should().Be("abcdefg");
        received["/empty"].Field("Content-Length").Should().Be("0");
        backend.Accepts.Should().Be(1);
    }

    [Fact]
    public async Task Expect_100_continue_sends_the_body_after_the_backends_100_and_skips_other_interim_responses()
    {
        await using var backend = new ScriptedBackend((_, _) => new ScriptedReply("HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n" + Ok, SendContinueFirst: true));
        await using var gateway = await GatewayHost.StartAsync(Route(backend.Address));
        using var client = new HttpClient(new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromSeconds(30) }) { BaseAddress = new Uri(gateway.Address) };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/upload") { Content = new StringContent("payload") };
        request.Headers.ExpectContinue = true;

        using var response = await client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).Should().Be("ok");
        backend.Received.Single().Body.Should().Be("payload");
        backend.Received.Single().Field("Expect").Should().Be("100-continue");
    }

    [Fact]
    public async Task A_final_answer_before_100_continue_means_the_body_is_never_sent_and_the_connection_is_closed()
    {
        await using var backend = new ScriptedBackend((request, _) => request.Path == "/upload"
            ? new ScriptedReply("HTTP/1.1 417 Expectation Failed\r\nContent-Length: 4\r\n\r\nnope", SkipBody: true)
            : Ok);
        await using var gateway = await GatewayHost.StartAsync(Route(backend.Address));
        using var client = new HttpClient(new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromSeconds(30) }) { BaseAddress = new Uri(gateway.Address) };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/upload") { Content = new StringContent("payload") };
        request.Headers.ExpectContinue = true;

        using var response = await client.SendAsync(request);
        using var next = await client.GetAsync("/next");

        response.StatusCode.Should().Be(HttpStatusCode.ExpectationFailed);
        (await response.Content.ReadAsStringAsync()).Should().Be("nope");
        next.StatusCode.Should().Be(HttpStatusCode.OK);
        backend.Accepts.Should().Be(2, "a connection whose request body was withheld is not reused");
    }

    [Fact]
    public async Task A_POST_on_a_kept_alive_connection_the_backend_closes_is_delivered_once_and_answered_502_even_with_retries()
    {
        await using var backend = DroppingBackend.Start(answerFirst: true);
        await using var gateway = await GatewayHost.StartAsync(Route(backend.Address, ("Routes:r:Retry:BaseDelay", "00:00:00.001"), ("Routes:r:Retry:MaxDelay", "00:00:00.002")));
        using var warm = await gateway.Client.GetAsync("/warm");
        warm.StatusCode.Should().Be(HttpStatusCode.OK);

        using var response = await gateway.Client.PostAsync("/target", new StringContent("{\"a\":1}", Encoding.UTF8, "application/json"));

        response.StatusCode.Should().Be(HttpStatusCode.BadGateway);
        (await ProblemAsync(response))["type"]!.GetValue<string>().Should().Be(GatewayProblem.BadGateway);
        backend.Deliveries("/target").Should().Be(1);
    }

    [Fact]
    public async Task A_GET_on_a_kept_alive_connection_the_backend_closes_is_retried_by_the_route_retry_pipeline()
    {
        await using var backend = DroppingBackend.Start(answerFirst: true);
        await using var gateway = await GatewayHost.StartAsync(Route(backend.Address, ("Routes:r:Retry:BaseDelay", "00:00:00.001"), ("Routes:r:Retry:MaxDelay", "00:00:00.002"),
            ("Routes:r:Retry:MaxRetryAttempts", "1"), ("Routes:r:Retry:RetryBudget:BudgetPercent", "100")));
        using var warm = await gateway.Client.GetAsync("/warm");

        using var response = await gateway.Client.GetAsync("/target");

        // The first attempt dies on the kept-alive connection; the retry opens a new one, whose first request is answered.
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).Should().Be("ok");
        backend.Deliveries("/target").Should().Be(2);
    }

    [Fact]
    public async Task Without_retries_a_GET_on_a_connection_the_backend_closed_is_delivered_once()
    {
        await using var backend = DroppingBackend.Start(answerFirst: true);
        await using var gateway = await GatewayHost.StartAsync(Route(backend.Address));
        using var warm = await gateway.Client.GetAsync("/warm");

        using var response = await gateway.Client.GetAsync("/target");

        response.StatusCode.Should().Be(HttpStatusCode.BadGateway);
        backend.Deliveries("/target").Should().Be(1);
    }

    [Fact]
    public async Task A_client_that_goes_away_aborts_the_backend_request()
    {
        await using var backend = new ScriptedBackend((_, _) => null);
        await using var gateway = await GatewayHost.StartAsync(Route(backend.Address));
        using var cancel = new CancellationTokenSource();

        var call = gateway.Client.GetAsync("/slow", cancel.Token);
        using var arrived = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (backend.Received.IsEmpty)
        {
            await Task.Delay(10, arrived.Token); // bounded: fails rather than hangs if the request never reaches the backend
        }

        await cancel.CancelAsync();
        var act = async () => await call;
        await act.Should().ThrowAsync<OperationCanceledException>();
        await backend.PeerClosedWhileWaiting.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_client_that_goes_away_in_the_middle_of_the_body_aborts_the_backend_connection()
    {
        await using var backend = new ScriptedBackend((_, _) => new ScriptedReply("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\nfirst bytes", HoldOpen: true));
        await using var gateway = await GatewayHost.StartAsync(Route(backend.Address));
        using var cancel = new CancellationTokenSource();

        using var response = await gateway.Client.GetAsync("/stream", HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        var body = await response.Content.ReadAsStreamAsync(cancel.Token);
        var buffer = new byte[64];
        int read = await body.ReadAsync(buffer, cancel.Token);
        Encoding.ASCII.GetString(buffer, 0, read).Should().Be("first bytes");
        await cancel.CancelAsync();
        body.Dispose();

        await backend.PeerClosedWhileWaiting.WaitAsync(TimeSpan.FromSeconds(10));
        backend.Accepts.Should().Be(1);
    }

    [Fact]
    public async Task A_refused_connection_is_the_same_502_backend_unreachable_as_before()
    {
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await using var gateway = await GatewayHost.StartAsync(Route($"http://127.0.0.1:{port}"));

        using var response = await gateway.Client.GetAsync("/x");

        response.StatusCode.Should().Be(HttpStatusCode.BadGateway);
        var problem = await ProblemAsync(response);
        problem["type"]!.GetValue<string>().Should().Be(GatewayProblem.BackendUnreachable);
        problem["detail"]!.GetValue<string>().Should().Be("The service could not be reached.");
    }

    [Fact]
    public async Task A_failed_TLS_handshake_is_the_same_502_backend_unreachable()
    {
        // An https destination that answers the ClientHello with plain HTTP bytes and hangs up.
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var serve = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync();
            await client.GetStream().WriteAsync("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n"u8.ToArray());
        });
        await using var gateway = await GatewayHost.StartAsync(Route($"https://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}",
            ("Clusters:c:HttpClient:DangerousAcceptAnyServerCertificate", "true")));

        using var response = await gateway.Client.GetAsync("/x");
        await serve.WaitAsync(TimeSpan.FromSeconds(10));
        listener.Stop();

        response.StatusCode.Should().Be(HttpStatusCode.BadGateway);
        var problem = await ProblemAsync(response);
        problem["type"]!.GetValue<string>().Should().Be(GatewayProblem.BackendUnreachable);
        problem["detail"]!.GetValue<string>().Should().Be("The service could not be reached.");
    }

    [Fact]
    public async Task Large_bodies_stream_both_ways_through_a_Kestrel_backend()
    {
        await using var backend = await EchoBackend.StartAsync();
        backend.Override = async context =>
        {
            context.Response.ContentType = "application/octet-stream";
            await context.Request.Body.CopyToAsync(context.Response.Body);
        };
        await using var gateway = await GatewayHost.StartAsync(Route(backend.Address));
        var payload = new byte[3 * 1024 * 1024 + 17];
        new Random(20).NextBytes(payload);

        using var response = await gateway.Client.PostAsync("/echo", new ByteArrayContent(payload));
        using var streamed = await gateway.Client.PostAsync("/echo", new StreamContent(new MemoryStream(payload)));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadAsByteArrayAsync()).Should().Equal(payload);
        (await streamed.Content.ReadAsByteArrayAsync()).Should().Equal(payload);
    }
}
