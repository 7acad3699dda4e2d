using System.Net;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeKit.AspNetCore.Tests.Infrastructure;

/// <summary>
/// A real Kestrel backend on 127.0.0.1 for upgrade tests. <c>/ws</c>: a WebSocket echo (each message sent back as
/// received; a close is answered with a close). <c>/raw</c>: a non-WebSocket HTTP/1.1 upgrade (<c>Upgrade: echo</c>)
/// whose tunnel echoes raw bytes. <c>/decline</c>: answers 403 with a body. The handshake each request arrived with is
/// recorded in <see cref="Handshakes"/>.
/// </summary>
public sealed class WebSocketBackend : IAsyncDisposable
{
    private readonly WebApplication _app;

    private WebSocketBackend(WebApplication app) => _app = app;

    public string Address { get; private set; } = "";

    /// <summary>Method, protocol and the upgrade-related headers of each request, in arrival order.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<Handshake> Handshakes { get; } = new();

    /// <summary>Completes when a tunnel's client side has ended (the backend read the end of the stream or the socket closed).</summary>
    public TaskCompletionSource TunnelEnded { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <param name="protocols">The HTTP versions the backend speaks.</param>
    /// <param name="certificate">When given, the backend speaks TLS with it (an https address).</param>
    public static async Task<WebSocketBackend> StartAsync(HttpProtocols protocols = HttpProtocols.Http1, System.Security.Cryptography.X509Certificates.X509Certificate2? certificate = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o =>
        {
            o.Protocols = protocols;
            if (certificate is not null)
            {
                o.UseHttps(certificate);
            }
        }));
        var app = builder.Build();
        var backend = new WebSocketBackend(app);
        app.UseWebSockets();
        app.Run(backend.HandleAsync);
        await app.StartAsync();
        backend.Address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        return backend;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var headers = context.Request.Headers;
        Handshakes.Enqueue(new Handshake(
            context.Request.Method,
            context.Request.Protocol,
            headers.Connection.ToString(),
            headers.Upgrade.ToString(),
            headers.SecWebSocketKey.ToString(),
            headers.SecWebSocketVersion.ToString(),
            context.Features.Get<IHttpExtendedConnectFeature>()?.Protocol));
        switch (context.Request.Path.Value)
        {
            case "/ws" when context.WebSockets.IsWebSocketRequest:
                await EchoWebSocketAsync(context);
                break;
            case "/raw" when context.Features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true } upgrade:
                context.Response.Headers.Upgrade = "echo";
                context.Response.Headers["X-Tunnel"] = "raw";
                await using (var stream = await upgrade.UpgradeAsync())
                {
                    await EchoBytesAsync(stream, context.RequestAborted);
                }

                TunnelEnded.TrySetResult();
                break;
            case "/decline":
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                context.Response.Headers["X-Declined"] = "yes";
                await context.Response.WriteAsync("no upgrade for you");
                break;
            default:
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                break;
        }
    }

    private async Task EchoWebSocketAsync(HttpContext context)
    {
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var buffer = new byte[8192];
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, context.RequestAborted);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseOutputAsync(result.CloseStatus ?? WebSocketCloseStatus.NormalClosure, result.CloseStatusDescription, context.RequestAborted);
                    break;
                }

                await socket.SendAsync(buffer.AsMemory(0, result.Count), result.MessageType, result.EndOfMessage, context.RequestAborted);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
            // The gateway cut the connection (idle timeout, client gone).
        }
        finally
        {
            TunnelEnded.TrySetResult();
        }
    }

    private static async Task EchoBytesAsync(Stream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
            {
                await stream.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                await stream.FlushAsync(cancellationToken);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
        }
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    /// <summary>What an upgrade request looked like on arrival.</summary>
    public sealed record Handshake(string Method, string Protocol, string Connection, string Upgrade, string Key, string Version, string? ConnectProtocol);
}
