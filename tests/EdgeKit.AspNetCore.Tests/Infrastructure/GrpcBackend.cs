using System.Net;
using EdgeKit.AspNetCore.Tests.Protocols.Grpc;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeKit.AspNetCore.Tests.Infrastructure;

/// <summary>
/// A plain Grpc.AspNetCore service (HTTP/2 only, h2c, no gRPC-Web support) on 127.0.0.1 serving <c>echo.proto</c>.
/// Every reply says which protocol and <c>TE</c> the call arrived with; every call sets an <c>x-trailer</c> trailer.
/// </summary>
public sealed class GrpcBackend : IAsyncDisposable
{
    private readonly WebApplication _app;

    private GrpcBackend(WebApplication app) => _app = app;

    /// <summary>E.g. <c>http://127.0.0.1:41234</c>.</summary>
    public string Address { get; private set; } = "";

    public static async Task<GrpcBackend> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        var app = builder.Build();
        app.MapGrpcService<EchoService>();
        await app.StartAsync();
        var backend = new GrpcBackend(app)
        {
            Address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/'),
        };
        return backend;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private sealed class EchoService : Echo.EchoBase
    {
        public override Task<EchoReply> Unary(EchoRequest request, ServerCallContext context)
        {
            context.ResponseTrailers.Add("x-trailer", "unary");
            FailIfAsked(request);
            return Task.FromResult(Reply(request.Text, 0, context));
        }

        public override async Task ServerStream(EchoRequest request, IServerStreamWriter<EchoReply> responseStream, ServerCallContext context)
        {
            context.ResponseTrailers.Add("x-trailer", "server-stream");
            for (int i = 0; i < request.Count; i++)
            {
                await responseStream.WriteAsync(Reply($"{request.Text}-{i}", i, context));
            }

            FailIfAsked(request);
        }

        public override async Task<EchoReply> ClientStream(IAsyncStreamReader<EchoRequest> requestStream, ServerCallContext context)
        {
            context.ResponseTrailers.Add("x-trailer", "client-stream");
            var texts = new List<string>();
            await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
            {
                texts.Add(request.Text);
            }

            return Reply(string.Join(",", texts), texts.Count, context);
        }

        public override async Task Bidi(IAsyncStreamReader<EchoRequest> requestStream, IServerStreamWriter<EchoReply> responseStream, ServerCallContext context)
        {
            context.ResponseTrailers.Add("x-trailer", "bidi");
            int index = 0;
            await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
            {
                FailIfAsked(request);
                await responseStream.WriteAsync(Reply(request.Text.ToUpperInvariant(), index++, context));
            }
        }

        private static void FailIfAsked(EchoRequest request)
        {
            if (request.FailWith != 0)
            {
                throw new RpcException(new Grpc.Core.Status((StatusCode)request.FailWith, "failed: " + request.Text), new Metadata { { "x-error-detail", "detail-" + request.Text } });
            }
        }

        private static EchoReply Reply(string text, int index, ServerCallContext context)
        {
            var http = context.GetHttpContext();
            return new EchoReply { Text = text, Index = index, Protocol = $"{http.Request.Protocol} te={http.Request.Headers.TE}" };
        }
    }
}
