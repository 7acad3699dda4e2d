using System.Globalization;
using EdgeKit.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace EdgeKit.AspNetCore.Tests.Caching;

/// <summary>
/// A real backend and a real gateway, both Kestrel on 127.0.0.1 port 0. The gateway's <c>/items/{id}</c> is a plain
/// MapGet that forwards to the backend (status, headers and body, and the request's conditional and Accept-Language
/// headers), decorated with <c>CacheWithEdgeKit("api")</c>; <c>/plain</c> is the same without the metadata. Both
/// apps share a fake clock that starts on a whole second; the backend dates its responses with it.
/// </summary>
internal sealed class CachingGateway : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly string[] s_forwardedRequestHeaders = ["If-None-Match", "If-Modified-Since", "Accept-Language", "Authorization", "Cache-Control"];
    private static readonly HashSet<string> s_notCopied = new(StringComparer.OrdinalIgnoreCase) { "Transfer-Encoding", "Connection", "Keep-Alive", "Server" };

    private readonly List<WebApplication> _moreGateways = [];
    private WebApplication _backend = null!;
    private WebApplication _gateway = null!;
    private Action<IServiceCollection>? _configureServices;
    private HttpClient _toBackend = null!;
    private int _backendCalls;

    public FakeTimeProvider Time { get; } = new(Start);

    /// <summary>How the backend answers (call number from 1).</summary>
    public Func<HttpContext, int, Task> Backend { get; set; } = (ctx, call) => ctx.Response.WriteAsync("v" + call);

    public int BackendCalls => Volatile.Read(ref _backendCalls);

    public HttpClient Client { get; private set; } = null!;

    public Uri GatewayAddress { get; private set; } = null!;

    public IServiceProvider Services => _gateway.Services;

    public static async Task<CachingGateway> StartAsync(Action<HttpCacheOptions>? configure = null, Dictionary<string, string?>? configuration = null,
        Action<IServiceCollection>? configureServices = null)
    {
        var gateway = new CachingGateway { _configureServices = configureServices };
        await gateway.StartBackendAsync();
        (gateway._gateway, gateway.Client) = await gateway.StartGatewayAsync(configure, configuration);
        gateway.GatewayAddress = gateway.Client.BaseAddress!;
        return gateway;
    }

    /// <summary>Another gateway instance (same policy, same services setup) in front of the same backend.</summary>
    public async Task<HttpClient> StartAnotherGatewayAsync(Action<HttpCacheOptions>? configure = null)
    {
        var (app, client) = await StartGatewayAsync(configure, null);
        _moreGateways.Add(app);
        return client;
    }

    /// <summary>The backend answers with <paramref name="headers"/> and the body "v{call}".</summary>
    public void Serve(params (string Name, string Value)[] headers) =>
        Backend = (ctx, call) =>
        {
            foreach (var (name, value) in headers)
            {
                ctx.Response.Headers.Append(name, value);
            }

            return ctx.Response.WriteAsync("v" + call);
        };

    public void Advance(double seconds) => Time.Advance(TimeSpan.FromSeconds(seconds));

    public async Task<Answer> GetAsync(string path = "/items/1", params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await SendAsync(request);
    }

    public async Task<Answer> SendAsync(HttpRequestMessage request)
    {
        using var response = await Client.SendAsync(request);
        return new Answer((int)response.StatusCode, await response.Content.ReadAsStringAsync(),
            response.Headers.TryGetValues("Cache-Status", out var status) ? string.Join(", ", status) : null,
            response.Headers.TryGetValues("Age", out var age) ? string.Join(", ", age) : null,
            response.Headers.Concat(response.Content.Headers).ToDictionary(h => h.Key, h => string.Join(", ", h.Value), StringComparer.OrdinalIgnoreCase));
    }

    private async Task StartBackendAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _backend = builder.Build();
        _backend.Run(async ctx =>
        {
            int call = Interlocked.Increment(ref _backendCalls);
            ctx.Response.Headers.Date = Time.GetUtcNow().ToString("r", CultureInfo.InvariantCulture);
            await Backend(ctx, call);
        });
        await _backend.StartAsync();
        _toBackend = new HttpClient { BaseAddress = new Uri(Address(_backend)) };
    }

    private async Task<(WebApplication App, HttpClient Client)> StartGatewayAsync(Action<HttpCacheOptions>? configure, Dictionary<string, string?>? configuration)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<TimeProvider>(Time);
        var edge = builder.Services.AddEdgeKit();
        if (configuration is not null)
        {
            builder.Configuration.AddInMemoryCollection(configuration);
            edge.AddCaching(builder.Configuration.GetSection("EdgeKit:Caching"));
        }
        else
        {
            edge.AddCachePolicy("api", configure);
        }

        _configureServices?.Invoke(builder.Services);
        var app = builder.Build();
        app.UseEdgeKitCaching();
        app.MapGet("/items/{id}", ForwardAsync).CacheWithEdgeKit("api");
        app.MapPost("/items/{id}", ForwardAsync).CacheWithEdgeKit("api");
        app.MapGet("/plain", ForwardAsync);
        app.MapGet("/unknown", ForwardAsync).CacheWithEdgeKit("nope");
        await app.StartAsync();
        return (app, new HttpClient { BaseAddress = new Uri(Address(app)) });
    }

    /// <summary>A minimal forwarder: what a gateway route does, in a dozen lines.</summary>
    private async Task ForwardAsync(HttpContext context)
    {
        using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), context.Request.Path + context.Request.QueryString);
        foreach (var name in s_forwardedRequestHeaders)
        {
            if (context.Request.Headers.TryGetValue(name, out var values))
            {
                request.Headers.TryAddWithoutValidation(name, values.ToArray());
            }
        }

        using var response = await _toBackend.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var header in response.Headers.Concat(response.Content.Headers))
        {
            if (!s_notCopied.Contains(header.Key))
            {
                context.Response.Headers[header.Key] = header.Value.ToArray();
            }
        }

        await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
    }

    private static string Address(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    public async ValueTask DisposeAsync()
    {
        Client?.Dispose();
        _toBackend?.Dispose();
        foreach (var app in _moreGateways.Append(_gateway).Where(a => a is not null))
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        await _backend.StopAsync();
        await _backend.DisposeAsync();
    }

    internal sealed record Answer(int Status, string Body, string? CacheStatus, string? Age, Dictionary<string, string> Headers)
    {
        public string? Header(string name) => Headers.GetValueOrDefault(name);
    }
}
