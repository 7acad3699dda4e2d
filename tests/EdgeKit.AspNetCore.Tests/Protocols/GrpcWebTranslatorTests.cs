using System.Buffers.Binary;
using System.Net;
using System.Text;
using EdgeKit.AspNetCore.Tests.Infrastructure;
using EdgeKit.AspNetCore.Tests.Protocols.Grpc;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Web;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace EdgeKit.AspNetCore.Tests.Protocols;

/// <summary>
/// gRPC-Web from an HTTP/1.1 client (Grpc.Net.Client.Web, as a browser would) through the gateway to a plain gRPC
/// backend that knows nothing of gRPC-Web.
/// </summary>
public sealed class GrpcWebTranslatorTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private static async Task<(GrpcBackend Backend, GatewayHost Gateway)> StartAsync(bool grpcWeb = true)
    {
        var backend = await GrpcBackend.StartAsync();
        var gateway = await GatewayHost.StartAsync(GrpcForwardingTests.GrpcRoute(backend.Address, grpcWeb), protocols: HttpProtocols.Http1);
        return (backend, gateway);
    }

    private static GrpcChannel WebChannel(GatewayHost gateway, GrpcWebMode mode) =>
        GrpcChannel.ForAddress(gateway.Address, new GrpcChannelOptions
        {
            HttpHandler = new GrpcWebHandler(mode, new SocketsHttpHandler()),
            HttpVersion = HttpVersion.Version11,
            HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        });

    [Theory]
    [InlineData(GrpcWebMode.GrpcWeb)]
    [InlineData(GrpcWebMode.GrpcWebText)]
    public async Task Unary_over_gRPC_Web_is_answered_by_a_plain_gRPC_backend_with_its_trailers(GrpcWebMode mode)
    {
        var (backend, gateway) = await StartAsync();
        await using (backend)
        await using (gateway)
        {
            using var channel = WebChannel(gateway, mode);
            var client = new Echo.EchoClient(channel);

            using var call = client.UnaryAsync(new EchoRequest { Text = new string('é', 1000) }, deadline: DateTime.UtcNow + Wait);
            var reply = await call.ResponseAsync;

            reply.Text.Should().Be(new string('é', 1000));
            reply.Protocol.Should().Be("HTTP/2 te=trailers", "the backend gets real gRPC over HTTP/2");
            call.GetStatus().StatusCode.Should().Be(StatusCode.OK);
            call.GetTrailers().GetValue("x-trailer").Should().Be("unary");
            gateway.Logs.Entries.Should().Contain(e => e.EventId == 1440);
        }
    }

    [Theory]
    [InlineData(GrpcWebMode.GrpcWeb)]
    [InlineData(GrpcWebMode.GrpcWebText)]
    public async Task Server_streaming_over_gRPC_Web_delivers_every_message_then_the_trailers(GrpcWebMode mode)
    {
        var (backend, gateway) = await StartAsync();
        await using (backend)
        await using (gateway)
        {
            using var channel = WebChannel(gateway, mode);
            var client = new Echo.EchoClient(channel);

            using var call = client.ServerStream(new EchoRequest { Text = "w", Count = 4 }, deadline: DateTime.UtcNow + Wait);
            var replies = await call.ResponseStream.ReadAllAsync().ToListAsync();

            replies.Select(r => r.Text).Should().Equal("w-0", "w-1", "w-2", "w-3");
            call.GetTrailers().GetValue("x-trailer").Should().Be("server-stream");
        }
    }

    [Theory]
    [InlineData(GrpcWebMode.GrpcWeb)]
    [InlineData(GrpcWebMode.GrpcWebText)]
    public async Task An_error_status_reaches_the_gRPC_Web_client_with_its_metadata(GrpcWebMode mode)
    {
        var (backend, gateway) = await StartAsync();
        await using (backend)
        await using (gateway)
        {
            using var channel = WebChannel(gateway, mode);
            var client = new Echo.EchoClient(channel);

            var unary = () => client.UnaryAsync(new EchoRequest { Text = "x", FailWith = (int)StatusCode.InvalidArgument }, deadline: DateTime.UtcNow + Wait).ResponseAsync;
            var unaryError = (await unary.Should().ThrowAsync<RpcException>()).Which;
            using var stream = client.ServerStream(new EchoRequest { Text = "s", Count = 2, FailWith = (int)StatusCode.NotFound }, deadline: DateTime.UtcNow + Wait);
            var received = new List<string>();
            var read = async () =>
            {
                await foreach (var reply in stream.ResponseStream.ReadAllAsync())
                {
                    received.Add(reply.Text);
                }
            };
            var streamError = (await read.Should().ThrowAsync<RpcException>()).Which;

            unaryError.StatusCode.Should().Be(StatusCode.InvalidArgument);
            unaryError.Status.Detail.Should().Be("failed: x");
            unaryError.Trailers.GetValue("x-error-detail").Should().Be("detail-x");
            received.Should().Equal("s-0", "s-1");
            streamError.StatusCode.Should().Be(StatusCode.NotFound, "the status travels in the trailer frame at the end of the body");
            streamError.Status.Detail.Should().Be("failed: s");
            streamError.Trailers.GetValue("x-error-detail").Should().Be("detail-s");
        }
    }

    [Fact]
    public async Task The_text_wire_format_is_base64_both_ways_with_a_trailer_frame_at_the_end()
    {
        var (backend, gateway) = await StartAsync();
        await using (backend)
        await using (gateway)
        {
            var message = new EchoRequest { Text = "wire" }.ToByteArray();
            var frame = new byte[5 + message.Length];
            BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(1), message.Length);
            message.CopyTo(frame, 5);
            // Two padded fragments one after another, as a client flushing per message may send them.
            string body = Convert.ToBase64String(frame[..4]) + Convert.ToBase64String(frame[4..]);
            var request = new HttpRequestMessage(HttpMethod.Post, "/edgekit.tests.Echo/Unary")
            {
                Content = new StringContent(body, Encoding.ASCII, "application/grpc-web-text"),
            };
            request.Content.Headers.ContentType!.CharSet = null;
            request.Headers.Add("Accept", "application/grpc-web-text");

            using var response = await gateway.Client.SendAsync(request);
            string text = await response.Content.ReadAsStringAsync();

            response.StatusCode.Should().Be(HttpStatusCode.OK);
            response.Content.Headers.ContentType!.MediaType.Should().Be("application/grpc-web-text");
            var decoded = DecodeFragments(text);
            decoded[0].Should().Be(0, "a message frame comes first");
            int length = BinaryPrimitives.ReadInt32BigEndian(decoded.AsSpan(1));
            var reply = EchoReply.Parser.ParseFrom(decoded, 5, length);
            reply.Text.Should().Be("wire");
            var trailer = decoded.AsSpan(5 + length);
            trailer[0].Should().Be(0x80, "the trailer frame's flag");
            int trailerLength = BinaryPrimitives.ReadInt32BigEndian(trailer[1..]);
            trailer.Length.Should().Be(5 + trailerLength);
            Encoding.ASCII.GetString(trailer[5..]).Should().Be("grpc-status: 0\r\nx-trailer: unary\r\n");
        }
    }

    [Fact]
    public async Task A_text_body_that_is_not_base64_is_400_with_a_plain_problem_body()
    {
        var (backend, gateway) = await StartAsync();
        await using (backend)
        await using (gateway)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/edgekit.tests.Echo/Unary")
            {
                Content = new ByteArrayContent(Encoding.ASCII.GetBytes("!!!!not base64!!")),
            };
            request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/grpc-web-text");

            using var response = await gateway.Client.SendAsync(request);

            response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
            response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
            (await response.Content.ReadAsStringAsync()).Should().Contain("\"type\":\"urn:edgekit:problem:bad-request-body\"", "the gateway's own error body is not base64-encoded");
            gateway.Logs.Entries.Should().Contain(e => e.EventId == 1407);
        }
    }

    [Fact]
    public async Task Without_the_route_flag_gRPC_Web_is_forwarded_unchanged_and_the_plain_backend_refuses_it()
    {
        var (backend, gateway) = await StartAsync(grpcWeb: false);
        await using (backend)
        await using (gateway)
        {
            using var channel = WebChannel(gateway, GrpcWebMode.GrpcWeb);
            var client = new Echo.EchoClient(channel);

            var unary = () => client.UnaryAsync(new EchoRequest { Text = "x" }, deadline: DateTime.UtcNow + Wait).ResponseAsync;

            (await unary.Should().ThrowAsync<RpcException>()).Which.StatusCode.Should().NotBe(StatusCode.OK);
            gateway.Logs.Entries.Should().NotContain(e => e.EventId == 1440);
        }
    }

    [Fact]
    public async Task A_GrpcWeb_route_whose_cluster_does_not_speak_HTTP2_fails_the_start()
    {
        var act = () => GatewayHost.StartAsync(new Dictionary<string, string?>
        {
            ["Clusters:old:Destinations:d:Address"] = "http://127.0.0.1:1",
            ["Clusters:old:HttpClient:RequestVersion"] = "1.1",
            ["Clusters:lax:Destinations:d:Address"] = "http://127.0.0.1:1",
            ["Routes:a:Cluster"] = "old",
            ["Routes:a:GrpcWeb"] = "true",
            ["Routes:b:Cluster"] = "lax",
            ["Routes:b:GrpcWeb"] = "true",
            ["Routes:c:Cluster"] = "lax",
        });

        var error = (await act.Should().ThrowAsync<EdgeKit.Configuration.EdgeKitConfigurationException>()).Which;
        error.Errors.Should().BeEquivalentTo(
            "EdgeKit:Routes:a: GrpcWeb needs a cluster that reaches its backends over HTTP/2, but cluster 'old' asks for HTTP/1.1; set its HttpClient:RequestVersion to 2.",
            "EdgeKit:Routes:b: GrpcWeb needs a cluster that reaches its backends over HTTP/2, but cluster 'lax' has plain http destinations with VersionPolicy RequestVersionOrLower, which reach them over HTTP/1.1; set its HttpClient:VersionPolicy to RequestVersionExact (h2c).");
    }

    private static byte[] DecodeFragments(string text)
    {
        var output = new List<byte>();
        int position = 0;
        while (position < text.Length)
        {
            int padding = text.IndexOf('=', position);
            int end = padding < 0 ? text.Length : Math.Min(text.Length, ((padding - position) / 4 * 4) + position + 4);
            output.AddRange(Convert.FromBase64String(text[position..end]));
            position = end;
        }

        return output.ToArray();
    }
}
