using EdgeKit.AspNetCore.Tests.Infrastructure;
using EdgeKit.AspNetCore.Tests.Protocols.Grpc;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace EdgeKit.AspNetCore.Tests.Protocols;

/// <summary>gRPC passed through the gateway: an h2c client, the gateway, an h2c Grpc.AspNetCore backend.</summary>
public sealed class GrpcForwardingTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    internal static Dictionary<string, string?> GrpcRoute(string address, bool grpcWeb = false) => new()
    {
        ["Clusters:c:Destinations:d:Address"] = address,
        ["Clusters:c:HttpClient:RequestVersion"] = "2",
        ["Clusters:c:HttpClient:VersionPolicy"] = "RequestVersionExact",
        ["Routes:r:Match:Path"] = "/edgekit.tests.Echo/{**method}",
        ["Routes:r:Cluster"] = "c",
        ["Routes:r:GrpcWeb"] = grpcWeb ? "true" : "false",
    };

    private static async Task<(GrpcBackend Backend, GatewayHost Gateway, GrpcChannel Channel)> StartAsync(bool grpcWeb = false)
    {
        var backend = await GrpcBackend.StartAsync();
        var gateway = await GatewayHost.StartAsync(GrpcRoute(backend.Address, grpcWeb), protocols: HttpProtocols.Http2);
        var channel = GrpcChannel.ForAddress(gateway.Address, new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler() });
        return (backend, gateway, channel);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Unary_reaches_the_backend_over_HTTP2_with_TE_trailers_and_its_trailers_come_back(bool grpcWebRoute)
    {
        var (backend, gateway, channel) = await StartAsync(grpcWebRoute);
        await using (backend)
        await using (gateway)
        using (channel)
        {
            var client = new Echo.EchoClient(channel);

            using var call = client.UnaryAsync(new EchoRequest { Text = "hello" }, deadline: DateTime.UtcNow + Wait);
            var reply = await call.ResponseAsync;

            reply.Text.Should().Be("hello");
            reply.Protocol.Should().Be("HTTP/2 te=trailers");
            call.GetStatus().StatusCode.Should().Be(StatusCode.OK);
            call.GetTrailers().GetValue("x-trailer").Should().Be("unary");
        }
    }

    [Fact]
    public async Task Server_streaming_delivers_every_message_then_the_trailers()
    {
        var (backend, gateway, channel) = await StartAsync();
        await using (backend)
        await using (gateway)
        using (channel)
        {
            var client = new Echo.EchoClient(channel);

            using var call = client.ServerStream(new EchoRequest { Text = "m", Count = 5 }, deadline: DateTime.UtcNow + Wait);
            var replies = await call.ResponseStream.ReadAllAsync().ToListAsync();

            replies.Select(r => r.Text).Should().Equal("m-0", "m-1", "m-2", "m-3", "m-4");
            replies.Select(r => r.Index).Should().Equal(0, 1, 2, 3, 4);
            call.GetTrailers().GetValue("x-trailer").Should().Be("server-stream");
        }
    }

    [Fact]
    public async Task Client_streaming_sends_every_message_before_the_single_reply()
    {
        var (backend, gateway, channel) = await StartAsync();
        await using (backend)
        await using (gateway)
        using (channel)
        {
            var client = new Echo.EchoClient(channel);

            using var call = client.ClientStream(deadline: DateTime.UtcNow + Wait);
            foreach (var text in new[] { "a", "b", "c" })
            {
                await call.RequestStream.WriteAsync(new EchoRequest { Text = text });
            }

            await call.RequestStream.CompleteAsync();
            var reply = await call.ResponseAsync;

            reply.Text.Should().Be("a,b,c");
            reply.Index.Should().Be(3);
            call.GetTrailers().GetValue("x-trailer").Should().Be("client-stream");
        }
    }

    [Fact]
    public async Task Bidirectional_streaming_answers_each_message_while_the_request_stream_is_still_open()
    {
        var (backend, gateway, channel) = await StartAsync();
        await using (backend)
        await using (gateway)
        using (channel)
        {
            var client = new Echo.EchoClient(channel);
            using var call = client.Bidi(deadline: DateTime.UtcNow + Wait);

            var answers = new List<string>();
            foreach (var text in new[] { "one", "two", "three" })
            {
                await call.RequestStream.WriteAsync(new EchoRequest { Text = text });
                (await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Wait)).Should().BeTrue();
                answers.Add(call.ResponseStream.Current.Text);
            }

            await call.RequestStream.CompleteAsync();
            (await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Wait)).Should().BeFalse();

            answers.Should().Equal("ONE", "TWO", "THREE");
            call.GetStatus().StatusCode.Should().Be(StatusCode.OK);
            call.GetTrailers().GetValue("x-trailer").Should().Be("bidi");
        }
    }

    [Fact]
    public async Task An_error_status_and_its_metadata_reach_the_client_before_and_after_messages()
    {
        var (backend, gateway, channel) = await StartAsync();
        await using (backend)
        await using (gateway)
        using (channel)
        {
            var client = new Echo.EchoClient(channel);

            // Trailers-only: the error comes before any message, in a single HEADERS frame.
            var unary = () => client.UnaryAsync(new EchoRequest { Text = "x", FailWith = (int)StatusCode.PermissionDenied }, deadline: DateTime.UtcNow + Wait).ResponseAsync;
            var unaryError = (await unary.Should().ThrowAsync<RpcException>()).Which;

            // Trailers after messages: two replies, then the status in real HTTP/2 trailers.
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

            unaryError.StatusCode.Should().Be(StatusCode.PermissionDenied);
            unaryError.Status.Detail.Should().Be("failed: x");
            unaryError.Trailers.GetValue("x-error-detail").Should().Be("detail-x");
            received.Should().Equal("s-0", "s-1");
            streamError.StatusCode.Should().Be(StatusCode.NotFound);
            streamError.Status.Detail.Should().Be("failed: s");
            streamError.Trailers.GetValue("x-error-detail").Should().Be("detail-s");
            streamError.Trailers.GetValue("x-trailer").Should().Be("server-stream");
        }
    }
}
