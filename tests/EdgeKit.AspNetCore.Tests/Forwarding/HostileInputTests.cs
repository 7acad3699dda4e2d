using System.Text.Json.Nodes;
using EdgeKit.AspNetCore.Tests.Infrastructure;

namespace EdgeKit.AspNetCore.Tests.Forwarding;

/// <summary>
/// Malformed and malicious requests (issue 4's hostile input list), sent byte for byte over TCP: each is answered
/// correctly, and the backend's record (<see cref="EchoBackend.Requests"/>, <see cref="EchoBackend.Received"/>) shows
/// that nothing unintended reached it.
/// </summary>
public class HostileInputTests
{
    /// <summary>The cluster's <c>HttpClient:Transport</c>; <c>SocketsHttpHandler</c> here, pinned: the default (<c>Auto</c>) is EdgeKit's for these clusters (see <see cref="Transport.HostileInputOnEdgeKitTransportTests"/>).</summary>
    protected virtual string? Transport => "SocketsHttpHandler";

    /// <summary>Changes the gateway's host before it starts (<see cref="Transport.EpollKestrelHostileInputTests"/> puts its Kestrel on EdgeKit's socket transport).</summary>
    protected virtual Action<Microsoft.AspNetCore.Builder.WebApplicationBuilder>? ConfigureGateway => null;

    private Dictionary<string, string?> Routes(string address) => RoutesOn(address).OnTransport(Transport);

    private static Dictionary<string, string?> RoutesOn(string address) => new()
    {
        ["Clusters:c:Destinations:d:Address"] = address,
        ["Clusters:c:HttpClient:RequestVersion"] = "1.1",
        ["Routes:files:Match:Path"] = "/files/{**rest}",
        ["Routes:files:Cluster"] = "c",
        ["Routes:api:Match:Path"] = "/api/{**rest}",
        ["Routes:api:Cluster"] = "c",
        ["Routes:api:Transforms:0:PathRemovePrefix"] = "/api",
    };

    private async Task<(EchoBackend Backend, GatewayHost Gateway)> StartAsync()
    {
        var backend = await EchoBackend.StartAsync();
        return (backend, await GatewayHost.StartAsync(Routes(backend.Address), ConfigureGateway));
    }

    private static Task<RawResponse> Send(GatewayHost gateway, string head, string body = "") =>
        RawHttp.SendAsync(gateway.Address, head + "\r\n" + body);

    private static JsonObject Echo(RawResponse response) => JsonNode.Parse(response.Body)!.AsObject();

    [Fact]
    public async Task Oversized_headers_are_431_and_never_reach_the_backend()
    {
        var (backend, gateway) = await StartAsync();
        await using var _ = backend;
        await using var __ = gateway;

        var huge = await Send(gateway, $"GET /files/a HTTP/1.1\r\nHost: gw\r\nX-Big: {new string('a', 40 * 1024)}\r\nConnection: close\r\n");
        var many = await Send(gateway, "GET /files/a HTTP/1.1\r\nHost: gw\r\n" + string.Concat(Enumerable.Range(0, 150).Select(i => $"X-H{i}: v\r\n")) + "Connection: close\r\n");

        huge.Status.Should().Be(431);
        many.Status.Should().Be(431);
        backend.Requests.Should().Be(0);
    }

    [Theory]
    [InlineData("Content-Length: abc")]
    [InlineData("Content-Length: -1")]
    [InlineData("Content-Length: 1e3")]
    [InlineData("Content-Length: 5\r\nContent-Length: 6")]
    [InlineData("Content-Length: 5, 6")]
    public async Task An_invalid_Content_Length_is_400_and_never_reaches_the_backend(string header)
    {
        var (backend, gateway) = await StartAsync();
        await using var _ = backend;
        await using var __ = gateway;

        var response = await Send(gateway, $"POST /files/a HTTP/1.1\r\nHost: gw\r\n{header}\r\nConnection: close\r\n", "hello");

        response.Status.Should().Be(400);
        backend.Requests.Should().Be(0);
    }

    [Fact]
    public async Task Content_Length_with_chunked_cannot_smuggle_a_second_request_to_the_backend()
    {
        var (backend, gateway) = await StartAsync();
        await using var _ = backend;
        await using var __ = gateway;
        const string smuggled = "GET /files/smuggled HTTP/1.1\r\nHost: gw\r\n\r\n";

        var response = await Send(gateway, $"POST /files/a HTTP/1.1\r\nHost: gw\r\nContent-Length: {5 + smuggled.Length}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n",
            "0\r\n\r\n" + smuggled);

        // Kestrel either refuses the framing (400) or lets chunked win; the backend then gets a request framed by the
        // gateway, with an empty body and no Content-Length, and never the smuggled request inside a body.
        response.Status.Should().BeOneOf(200, 400);
        backend.Received.Should().NotContain(r => r["body"]!.GetValue<string>().Contains("smuggled", StringComparison.Ordinal));
        backend.Received.Where(r => r["path"]!.GetValue<string>() == "/files/a")
            .Should().AllSatisfy(r => r["headers"]!.AsObject().ContainsKey("content-length").Should().BeFalse());
    }

    [Theory]
    [InlineData("Transfer-Encoding: identity")]
    [InlineData("Transfer-Encoding: chunked, gzip")]
    [InlineData("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked")]
    public async Task A_Transfer_Encoding_whose_last_coding_is_not_chunked_is_400(string header)
    {
        var (backend, gateway) = await StartAsync();
        await using var _ = backend;
        await using var __ = gateway;

        var response = await Send(gateway, $"POST /files/a HTTP/1.1\r\nHost: gw\r\n{header}\r\nConnection: close\r\n", "5\r\nhello\r\n0\r\n\r\n");

        if (header.EndsWith("chunked", StringComparison.Ordinal))
        {
            // A repeated chunked is still chunked-last: accepted, and re-framed by the gateway.
            response.Status.Should().BeOneOf(200, 400);
            return;
        }

        response.Status.Should().Be(400);
        backend.Requests.Should().Be(0);
    }

    [Theory]
    [InlineData("/files/../admin", 404, null)]
    [InlineData("/files/%2e%2e/admin", 404, null)]
    [InlineData("/files/%2E%2E/%2e%2e/etc/passwd", 404, null)]
    [InlineData("/files/a/../../admin", 404, null)]
    [InlineData("/files/a/%2e%2e/b", 200, "/files/b")]
    [InlineData("/files/..%2fadmin", 200, "/files/..%2fadmin")]
    [InlineData("/files/%2f..%2f..%2fadmin", 200, "/files/%2f..%2f..%2fadmin")]
    [InlineData("/api/%2e%2e/admin", 404, null)]
    [InlineData("/api/..%2fadmin", 200, "/..%2fadmin")]
    public async Task Path_traversal_is_normalised_before_routing_and_an_encoded_slash_never_becomes_a_separator(string target, int status, string? backendTarget)
    {
        var (backend, gateway) = await StartAsync();
        await using var _ = backend;
        await using var __ = gateway;

        var response = await Send(gateway, $"GET {target} HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n");

        response.Status.Should().Be(status, response.Text);
        if (backendTarget is null)
        {
            backend.Requests.Should().Be(0);
        }
        else
        {
            Echo(response)["rawTarget"]!.GetValue<string>().Should().Be(backendTarget);
        }
    }

    [Fact]
    public async Task An_absolute_form_target_naming_another_host_still_goes_to_the_destination()
    {
        var (backend, gateway) = await StartAsync();
        await using var _ = backend;
        await using var __ = gateway;

        var response = await Send(gateway, "GET http://internal.admin/files/x HTTP/1.1\r\nHost: internal.admin\r\nConnection: close\r\n");

        response.Status.Should().Be(200, response.Text);
        var echo = Echo(response);
        echo["rawTarget"]!.GetValue<string>().Should().Be("/files/x");
        echo["headers"]!["host"]![0]!.GetValue<string>().Should().Be(new Uri(backend.Address).Authority);
    }

    [Fact]
    public async Task CR_LF_or_NUL_in_a_header_value_is_400_and_never_reaches_the_backend()
    {
        var (backend, gateway) = await StartAsync();
        await using var _ = backend;
        await using var __ = gateway;

        var cr = await Send(gateway, "GET /files/a HTTP/1.1\r\nHost: gw\r\nX-Evil: a\r\rX-Forwarded-For: 1.2.3.4\r\nConnection: close\r\n");
        var crlfSpace = await Send(gateway, "GET /files/a HTTP/1.1\r\nHost: gw\r\nX-Evil: a\r\n X-Forwarded-For: 1.2.3.4\r\nConnection: close\r\n");
        var nul = await Send(gateway, "GET /files/a HTTP/1.1\r\nHost: gw\r\nX-Evil: a\0\r\nConnection: close\r\n");
        var badHost = await Send(gateway, "GET /files/a HTTP/1.1\r\nHost: gw\"evil\r\nConnection: close\r\n");
        var twoHosts = await Send(gateway, "GET /files/a HTTP/1.1\r\nHost: gw\r\nHost: other\r\nConnection: close\r\n");

        new[] { cr, crlfSpace, nul, badHost, twoHosts }.Select(r => r.Status).Should().AllBeEquivalentTo(400);
        backend.Requests.Should().Be(0);
    }

    [Fact]
    public async Task Listing_X_Forwarded_For_in_Connection_cannot_strip_the_gateways_own()
    {
        var (backend, gateway) = await StartAsync();
        await using var _ = backend;
        await using var __ = gateway;

        var alone = await Send(gateway, "GET /files/a HTTP/1.1\r\nHost: gw\r\nConnection: X-Forwarded-For, X-Forwarded-Proto\r\nX-Forwarded-For: 6.6.6.6\r\nX-Forwarded-Proto: https\r\n");
        var besideClose = await Send(gateway, "GET /files/a HTTP/1.1\r\nHost: gw\r\nConnection: close, X-Forwarded-For\r\nX-Forwarded-For: 6.6.6.6\r\n");

        foreach (var response in new[] { alone, besideClose })
        {
            var headers = Echo(response)["headers"]!.AsObject();
            headers["x-forwarded-for"]![0]!.GetValue<string>().Should().Be("127.0.0.1");
            headers["x-forwarded-proto"]![0]!.GetValue<string>().Should().Be("http");
        }
    }

    [Fact]
    public async Task A_known_proxy_listing_X_Forwarded_For_in_Connection_loses_its_value_but_not_the_gateways()
    {
        await using var backend = await EchoBackend.StartAsync();
        var settings = Routes(backend.Address);
        settings["ForwardedHeaders:KnownProxies:0"] = "127.0.0.1";
        await using var gateway = await GatewayHost.StartAsync(settings, ConfigureGateway);

        var listed = await Send(gateway, "GET /files/a HTTP/1.1\r\nHost: gw\r\nConnection: X-Forwarded-For\r\nX-Forwarded-For: 6.6.6.6\r\n");
        var kept = await Send(gateway, "GET /files/a HTTP/1.1\r\nHost: gw\r\nX-Forwarded-For: 6.6.6.6\r\nConnection: close\r\n");

        Echo(listed)["headers"]!["x-forwarded-for"]![0]!.GetValue<string>().Should().Be("127.0.0.1");
        Echo(kept)["headers"]!["x-forwarded-for"]![0]!.GetValue<string>().Should().Be("6.6.6.6, 127.0.0.1");
    }

    [Fact]
    public async Task Listing_Content_Length_in_Connection_does_not_corrupt_the_forwarded_body()
    {
        var (backend, gateway) = await StartAsync();
        await using var _ = backend;
        await using var __ = gateway;

        var response = await Send(gateway, "POST /files/a HTTP/1.1\r\nHost: gw\r\nConnection: Content-Length, Host\r\nContent-Length: 5\r\n", "hello");

        response.Status.Should().Be(200, response.Text);
        var echo = Echo(response);
        echo["body"]!.GetValue<string>().Should().Be("hello");
        echo["headers"]!["host"]![0]!.GetValue<string>().Should().Be(new Uri(backend.Address).Authority);
    }

    [Fact]
    public async Task Kestrel_reduces_a_Connection_header_that_holds_close_or_keep_alive_to_that_token_so_the_other_tokens_are_not_seen()
    {
        // A known limitation below the gateway: Kestrel keeps only 'close' / 'keep-alive' / 'upgrade' from such a
        // Connection header, so a header listed beside them cannot be recognised as hop-by-hop and is forwarded.
        // Gateway-owned headers (X-Forwarded-*, Host, Forwarded) are rewritten regardless (see the test above). When
        // Kestrel keeps the whole value, this test fails: then assert that x-secret is removed.
        var (backend, gateway) = await StartAsync();
        await using var _ = backend;
        await using var __ = gateway;

        var response = await Send(gateway, "GET /files/a HTTP/1.1\r\nHost: gw\r\nConnection: close, X-Secret\r\nX-Secret: s\r\n");

        Echo(response)["headers"]!["x-secret"]![0]!.GetValue<string>().Should().Be("s");
    }
}
