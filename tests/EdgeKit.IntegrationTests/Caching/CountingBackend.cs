using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeKit.IntegrationTests.Caching;

/// <summary>A Kestrel backend on 127.0.0.1 port 0 that counts the requests it receives and answers as told.</summary>
internal sealed class CountingBackend : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _calls;

    private CountingBackend(WebApplication app) => _app = app;

    public Func<HttpContext, int, Task> Respond { get; set; } = (ctx, call) => ctx.Response.WriteAsync("v" + call);

    public int Calls => Volatile.Read(ref _calls);

    public Uri Address { get; private set; } = null!;

    public static async Task<CountingBackend> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var backend = new CountingBackend(builder.Build());
        backend._app.Run(ctx => backend.Respond(ctx, Interlocked.Increment(ref backend._calls)));
        await backend._app.StartAsync();
        backend.Address = new Uri(backend._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return backend;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
