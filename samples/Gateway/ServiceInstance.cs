using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace EdgeKit.Samples.Gateway;

/// <summary>One instance of one of the sample's services, on 127.0.0.1 with a port the OS picks.</summary>
internal sealed class ServiceInstance : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ServiceInstance(WebApplication app, string service, string name, string address)
    {
        _app = app;
        Service = service;
        Name = name;
        Address = address;
    }

    public string Service { get; }

    public string Name { get; }

    public string Address { get; }

    public static async Task<ServiceInstance> StartAsync(string service, string name, Action<WebApplication, string> map)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.MapGet("/healthz", () => Results.Ok("healthy"));
        map(app, name);
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        return new ServiceInstance(app, service, name, address);
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
