using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

/// <summary>
/// One instance of a small HTTP service on 127.0.0.1: it answers every request with its own name, or, when it is
/// faulty, with 503 Service Unavailable.
/// </summary>
internal sealed class ServiceInstance : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _requests;

    private ServiceInstance(WebApplication app, string name, int weight, TimeSpan delay, bool faulty)
    {
        _app = app;
        Name = name;
        Weight = weight;
        Delay = delay;
        IsFaulty = faulty;
    }

    public string Name { get; }

    /// <summary>Its share of traffic relative to the other instances, for the weighted strategies.</summary>
    public int Weight { get; }

    /// <summary>How late it answers.</summary>
    public TimeSpan Delay { get; }

    /// <summary>Whether it answers every request with 503.</summary>
    public bool IsFaulty { get; }

    /// <summary>How many requests reached it.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Where it listens, e.g. <c>http://127.0.0.1:41234</c>; known once started.</summary>
    public string Address { get; private set; } = "";

    public static async Task<ServiceInstance> StartAsync(string name, int weight = 1, TimeSpan delay = default, bool faulty = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders(); // the console is for the sample's own output
        var app = builder.Build();
        app.Urls.Add("http://127.0.0.1:0"); // port 0: the OS picks a free one
        ServiceInstance? instance = null;
        app.Run(async context =>
        {
            Interlocked.Increment(ref instance!._requests);
            await Task.Delay(delay, context.RequestAborted);
            if (faulty)
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            }

            await context.Response.WriteAsync(name, context.RequestAborted);
        });

        instance = new ServiceInstance(app, name, weight, delay, faulty);
        await app.StartAsync();
        instance.Address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return instance;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
