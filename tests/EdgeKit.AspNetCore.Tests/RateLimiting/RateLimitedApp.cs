using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace EdgeKit.AspNetCore.Tests.RateLimiting;

/// <summary>A real Kestrel app on 127.0.0.1:0 with EdgeKit rate limiting, on a fake clock.</summary>
internal sealed class RateLimitedApp : IAsyncDisposable
{
    private readonly WebApplication _app;

    private RateLimitedApp(WebApplication app, FakeTimeProvider time, HttpClient client)
    {
        _app = app;
        Time = time;
        Client = client;
    }

    public FakeTimeProvider Time { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<RateLimitedApp> StartAsync(
        IDictionary<string, string?> settings,
        Action<IServiceCollection>? services = null,
        Action<WebApplication>? endpoints = null)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddEdgeKit().AddRateLimiting(builder.Configuration.GetSection("EdgeKit:RateLimiting"));
        services?.Invoke(builder.Services);
        var app = builder.Build();
        app.UseRateLimiter();
        app.MapGet("/limited", () => "ok").RequireRateLimiting("per-client");
        app.MapGet("/open", () => "open");
        endpoints?.Invoke(app);
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var client = new HttpClient { BaseAddress = new Uri(address) };
        return new RateLimitedApp(app, time, client);
    }

    public Task<HttpResponseMessage> GetAsync(string path, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return Client.SendAsync(request);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
