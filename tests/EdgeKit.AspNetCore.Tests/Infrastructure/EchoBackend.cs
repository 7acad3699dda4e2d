using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
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
/// A real Kestrel backend on 127.0.0.1 (port chosen by the OS) that answers every request with a JSON echo of what it
/// received: method, path, raw target, query, headers, body, protocol and trailers. Special paths change behaviour
/// for tests: see <see cref="Handle"/>. Every request is also recorded in <see cref="Received"/>.
/// </summary>
public sealed class EchoBackend : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _requests;

    private EchoBackend(WebApplication app, string name)
    {
        _app = app;
        Name = name;
    }

    /// <summary>The backend's name (echoed as <c>backend</c>).</summary>
    public string Name { get; }

    /// <summary>The address to put in a cluster, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public string Address { get; private set; } = "";

    /// <summary>Requests received.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Every request received, as echoed.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<JsonObject> Received { get; } = new();

    /// <summary>A custom handler run instead of the echo, when set.</summary>
    public Func<HttpContext, Task>? Override { get; set; }

    /// <summary>Starts a backend speaking <paramref name="protocols"/> (HTTP/2 alone means h2c with prior knowledge).</summary>
    public static async Task<EchoBackend> StartAsync(string name = "echo", HttpProtocols protocols = HttpProtocols.Http1)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0, o => o.Protocols = protocols);
            k.Limits.MaxRequestBodySize = null;
        });
        var app = builder.Build();
        var backend = new EchoBackend(app, name);
        app.Run(backend.Handle);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        backend.Address = address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/');
        return backend;
    }

    private async Task Handle(HttpContext context)
    {
        Interlocked.Increment(ref _requests);
        if (Override is { } custom)
        {
            await custom(context);
            return;
        }

        var request = context.Request;
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body);
        var headers = new JsonObject();
        foreach (var header in request.Headers)
        {
            headers[header.Key.ToLowerInvariant()] = new JsonArray(header.Value.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());
        }

        var trailers = new JsonObject();
        if (request.SupportsTrailers() && request.CheckTrailersAvailable())
        {
            foreach (var trailer in context.Features.Get<IHttpRequestTrailersFeature>()!.Trailers)
            {
                trailers[trailer.Key.ToLowerInvariant()] = trailer.Value.ToString();
            }
        }

        var echo = new JsonObject
        {
            ["backend"] = Name,
            ["method"] = request.Method,
            ["path"] = request.Path.Value,
            ["rawTarget"] = context.Features.Get<IHttpRequestFeature>()!.RawTarget,
            ["query"] = request.QueryString.Value,
            ["protocol"] = request.Protocol,
            ["headers"] = headers,
            ["body"] = System.Text.Encoding.UTF8.GetString(body.ToArray()),
            ["bodyLength"] = body.Length,
            ["trailers"] = trailers,
        };
        Received.Enqueue(echo);
        context.Response.ContentType = "application/json";
        context.Response.Headers["X-Backend"] = Name;
        await context.Response.WriteAsync(echo.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
    }

    /// <summary>Stops the backend; its port refuses connections afterwards.</summary>
    public Task StopAsync() => _app.StopAsync();

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
