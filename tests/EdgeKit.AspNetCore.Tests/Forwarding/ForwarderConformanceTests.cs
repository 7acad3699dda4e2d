using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using EdgeKit.AspNetCore.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace EdgeKit.AspNetCore.Tests.Forwarding;

/// <summary>
/// One test per forwarding rule of issue 4 item 2 (RFC 9110 proxy semantics, Expect, trailers, cancellation, limits,
/// protocols), each against real Kestrel backends on 127.0.0.1. Run against both backend transports: this class uses
/// SocketsHttpHandler, <see cref="Transport.ForwarderConformanceOnEdgeKitTransportTests"/> EdgeKit's own (HTTP/1.1 routes).
/// </summary>
public class ForwarderConformanceTests
{
    /// <summary>The <c>HttpClient:Transport</c> of the HTTP/1.1 routes: <c>SocketsHttpHandler</c> here, pinned, since the default (<c>Auto</c>) is EdgeKit's for them.</summary>
    protected virtual string? Transport => "SocketsHttpHandler";

    private Dictionary<string, string?> OneRoute(string address, string version = "1.1", string? policy = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Clusters:c:Destinations:d:Address"] = address,
            ["Clusters:c:HttpClient:RequestVersion"] = version,
            ["Routes:r:Match:Path"] = "/{**rest}",
            ["Routes:r:Cluster"] = "c",
        };
        if (policy is not null)
        {
            settings["Clusters:c:HttpClient:VersionPolicy"] = policy;
        }

        // The EdgeKit transport speaks HTTP/1.1 only: other versions stay on the default in both runs.
        return settings.OnTransport(version == "1.1" ? Transport : null);
    }

    private static JsonObject Headers(JsonObject echo) => echo["headers"]!.AsObject();

    private static HttpClient Http2Client(string address) => new(new SocketsHttpHandler())
    {
        BaseAddress = new Uri(address),
        DefaultRequestVersion = HttpVersion.Version20,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    [Fact]
    public async Task Nothing_of_one_request_carries_over_to_the_next_on_reused_outgoing_messages()
    {
        // Bodiless requests reuse the outgoing HttpRequestMessage (cleared) of an earlier one: one at a time, each
        // request must reach the backend with exactly its own method, path, query and headers.
        await using var backend = await EchoBackend.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(OneRoute(backend.Address));

        for (int i = 0; i < 6; i++)
        {
            using var request = new HttpRequestMessage(i % 3 == 2 ? HttpMethod.Delete : HttpMethod.Get, $"/item/{i}?n={i}");
            request.Headers.TryAddWithoutValidation($"X-Only-{i}", i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (i == 1)
            {
                request.Headers.TryAddWithoutValidation("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
            }

            using var response = await gateway.Client.SendAsync(request);
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            var echo = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
            echo["method"]!.GetValue<string>().Should().Be(i % 3 == 2 ? "DELETE" : "GET");
            echo["path"]!.GetValue<string>().Should().Be($"/item/{i}");
            var names = Headers(echo).Select(h => h.Key).ToList();
            names.Should().Contain($"x-only-{i}");
            names.Where(n => n.StartsWith("x-only-", StringComparison.Ordinal)).Should().ContainSingle();
            if (i != 1)
            {
                // Another trace context may be present (a listener elsewhere in the test process), never request 1's.
                echo.ToJsonString().Should().NotContain("0af7651916cd43dd8448eb211c80319c", "an earlier request's trace context must not be sent again");
            }
        }

        backend.Requests.Should().Be(6);
    }

    [Fact]
    public async Task Nothing_of_one_request_body_or_its_content_headers_carries_over_to_the_next_on_reused_outgoing_messages()
    {
        // Requests with a streamed body reuse the outgoing message and body content of an earlier one whose copy
        // succeeded: each request must reach the backend with exactly its own body, framing and content headers.
        await using var backend = await EchoBackend.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(OneRoute(backend.Address));

        for (int i = 0; i < 12; i++)
        {
            int kind = i % 4;
            string text = $"body {i} " + new string('x', i * 7);
            using var request = new HttpRequestMessage(kind switch { 0 => HttpMethod.Post, 1 => HttpMethod.Put, 2 => HttpMethod.Get, _ => HttpMethod.Post }, $"/item/{i}");
            request.Headers.TryAddWithoutValidation($"X-Only-{i}", "1");
            switch (kind)
            {
                case 0:
                    request.Content = new StringContent(text, System.Text.Encoding.UTF8, "text/plain");
                    request.Content.Headers.ContentLanguage.Add($"en-{i}");
                    break;
                case 1:
                    request.Content = new StringContent(text, System.Text.Encoding.UTF8, "application/json");
                    request.Headers.TransferEncodingChunked = true;
                    break;
                case 3:
                    request.Content = new ByteArrayContent([]);
                    break;
            }

            using var response = await gateway.Client.SendAsync(request);
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            var echo = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
            var headers = Headers(echo);
            string? Field(string name) => headers.TryGetPropertyValue(name, out var values) ? string.Join(",", values!.AsArray().Select(v => v!.GetValue<string>())) : null;
            echo["path"]!.GetValue<string>().Should().Be($"/item/{i}");
            echo["body"]!.GetValue<string>().Should().Be(kind is 0 or 1 ? text : "");
            headers.Select(h => h.Key).Where(n => n.StartsWith("x-only-", StringComparison.Ordinal)).Should().Equal($"x-only-{i}");
            Field("content-type").Should().Be(kind switch { 0 => "text/plain; charset=utf-8", 1 => "application/json; charset=utf-8", _ => null });
            Field("content-language").Should().Be(kind == 0 ? $"en-{i}" : null);
            Field("content-length").Should().Be(kind switch { 0 => System.Text.Encoding.UTF8.GetByteCount(text).ToString(System.Globalization.CultureInfo.InvariantCulture), 1 or 2 => null, _ => "0" });
            Field("transfer-encoding").Should().Be(kind == 1 ? "chunked" : null);
        }

        backend.Requests.Should().Be(12);
    }

    [Fact]
    public async Task A_body_cut_off_by_its_client_or_answered_early_by_the_backend_hands_nothing_to_the_next_request()
    {
        await using var backend = await EchoBackend.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(OneRoute(backend.Address));

        // The client announces 100 bytes, sends 10 and goes away: the copy fails on its input side.
        using (var client = new System.Net.Sockets.TcpClient())
        {
            var uri = new Uri(gateway.Address);
            await client.ConnectAsync(uri.Host, uri.Port);
            var stream = client.GetStream();
            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes("POST /cut HTTP/1.1\r\nHost: gw\r\nContent-Type: text/cut\r\nX-Cut: 1\r\nContent-Length: 100\r\n\r\n0123456789"));
            await stream.FlushAsync();
        }

        // The backend answers without waiting for the body.
        var early = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        backend.Override = context =>
        {
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            context.Response.Headers["X-Early"] = "1";
            early.TrySetResult();
            return Task.CompletedTask;
        };
        using (var refused = new HttpRequestMessage(HttpMethod.Post, "/early") { Content = new StringContent(new string('e', 2_000), System.Text.Encoding.UTF8, "text/early") })
        {
            using var response = await gateway.Client.SendAsync(refused);
            response.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        }

        await early.Task.WaitAsync(TimeSpan.FromSeconds(30));
        backend.Override = null;
        for (int i = 0; i < 3; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/after/{i}") { Content = new StringContent($"after {i}") };
            using var response = await gateway.Client.SendAsync(request);
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            var echo = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
            echo["path"]!.GetValue<string>().Should().Be($"/after/{i}");
            echo["body"]!.GetValue<string>().Should().Be($"after {i}");
            var headers = Headers(echo);
            headers.Select(h => h.Key).Should().NotContain("x-cut");
            headers["content-type"]![0]!.GetValue<string>().Should().Be("text/plain; charset=utf-8");
            headers["content-length"]![0]!.GetValue<string>().Should().Be("7");
        }
    }

    [Fact]
    public async Task Hop_by_hop_request_headers_and_every_header_named_in_Connection_are_removed()
    {
        await using var backend = await EchoBackend.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(OneRoute(backend.Address));

        var raw = await RawHttp.SendAsync(gateway.Address,
            "GET /x HTTP/1.1\r\nHost: gw\r\nConnection: X-Hop-A , x-hop-b\r\nX-Hop-A: a\r\nX-Hop-B: b\r\nKeep-Alive: timeout=5\r\n" +
            "Proxy-Connection: keep-alive\r\nTrailer: X-T\r\nUpgrade: h2c\r\nTE: trailers\r\nX-End: kept\r\n\r\n");

        raw.Status.Should().Be(200);
        var headers = Headers(JsonNode.Parse(raw.Body)!.AsObject());
        headers.Select(h => h.Key).Should().NotContain(["connection", "x-hop-a", "x-hop-b", "keep-alive", "proxy-connection", "trailer", "upgrade", "te"]);
        headers["x-end"]![0]!.GetValue<string>().Should().Be("kept");
    }

    [Fact]
    public async Task Hop_by_hop_response_headers_and_those_named_in_the_backends_Connection_are_removed()
    {
        await using var backend = await EchoBackend.StartAsync();
        backend.Override = context =>
        {
            context.Response.Headers["Connection"] = "X-Backend-Hop";
            context.Response.Headers["X-Backend-Hop"] = "1";
            context.Response.Headers["Keep-Alive"] = "timeout=5";
            context.Response.Headers["Proxy-Authenticate"] = "Basic";
            context.Response.Headers["X-Kept"] = "1";
            return Task.CompletedTask;
        };
        await using var gateway = await GatewayHost.StartAsync(OneRoute(backend.Address));

        using var response = await gateway.Client.GetAsync("/x");

        response.Headers.Select(h => h.Key).Should().NotContain(["X-Backend-Hop", "Keep-Alive", "Proxy-Authenticate"]);
        response.Headers.GetValues("X-Kept").Should().Equal("1");
    }

    [Fact]
    public async Task Proxy_Authorization_is_never_forwarded()
    {
        await using var backend = await EchoBackend.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(OneRoute(backend.Address));
        var request = new HttpRequestMessage(HttpMethod.Get, "/x");
        request.Headers.ProxyAuthorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", "dXNlcjpwYXNz");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "end-to-end");

        var headers = Headers((await (await gateway.Client.SendAsync(request)).Content.ReadFromJsonAsync<JsonObject>())!);

        headers.ContainsKey("proxy-authorization").Should().BeFalse();
        headers["authorization"]![0]!.GetValue<string>().Should().Be("Bearer end-to-end", "Authorization is end-to-end");
    }

    [Fact]
    public async Task TE_reaches_an_HTTP2_backend_only_as_trailers_and_an_HTTP11_backend_not_at_all()
    {
        await using var h2 = await EchoBackend.StartAsync("h2", HttpProtocols.Http2);
        await using var h1 = await EchoBackend.StartAsync("h1");
        var settings = OneRoute(h2.Address, "2", "RequestVersionExact");
        settings["Clusters:h1:Destinations:d:Address"] = h1.Address;
        settings["Clusters:h1:HttpClient:RequestVersion"] = "1.1";
        settings["Routes:h1:Match:Path"] = "/h1/{**rest}";
        settings["Routes:h1:Cluster"] = "h1";
        await using var gateway = await GatewayHost.StartAsync(settings);

        async Task<JsonObject> Send(string path, string te)
        {
            var raw = await RawHttp.SendAsync(gateway.Address, $"GET {path} HTTP/1.1\r\nHost: gw\r\nTE: {te}\r\nConnection: TE, close\r\n\r\n");
            raw.Status.Should().Be(200, raw.Text);
            var echo = JsonNode.Parse(raw.Body)!.AsObject();
            echo["protocol"].Should().NotBeNull(raw.Text);
            return echo;
        }

        var toH2 = await Send("/x", "gzip, trailers");
        toH2["protocol"]!.GetValue<string>().Should().Be("HTTP/2");
        Headers(toH2)["te"]![0]!.GetValue<string>().Should().Be("trailers");
        Headers(await Send("/x", "gzip")).ContainsKey("te").Should().BeFalse("only 'trailers' is ever forwarded");
        Headers(await Send("/h1/x", "trailers")).ContainsKey("te").Should().BeFalse("HTTP/1.1 backends get no TE");
    }

    [Fact]
    public async Task A_header_value_with_CR_or_a_folded_line_is_rejected_by_Kestrel_with_400_and_never_reaches_the_backend()
    {
        await using var backend = await EchoBackend.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(OneRoute(backend.Address));

        var bareCr = await RawHttp.SendAsync(gateway.Address, "GET /x HTTP/1.1\r\nHost: gw\r\nX-Evil: a\rInjected: 1\r\nConnection: close\r\n\r\n");
        var folded = await RawHttp.SendAsync(gateway.Address, "GET /x HTTP/1.1\r\nHost: gw\r\nX-Evil: a\r\n Injected: 1\r\nConnection: close\r\n\r\n");
        var nul = await RawHttp.SendAsync(gateway.Address, "GET /x HTTP/1.1\r\nHost: gw\r\nX-Evil: a\0b\r\nConnection: close\r\n\r\n");

        bareCr.Status.Should().Be(400);
        folded.Status.Should().Be(400, "obsolete line folding is rejected (RFC 9112 §5.2)");
        nul.Status.Should().Be(400);
        backend.Requests.Should().Be(0);
    }

    [Fact]
    public async Task A_bare_LF_ends_the_header_line_so_the_backend_sees_two_plain_headers_and_no_value_with_CR_or_LF()
    {
        await using var backend = await EchoBackend.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(OneRoute(backend.Address));

        // RFC 9112 §2.2 lets a recipient treat a bare LF as a line terminator, and Kestrel does.
        var raw = await RawHttp.SendAsync(gateway.Address, "GET /x HTTP/1.1\r\nHost: gw\r\nX-Evil: a\nX-Injected: 1\r\nConnection: close\r\n\r\n");

        raw.Status.Should().Be(200);
        var headers = Headers(JsonNode.Parse(raw.Body)!.AsObject());
        headers["x-evil"]![0]!.GetValue<string>().Should().Be("a");
        headers["x-injected"]![0]!.GetValue<string>().Should().Be("1");
        headers.SelectMany(h => h.Value!.AsArray()).Should().NotContain(v => v!.GetValue<string>().IndexOfAny(new[] { '\r', '\n' }) >= 0);
    }

    [Fact]
    public async Task A_backend_response_header_value_with_NUL_never_reaches_the_client()
    {
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var serve = Task.Run(async () =>
        {
            using var socket = await listener.AcceptTcpClientAsync();
            var stream = socket.GetStream();
            var buffer = new byte[4096];
            int total = 0;
            while (!System.Text.Encoding.Latin1.GetString(buffer, 0, total).Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                total += await stream.ReadAsync(buffer.AsMemory(total));
            }

            // A NUL in a value is as dangerous as CR/LF for header splitting downstream.
            await stream.WriteAsync(System.Text.Encoding.Latin1.GetBytes("HTTP/1.1 200 OK\r\nX-Nul: a\0b\r\nX-Ok: fine\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"));
        });
        await using var gateway = await GatewayHost.StartAsync(OneRoute($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}"));

        using var response = await gateway.Client.GetAsync("/x");
        await serve.WaitAsync(TimeSpan.FromSeconds(10));
        listener.Stop();

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        if (Transport == "EdgeKit")
        {
            // EdgeKit's transport drops a field whose value holds a control character (RFC 9110 §5.5 allows either).
            response.Headers.Contains("X-Nul").Should().BeFalse();
        }
        else
        {
            // HttpClient already replaces a NUL in a response header value with a space; the forwarder would drop the value otherwise.
            response.Headers.GetValues("X-Nul").Should().Equal("a b");
        }

        response.Headers.GetValues("X-Ok").Should().Equal("fine");
    }

    [Fact]
    public async Task A_backends_Content_Length_reaches_the_client_unless_named_in_Connection()
    {
        await using var backend = await EchoBackend.StartAsync();
        backend.Override = async context =>
        {
            if (context.Request.Path == "/sized-but-hop")
            {
                // A backend that names Content-Length in Connection: the length is not passed on, the gateway frames the body.
                context.Response.Headers.Connection = "Content-Length";
            }

            context.Response.ContentLength = 5;
            await context.Response.WriteAsync("hello");
        };
        await using var gateway = await GatewayHost.StartAsync(OneRoute(backend.Address));

        var sized = await RawHttp.SendAsync(gateway.Address, "GET /sized HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n");
        sized.Status.Should().Be(200, sized.Text);
        sized.Text.Should().MatchRegex(@"(?im)^content-length: 5\r$").And.NotMatchRegex(@"(?im)^transfer-encoding:");
        sized.Body.Should().Be("hello");

        var hop = await RawHttp.SendAsync(gateway.Address, "GET /sized-but-hop HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n");
        hop.Status.Should().Be(200, hop.Text);
        hop.Text.Should().NotMatchRegex(@"(?im)^content-length:");
        hop.Body.Should().Be("hello");
    }

    [Fact]
    public async Task A_chunked_HTTP11_response_loses_its_length_and_its_trailers_reach_an_HTTP2_client()
    {
        // Kestrel sends no HTTP/1.1 trailers, so the backend is a raw socket: a chunked body, a trailer, and a
        // Content-Length that must not be trusted beside Transfer-Encoding (RFC 9112 §6.3).
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var serve = Task.Run(async () =>
        {
            using var socket = await listener.AcceptTcpClientAsync();
            var stream = socket.GetStream();
            var buffer = new byte[4096];
            int total = 0;
            while (!System.Text.Encoding.Latin1.GetString(buffer, 0, total).Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                total += await stream.ReadAsync(buffer.AsMemory(total));
            }

            await stream.WriteAsync(System.Text.Encoding.Latin1.GetBytes(
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 999\r\nTrailer: X-Checksum\r\nConnection: close\r\n\r\n" +
                "8\r\nchunk-1;\r\n7\r\nchunk-2\r\n0\r\nX-Checksum: abc\r\n\r\n"));
        });
        await using var gateway = await GatewayHost.StartAsync(OneRoute($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}"), protocols: HttpProtocols.Http2);
        using var client = Http2Client(gateway.Address);

        using var response = await client.GetAsync("/x", HttpCompletionOption.ResponseHeadersRead);
        if (Transport == "EdgeKit")
        {
            // EdgeKit's transport takes the stricter choice RFC 9112 §6.3 allows: both framings at once is an error (502).
            response.StatusCode.Should().Be(HttpStatusCode.BadGateway);
            await serve.WaitAsync(TimeSpan.FromSeconds(10));
            listener.Stop();
            return;
        }

        bool sentLength = response.Content.Headers.NonValidated.Contains("Content-Length");
        string body = await response.Content.ReadAsStringAsync();
        await serve.WaitAsync(TimeSpan.FromSeconds(10));
        listener.Stop();

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        body.Should().Be("chunk-1;chunk-2");
        sentLength.Should().BeFalse();
        response.TrailingHeaders.GetValues("X-Checksum").Should().Equal("abc");
    }

    [Fact]
    public async Task Content_Length_is_dropped_when_Transfer_Encoding_is_present()
    {
        await using var backend = await EchoBackend.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(OneRoute(backend.Address));

        var raw = await RawHttp.SendAsync(gateway.Address,
            "POST /x HTTP/1.1\r\nHost: gw\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n");

        // Kestrel may refuse the ambiguous framing outright; if it accepts it, chunked wins and no Content-Length travels on.
        if (raw.Status == 400)
        {
            backend.Requests.Should().Be(0);
            return;
        }

        raw.Status.Should().Be(200, raw.Text);
        var echo = JsonNode.Parse(raw.Body)!.AsObject();
        echo["body"]!.GetValue<string>().Should().Be("hello");
        Headers(echo).ContainsKey("content-length").Should().BeFalse();
    }

    [Fact]
    public async Task Via_names_the_protocol_received_on_each_side()
    {
        await using var backend = await EchoBackend.StartAsync("h2", HttpProtocols.Http2);
        var settings = OneRoute(backend.Address, "2", "RequestVersionExact");
        settings["Forwarder:Via"] = "edge";
        await using var gateway = await GatewayHost.StartAsync(settings);
        var request = new HttpRequestMessage(HttpMethod.Get, "/x");
        request.Headers.Via.ParseAdd("1.0 client-proxy");

        using var response = await gateway.Client.SendAsync(request);
        var echo = await response.Content.ReadFromJsonAsync<JsonObject>();

        Headers(echo!)["via"]![0]!.GetValue<string>().Should().Be("1.0 client-proxy, 1.1 edge");
        response.Headers.Via.Select(v => v.ToString()).Should().Equal("2 edge");
    }

    [Fact]
    public async Task Expect_100_continue_a_backend_that_rejects_first_means_the_client_body_is_never_sent()
    {
        await using var backend = await EchoBackend.StartAsync();
        var expectSeen = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        backend.Override = context =>
        {
            expectSeen.TrySetResult(context.Request.Headers.Expect);
            context.Response.StatusCode = 401;
            return Task.CompletedTask;
        };
        await using var gateway = await GatewayHost.StartAsync(OneRoute(backend.Address));
        using var client = new HttpClient(new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromSeconds(30) }) { BaseAddress = new Uri(gateway.Address) };
        // Over 1 KiB: for a small body of known length, HttpClient sends it even after an early error status
        // (SocketsHttpHandler's Expect100ErrorSendThreshold), on the client's side as on the gateway's.
        var content = new WatchedContent(new string('s', 64 * 1024));
        var request = new HttpRequestMessage(HttpMethod.Post, "/upload") { Content = content };
        request.Headers.ExpectContinue = true;

        using var response = await client.SendAsync(request).WaitAsync(TimeSpan.FromSeconds(20));

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await expectSeen.Task).Should().Be("100-continue");
        content.Sent.Should().BeFalse("the backend answered before asking for the body, and the gateway passed that on");
    }

    [Fact]
    public async Task Expect_100_continue_a_backend_that_accepts_receives_the_body()
    {
        await using var backend = await EchoBackend.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(OneRoute(backend.Address));
        using var client = new HttpClient(new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromSeconds(30) }) { BaseAddress = new Uri(gateway.Address) };
        var content = new WatchedContent(new string('b', 64 * 1024));
        var request = new HttpRequestMessage(HttpMethod.Post, "/upload") { Content = content };
        request.Headers.ExpectContinue = true;

        using var response = await client.SendAsync(request).WaitAsync(TimeSpan.FromSeconds(20));
        var echo = await response.Content.ReadFromJsonAsync<JsonObject>();

        echo!["bodyLength"]!.GetValue<long>().Should().Be(64 * 1024);
        Headers(echo)["expect"]![0]!.GetValue<string>().Should().Be("100-continue");
        content.Sent.Should().BeTrue();
    }

    [Fact]
    public async Task Response_trailers_pass_from_an_HTTP2_backend_to_an_HTTP2_client()
    {
        await using var backend = await EchoBackend.StartAsync("h2", HttpProtocols.Http2);
        backend.Override = async context =>
        {
            context.Response.DeclareTrailer("grpc-status");
            await context.Response.WriteAsync("payload");
            context.Response.AppendTrailer("grpc-status", "0");
            context.Response.AppendTrailer("grpc-message", "all good");
        };
        await using var gateway = await GatewayHost.StartAsync(OneRoute(backend.Address, "2", "RequestVersionExact"), protocols: HttpProtocols.Http2);
        using var client = Http2Client(gateway.Address);

        using var response = await client.GetAsync("/x");
        (await response.Content.ReadAsStringAsync()).Should().Be("payload");

        response.Version.Should().Be(HttpVersion.Version20);
        response.TrailingHeaders.GetValues("grpc-status").Should().Equal("0");
        response.TrailingHeaders.GetValues("grpc-message").Should().Equal("all good");
    }

    [Fact]
    public async Task A_client_that_goes_away_cancels_the_backend_request()
    {
        await using var backend = await EchoBackend.StartAsync();
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        backend.Override = async context =>
        {
            context.RequestAborted.Register(() => aborted.TrySetResult());
            arrived.TrySetResult();
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        };
        await using var gateway = await GatewayHost.StartAsync(OneRoute(backend.Address));
        using var cancel = new CancellationTokenSource();

        var call = gateway.Client.GetAsync("/slow", cancel.Token);
        await arrived.Task.WaitAsync(TimeSpan.FromSeconds(10));
        cancel.Cancel();

        await aborted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await FluentActions.Awaiting(() => call).Should().ThrowAsync<OperationCanceledException>();
    }

    [Fact]
    public async Task A_backend_that_aborts_before_answering_is_502_and_one_that_aborts_mid_body_cuts_the_client()
    {
        await using var backend = await EchoBackend.StartAsync();
        var headersSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        backend.Override = async context =>
        {
            if (context.Request.Path == "/mid")
            {
                context.Response.ContentLength = 100;
                await context.Response.WriteAsync("part");
                await context.Response.Body.FlushAsync();
                await headersSeen.Task.WaitAsync(TimeSpan.FromSeconds(10));
            }

            context.Abort();
        };
        await using var gateway = await GatewayHost.StartAsync(OneRoute(backend.Address));

        using var before = await gateway.Client.GetAsync("/before");
        before.StatusCode.Should().Be(HttpStatusCode.BadGateway);
        before.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");

        using var mid = await gateway.Client.GetAsync("/mid", HttpCompletionOption.ResponseHeadersRead);
        mid.StatusCode.Should().Be(HttpStatusCode.OK);
        headersSeen.SetResult();
        await FluentActions.Awaiting(() => mid.Content.ReadAsStringAsync()).Should().ThrowAsync<HttpRequestException>();
    }

    [Fact]
    public async Task The_route_timeout_overrides_the_default_on_the_fake_clock()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var backend = await EchoBackend.StartAsync();
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        backend.Override = async context =>
        {
            arrived.TrySetResult();
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        };
        var settings = OneRoute(backend.Address);
        settings["Forwarder:DefaultTimeout"] = "00:10:00";
        settings["Routes:r:Timeout"] = "00:00:05";
        await using var gateway = await GatewayHost.StartAsync(settings, b => b.Services.AddSingleton<TimeProvider>(time));

        var call = gateway.Client.GetAsync("/slow");
        await arrived.Task.WaitAsync(TimeSpan.FromSeconds(10));
        time.Advance(TimeSpan.FromSeconds(4.9));
        call.IsCompleted.Should().BeFalse();
        time.Advance(TimeSpan.FromSeconds(0.1));
        using var response = await call.WaitAsync(TimeSpan.FromSeconds(10));

        response.StatusCode.Should().Be(HttpStatusCode.GatewayTimeout);
    }

    [Fact]
    public async Task The_route_body_limit_answers_413_before_the_backend_and_other_routes_keep_the_server_limit()
    {
        await using var backend = await EchoBackend.StartAsync();
        var settings = OneRoute(backend.Address);
        settings["Routes:small:Match:Path"] = "/small/{**rest}";
        settings["Routes:small:Cluster"] = "c";
        settings["Routes:small:MaxRequestBodySize"] = "4";
        await using var gateway = await GatewayHost.StartAsync(settings);

        var small = await RawHttp.SendAsync(gateway.Address, "POST /small/x HTTP/1.1\r\nHost: gw\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");
        var chunked = await RawHttp.SendAsync(gateway.Address, "POST /small/x HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n");
        using var other = await gateway.Client.PostAsync("/other", new StringContent("hello"));

        small.Status.Should().Be(413);
        chunked.Status.Should().Be(413);
        other.StatusCode.Should().Be(HttpStatusCode.OK);
        // A chunked body streams until the limit is hit, so the backend may see the request start, but never more than 4 bytes.
        backend.Received.Should().NotContain(r => r["path"]!.GetValue<string>() == "/small/x" && r["bodyLength"]!.GetValue<long>() > 4);
    }

    [Theory]
    [InlineData(HttpProtocols.Http1, "1.1", null, "HTTP/1.1")]
    [InlineData(HttpProtocols.Http2, "2", "RequestVersionExact", "HTTP/2")]
    [InlineData(HttpProtocols.Http1, "2", "RequestVersionOrLower", "HTTP/1.1")]
    public async Task HTTP11_and_h2c_backends_are_spoken_to_as_configured(HttpProtocols backendProtocols, string version, string? policy, string expected)
    {
        await using var backend = await EchoBackend.StartAsync("b", backendProtocols);
        await using var gateway = await GatewayHost.StartAsync(OneRoute(backend.Address, version, policy));

        using var response = await gateway.Client.PostAsync("/x?q=1", new StringContent(new string('z', 100_000)));
        var echo = await response.Content.ReadFromJsonAsync<JsonObject>();

        echo!["protocol"]!.GetValue<string>().Should().Be(expected);
        echo["bodyLength"]!.GetValue<long>().Should().Be(100_000);
        echo["rawTarget"]!.GetValue<string>().Should().Be("/x?q=1");
    }

    [Fact]
    public async Task An_HTTP2_client_reaches_an_HTTP11_backend()
    {
        await using var backend = await EchoBackend.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(OneRoute(backend.Address), protocols: HttpProtocols.Http2);
        using var client = Http2Client(gateway.Address);

        using var response = await client.PostAsync("/x", new StringContent("h2 in"));
        var echo = await response.Content.ReadFromJsonAsync<JsonObject>();

        response.Version.Should().Be(HttpVersion.Version20);
        echo!["protocol"]!.GetValue<string>().Should().Be("HTTP/1.1");
        echo["body"]!.GetValue<string>().Should().Be("h2 in");
    }

    [Fact]
    public async Task A_TLS_backend_that_requires_a_client_certificate_gets_the_clusters_certificate()
    {
        string directory = Directory.CreateTempSubdirectory("edgekit-mtls-").FullName;
        try
        {
            using var serverCert = CreateCertificate("CN=localhost");
            using var clientCert = CreateCertificate("CN=edgekit-gateway");
            string clientPath = Path.Combine(directory, "client.pfx");
            await File.WriteAllBytesAsync(clientPath, clientCert.Export(X509ContentType.Pfx, "pw"));

            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.UseHttps(new HttpsConnectionAdapterOptions
            {
                ServerCertificate = serverCert,
                ClientCertificateMode = ClientCertificateMode.RequireCertificate,
                ClientCertificateValidation = (_, _, _) => true,
            })));
            await using var tlsBackend = builder.Build();
            tlsBackend.Run(async context =>
            {
                var cert = await context.Connection.GetClientCertificateAsync();
                await context.Response.WriteAsync(cert?.Subject ?? "none");
            });
            await tlsBackend.StartAsync();
            string address = tlsBackend.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

            var settings = OneRoute(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/'));
            settings["Clusters:c:HttpClient:DangerousAcceptAnyServerCertificate"] = "true";
            settings["Clusters:c:HttpClient:ClientCertificatePath"] = clientPath;
            settings["Clusters:c:HttpClient:ClientCertificatePassword"] = "pw";
            await using var gateway = await GatewayHost.StartAsync(settings);

            using var response = await gateway.Client.GetAsync("/x");

            response.StatusCode.Should().Be(HttpStatusCode.OK);
            (await response.Content.ReadAsStringAsync()).Should().Be("CN=edgekit-gateway");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    internal static X509Certificate2 CreateCertificate(string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        // Kestrel on Linux needs the key in an exportable form: round-trip through PFX.
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null);
    }

    /// <summary>A body that records whether HttpClient ever asked for it.</summary>
    private sealed class WatchedContent(string text) : HttpContent
    {
        private readonly byte[] _bytes = System.Text.Encoding.UTF8.GetBytes(text);

        public bool Sent { get; private set; }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            Sent = true;
            await stream.WriteAsync(_bytes);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = _bytes.Length;
            return true;
        }
    }
}
