using System.Net;
using System.Text.Json.Nodes;
using EdgeKit.AspNetCore.Tests.Infrastructure;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace EdgeKit.AspNetCore.Tests.Forwarding;

/// <summary>
/// Issue 18: HTTP/2 requests with connection-specific fields are refused (RFC 9113 §8.2.2), and header values with control
/// characters are never passed on, in either direction (RFC 9110 §5.5).
/// </summary>
public class HeaderSafetyTests
{
    /// <summary>The cluster's <c>HttpClient:Transport</c>; <c>SocketsHttpHandler</c> here, pinned: the default (<c>Auto</c>) is EdgeKit's for these clusters (see <see cref="Transport.HeaderSafetyOnEdgeKitTransportTests"/>).</summary>
    protected virtual string? Transport => "SocketsHttpHandler";

    private Dictionary<string, string?> OneRoute(string address) => OneRouteOn(address).OnTransport(Transport);

    private static Dictionary<string, string?> OneRouteOn(string address) => new()
    {
        ["Clusters:c:Destinations:d:Address"] = address,
        ["Clusters:c:HttpClient:RequestVersion"] = "1.1",
        ["Routes:r:Match:Path"] = "/{**rest}",
        ["Routes:r:Cluster"] = "c",
    };

    [Theory]
    [InlineData("keep-alive", "timeout=5")]
    [InlineData("proxy-connection", "keep-alive")]
    [InlineData("transfer-encoding", "chunked")]
    [InlineData("upgrade", "websocket")]
    public async Task An_HTTP2_request_with_a_connection_specific_field_is_400_problem_json(string name, string value)
    {
        await using var backend = await EchoBackend.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(OneRoute(backend.Address), protocols: HttpProtocols.Http2);

        var response = await RawHttp2.GetAsync(gateway.Address, "/a", (name, value));

        response.Status.Should().Be(400);
        var problem = JsonNode.Parse(response.Body)!;
        problem["type"]!.GetValue<string>().Should().Be("urn:edgekit:problem:malformed-request");
        problem["detail"]!.GetValue<string>().Should().Be($"An HTTP/2 request must not carry the connection-specific field '{name}'.");
        backend.Requests.Should().Be(0);
    }

    [Theory]
    [InlineData("connection", "keep-alive")]
    [InlineData("te", "gzip")]
    public async Task Kestrel_itself_closes_an_HTTP2_connection_whose_request_has_Connection_or_a_TE_other_than_trailers(string name, string value)
    {
        await using var backend = await EchoBackend.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(OneRoute(backend.Address), protocols: HttpProtocols.Http2);

        var response = await RawHttp2.GetAsync(gateway.Address, "/a", (name, value));

        response.Status.Should().Be(0);
        (response.GoAway ?? response.Reset).Should().Be(0x1, "PROTOCOL_ERROR");
        backend.Requests.Should().Be(0);
    }

    [Fact]
    public async Task An_HTTP2_request_with_TE_trailers_and_ordinary_fields_is_forwarded()
    {
        await using var backend = await EchoBackend.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(OneRoute(backend.Address), protocols: HttpProtocols.Http2);

        var response = await RawHttp2.GetAsync(gateway.Address, "/a", ("te", "trailers"), ("x-ok", "1"));

        response.Status.Should().Be(200);
        backend.Requests.Should().Be(1);
    }

    [Fact]
    public async Task HTTP1_requests_keep_their_hop_by_hop_fields_meaning_and_are_forwarded()
    {
        await using var backend = await EchoBackend.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(OneRoute(backend.Address));

        var response = await RawHttp.SendAsync(gateway.Address, "GET /a HTTP/1.1\r\nHost: gw\r\nKeep-Alive: timeout=5\r\nConnection: close\r\n\r\n");

        response.Status.Should().Be(200);
        backend.Requests.Should().Be(1);
    }

    [Theory]
    [InlineData("\u0001")]
    [InlineData("\u0008")]
    [InlineData("\u000B")]
    [InlineData("\u001F")]
    [InlineData("\u007F")]
    public async Task A_request_header_value_with_a_control_character_is_not_forwarded(string control)
    {
        await using var backend = await EchoBackend.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(OneRoute(backend.Address));

        var response = await RawHttp.SendAsync(gateway.Address,
            $"GET /a HTTP/1.1\r\nHost: gw\r\nX-Bad: a{control}b\r\nX-Tab: a\tb\r\nX-Ok: fine\r\nConnection: close\r\n\r\n");

        response.Status.Should().Be(200, response.Body);
        var headers = JsonNode.Parse(response.Body)!["headers"]!.AsObject();
        headers.ContainsKey("x-bad").Should().BeFalse();
        headers["x-tab"]![0]!.GetValue<string>().Should().Be("a\tb");
        headers["x-ok"]![0]!.GetValue<string>().Should().Be("fine");
    }

    [Theory]
    [InlineData("\u0001")]
    [InlineData("\u001B")]
    [InlineData("\u007F")]
    public async Task A_response_header_value_with_a_control_character_is_not_passed_to_the_client(string control)
    {
        await using var backend = DroppingBackend.Start(reply: $"HTTP/1.1 200 OK\r\nX-Bad: a{control}b\r\nX-Tab: a\tb\r\nX-Ok: fine\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
        await using var gateway = await GatewayHost.StartAsync(OneRoute(backend.Address));

        var response = await RawHttp.SendAsync(gateway.Address, "GET /a HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n");

        response.Status.Should().Be(200);
        response.Body.Should().Be("ok");
        response.Header("X-Bad").Should().BeNull();
        response.Header("X-Tab").Should().Be("a\tb");
        response.Header("X-Ok").Should().Be("fine");
    }
}
