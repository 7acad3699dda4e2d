using System.Net;
using EdgeKit.AspNetCore.Transport.Epoll.Kestrel;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeKit.AspNetCore.Tests.Transport;

/// <summary>Which transport a test's Kestrel runs on: Kestrel's own sockets (the reference), or EdgeKit's with either completion mode.</summary>
public enum ServerTransport
{
    KestrelSockets,
    EdgeKitThreadPool,
    EdgeKitInline,
}

/// <summary>A real Kestrel on 127.0.0.1, port 0, on the transport a test asks for, running <c>configure</c>'s app.</summary>
internal sealed class EpollKestrelServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private EpollKestrelServer(WebApplication app, ServerTransport transport)
    {
        _app = app;
        Transport = transport;
        Address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        Port = new Uri(Address).Port;
    }

    public ServerTransport Transport { get; }

    public string Address { get; }

    public int Port { get; }

    public WebApplication App => _app;

    /// <summary>The EdgeKit factory (null on Kestrel's sockets).</summary>
    public EpollTransportFactory? Factory => _app.Services.GetServices<IConnectionListenerFactory>().OfType<EpollTransportFactory>().SingleOrDefault();

    public static async Task<EpollKestrelServer> StartAsync(
        ServerTransport transport,
        Action<WebApplication> configure,
        Action<KestrelServerOptions>? listen = null,
        Action<IServiceCollection>? services = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            if (listen is null)
            {
                k.Listen(IPAddress.Loopback, 0);
            }
            else
            {
                listen(k);
            }
        });
        if (transport != ServerTransport.KestrelSockets)
        {
            // Backend switch off: these tests run beside others in the same process.
            builder.WebHost.UseEdgeKitSockets(o =>
            {
                o.UnsafeInlineCompletions = transport == ServerTransport.EdgeKitInline;
                o.BackendConnections = false;
            });
        }

        services?.Invoke(builder.Services);
        var app = builder.Build();
        configure(app);
        await app.StartAsync();
        return new EpollKestrelServer(app, transport);
    }

    public HttpClient CreateClient(int maxConnections = int.MaxValue) =>
        new(new SocketsHttpHandler { MaxConnectionsPerServer = maxConnections, UseCookies = false }) { BaseAddress = new Uri(Address) };

    /// <summary>What the app sees of the transport: the type behind the connection's socket feature.</summary>
    public static string ConnectionType(HttpContext context) =>
        context.Features.Get<IConnectionSocketFeature>()?.GetType().Name ?? "(none)";

    public Task StopAsync() => _app.StopAsync();

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
