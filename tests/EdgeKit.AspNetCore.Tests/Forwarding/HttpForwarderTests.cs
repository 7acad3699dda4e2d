using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using EdgeKit.AspNetCore.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace EdgeKit.AspNetCore.Tests.Forwarding;

public sealed class HttpForwarderTests
{
    private static Dictionary<string, string?> OneRoute(string address, string path = "/{**rest}") => new()
    {
        ["Clusters:c:Destinations:d:Address"] = address,
        ["Clusters:c:HttpClient:RequestVersion"] = "1.1",
        ["Routes:r:Match:Path"] = path,
        ["Routes:r:Cluster"] = "c",
    };

    [Fact]
    public async Task Method_path_query_headers_and_body_reach_the_backend_as_sent()
    {
        await using var backend = await EchoBackend.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(OneRoute(backend.Address));
        var request = new HttpRequestMessage(HttpMethod.Put, "/items/a%20b/c?x=1&y=%2F")
        {
            Content = new StringContent("{\"name\":\"é\"}", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Custom", ["one", "two"]);

        using var response = await gateway.Client.SendAsync(request);
        var echo = await response.Content.ReadFromJsonAsync<JsonObject>();

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        echo!["method"]!.GetValue<string>().Should().Be("PUT");
        echo["rawTarget"]!.GetValue<string>().Should().Be("/items/a%20b/c?x=1&y=%2F");
        echo["body"]!.GetValue<string>().Should().Be("{\"name\":\"é\"}");
        echo["headers"]!["x-custom"]!.AsArray().Select(v => v!.GetValue<string>()).Should().Equal("one, two");
        echo["headers"]!["content-type"]![0]!.GetValue<string>().Should().Be("application/json; charset=utf-8");
        echo["headers"]!["content-length"]![0]!.GetValue<string>().Should().Be("13");
        response.Headers.GetValues("X-Backend").Should().Equal("echo");
    }

    [Fact]
    public async Task An_encoded_slash_stays_encoded_and_dot_segments_never_reach_the_backend()
    {
        await using var backend = await EchoBackend.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(OneRoute(backend.Address, "/files/{**rest}"));

        var encoded = await gateway.Client.GetFromJsonAsync<JsonObject>("/files/a%2Fb");
        encoded!["rawTarget"]!.GetValue<string>().Should().Be("/files/a%2Fb");

        var traversal = await RawHttp.SendAsync(gateway.Address, "GET /files/%2e%2e/%2e%2e/admin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        traversal.Status.Should().Be(404, "the normalised path /admin matches no route");
        var inside = await RawHttp.SendAsync(gateway.Address, "GET /files/a/../b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        inside.Status.Should().Be(200);
        JsonNode.Parse(inside.Body)!["rawTarget"]!.GetValue<string>().Should().Be("/files/b");
        backend.Requests.Should().Be(2);
    }

    [Fact]
    public async Task Hop_by_hop_headers_and_every_header_named_in_Connection_are_removed()
    {
        await using var backend = await EchoBackend.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(OneRoute(backend.Address));
        var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Connection.Add("X-Forwarded-For");
        request.Headers.Connection.Add("X-Secret");
        request.Headers.Add("X-Forwarded-For", "10.0.0.1");
        request.Headers.Add("X-Secret", "s");
        request.Headers.Add("Keep-Alive", "timeout=5");
        request.Headers.Add("Proxy-Authorization", "Basic Zm9vOmJhcg==");
        request.Headers.Add("Proxy-Connection", "keep-alive");
        request.Headers.TE.ParseAdd("trailers");
        request.Headers.Add("X-Kept", "yes");

        using var response = await gateway.Client.SendAsync(request);
        var headers = (await response.Content.ReadFromJsonAsync<JsonObject>())!["headers"]!.AsObject();

        headers.Select(h => h.Key).Should().NotContain(["x-secret", "keep-alive", "proxy-authorization", "proxy-connection", "te", "connection"]);
        headers["x-forwarded-for"]![0]!.GetValue<string>().Should().Be("127.0.0.1", "the client's value is hop-by-hop (listed in Connection); the gateway writes its own");
        headers["x-kept"]![0]!.GetValue<string>().Should().Be("yes");
    }

    [Fact]
    public async Task Backend_response_status_headers_and_body_reach_the_client_and_hop_by_hop_ones_do_not()
    {
        await using var backend = await EchoBackend.StartAsync();
        backend.Override = async context =>
        {
            context.Response.StatusCode = 201;
            context.Response.Headers["Connection"] = "X-Internal";
            context.Response.Headers["X-Internal"] = "hidden";
            context.Response.Headers["Keep-Alive"] = "timeout=5";
            context.Response.Headers.Append("Set-Cookie", "a=1");
            context.Response.Headers.Append("Set-Cookie", "b=2");
            context.Response.Headers.ETag = "\"v1\"";
            await context.Response.WriteAsync(new string('x', 200_000));
        };
        await using var gateway = await GatewayHost.StartAsync(OneRoute(backend.Address));

        using var response = await gateway.Client.GetAsync("/");

        response.StatusCode.Should().Be(HttpStatusCode.Created);
        response.Headers.Contains("X-Internal").Should().BeFalse();
        response.Headers.Contains("Keep-Alive").Should().BeFalse();
        response.Headers.GetValues("Set-Cookie").Should().Equal("a=1", "b=2");
        response.Headers.ETag!.Tag.Should().Be("\"v1\"");
        (await response.Content.ReadAsStringAsync()).Should().Be(new string('x', 200_000));
    }

    [Fact]
    public async Task Via_is_added_both_ways_when_configured()
    {
        await using var backend = await EchoBackend.StartAsync();
        var settings = OneRoute(backend.Address);
        settings["Forwarder:Via"] = "edgekit";
        await using var gateway = await GatewayHost.StartAsync(settings);

        using var response = await gateway.Client.GetAsync("/");
        var echo = await response.Content.ReadFromJsonAsync<JsonObject>();

        echo!["headers"]!["via"]![0]!.GetValue<string>().Should().Be("1.1 edgekit");
        response.Headers.Via.Select(v => v.ToString()).Should().Equal("1.1 edgekit");
    }

    [Fact]
    public async Task No_available_destination_is_503_problem_json()
    {
        await using var backend = await EchoBackend.StartAsync();
        var settings = OneRoute(backend.Address);
        await using var gateway = await GatewayHost.StartAsync(settings);
        var cluster = gateway.Services.GetRequiredService<EdgeKit.Destinations.ClusterRegistry>().GetCluster("c");
        cluster.SetHealth(cluster.Snapshot.AllDestinations[0], EdgeKit.Destinations.DestinationHealth.Unhealthy);
        cluster.UpdateHealth(new EdgeKit.Configuration.HealthOptions { PanicThreshold = 0 });

        using var response = await gateway.Client.GetAsync("/x");

        await ShouldBeProblem(response, HttpStatusCode.ServiceUnavailable, "urn:edgekit:problem:no-available-destination", "No instance of the route's service is available.");
        backend.Requests.Should().Be(0);
    }

    [Fact]
    public async Task A_destination_that_refuses_connections_is_502_problem_json_without_its_address()
    {
        await using var backend = await EchoBackend.StartAsync();
        string address = backend.Address;
        await backend.StopAsync();
        await using var gateway = await GatewayHost.StartAsync(OneRoute(address));

        using var response = await gateway.Client.GetAsync("/x");

        var body = await ShouldBeProblem(response, HttpStatusCode.BadGateway, "urn:edgekit:problem:backend-unreachable", "The service could not be reached.");
        body.Should().NotContain("127.0.0.1").And.NotContain(new Uri(address).Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        gateway.Logs.Entries.Should().Contain(e => e.EventId == 1404);
    }

    [Fact]
    public async Task A_backend_that_does_not_answer_within_the_route_timeout_is_504_on_the_fake_clock()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var backend = await EchoBackend.StartAsync();
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        backend.Override = async context =>
        {
            arrived.TrySetResult();
            await release.Task.WaitAsync(context.RequestAborted);
        };
        var settings = OneRoute(backend.Address);
        settings["Routes:r:Timeout"] = "00:00:30";
        await using var gateway = await GatewayHost.StartAsync(settings, b => b.Services.AddSingleton<TimeProvider>(time));

        var call = gateway.Client.GetAsync("/slow");
        await arrived.Task.WaitAsync(TimeSpan.FromSeconds(10));
        time.Advance(TimeSpan.FromSeconds(29));
        call.IsCompleted.Should().BeFalse();
        time.Advance(TimeSpan.FromSeconds(1));
        using var response = await call.WaitAsync(TimeSpan.FromSeconds(10));

        await ShouldBeProblem(response, HttpStatusCode.GatewayTimeout, "urn:edgekit:problem:gateway-timeout", "The service did not answer in time.");
        release.TrySetResult();
    }

    [Fact]
    public async Task A_body_over_the_route_limit_is_413_and_never_reaches_the_backend()
    {
        await using var backend = await EchoBackend.StartAsync();
        var settings = OneRoute(backend.Address);
        settings["Routes:r:MaxRequestBodySize"] = "10";
        await using var gateway = await GatewayHost.StartAsync(settings);

        using var response = await gateway.Client.PostAsync("/upload", new ByteArrayContent(new byte[11]));

        await ShouldBeProblem(response, HttpStatusCode.RequestEntityTooLarge, "urn:edgekit:problem:request-body-too-large", "The request body may be at most 10 bytes.");
        backend.Requests.Should().Be(0);
    }

    [Fact]
    public async Task A_chunked_body_over_the_route_limit_is_413()
    {
        await using var backend = await EchoBackend.StartAsync();
        backend.Override = async context =>
        {
            // Reads the body the gateway streams; the gateway stops it at the limit.
            await context.Request.Body.CopyToAsync(Stream.Null);
            context.Response.StatusCode = 200;
        };
        var settings = OneRoute(backend.Address);
        settings["Routes:r:MaxRequestBodySize"] = "1000";
        await using var gateway = await GatewayHost.StartAsync(settings);
        var content = new StreamContent(new MemoryStream(new byte[5000]));
        var request = new HttpRequestMessage(HttpMethod.Post, "/upload") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var response = await gateway.Client.SendAsync(request);

        await ShouldBeProblem(response, HttpStatusCode.RequestEntityTooLarge, "urn:edgekit:problem:request-body-too-large", "The request body may be at most 1000 bytes.");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_body_over_the_servers_limit_on_a_route_without_one_is_413_naming_the_servers_limit(bool chunked)
    {
        await using var backend = await EchoBackend.StartAsync();
        backend.Override = async context =>
        {
            await context.Request.Body.CopyToAsync(Stream.Null);
            context.Response.StatusCode = 200;
        };
        await using var gateway = await GatewayHost.StartAsync(
            OneRoute(backend.Address),
            builder => builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = 2000));
        var request = new HttpRequestMessage(HttpMethod.Post, "/upload") { Content = new StreamContent(new MemoryStream(new byte[5000])) };
        if (chunked)
        {
            request.Headers.TransferEncodingChunked = true;
        }
        else
        {
            request.Content.Headers.ContentLength = 5000;
        }

        using var response = await gateway.Client.SendAsync(request);

        await ShouldBeProblem(response, HttpStatusCode.RequestEntityTooLarge, "urn:edgekit:problem:request-body-too-large", "The request body is larger than the server accepts (at most 2000 bytes).");
    }

    [Fact]
    public async Task A_streamed_response_reaches_the_client_before_the_backend_finishes()
    {
        await using var backend = await EchoBackend.StartAsync();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        backend.Override = async context =>
        {
            context.Response.ContentType = "text/event-stream";
            await context.Response.WriteAsync("data: first\n\n");
            await context.Response.Body.FlushAsync();
            await release.Task.WaitAsync(TimeSpan.FromSeconds(20));
            await context.Response.WriteAsync("data: second\n\n");
        };
        await using var gateway = await GatewayHost.StartAsync(OneRoute(backend.Address));

        using var response = await gateway.Client.GetAsync("/events", HttpCompletionOption.ResponseHeadersRead);
        var stream = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[64];
        int read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        System.Text.Encoding.UTF8.GetString(buffer, 0, read).Should().Be("data: first\n\n");
        release.SetResult();
        (await new StreamReader(stream).ReadToEndAsync()).Should().Be("data: second\n\n");
    }

    [Fact]
    public async Task A_backend_that_dies_mid_body_aborts_the_client_response_rather_than_completing_it()
    {
        await using var backend = await EchoBackend.StartAsync();
        var headersSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        backend.Override = async context =>
        {
            context.Response.ContentLength = 1000;
            await context.Response.WriteAsync("partial");
            await context.Response.Body.FlushAsync();
            await headersSeen.Task.WaitAsync(TimeSpan.FromSeconds(10));
            context.Abort();
        };
        await using var gateway = await GatewayHost.StartAsync(OneRoute(backend.Address));

        using var response = await gateway.Client.GetAsync("/", HttpCompletionOption.ResponseHeadersRead);
        response.Content.Headers.ContentLength.Should().Be(1000);
        headersSeen.SetResult();
        var read = async () => await response.Content.ReadAsStringAsync();

        await read.Should().ThrowAsync<HttpRequestException>(string.Join("\n", gateway.Logs.Entries.Select(e => $"{e.EventId} {e.Message}")));
    }

    private static async Task<string> ShouldBeProblem(HttpResponseMessage response, HttpStatusCode status, string type, string detail)
    {
        string body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(status, body);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        var problem = JsonNode.Parse(body)!.AsObject();
        problem["type"]!.GetValue<string>().Should().Be(type);
        problem["status"]!.GetValue<int>().Should().Be((int)status);
        problem["detail"]!.GetValue<string>().Should().Be(detail);
        problem["traceId"]!.GetValue<string>().Should().NotBeNullOrEmpty();
        return body;
    }
}
