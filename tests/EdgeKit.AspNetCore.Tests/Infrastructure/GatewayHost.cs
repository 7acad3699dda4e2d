using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeKit.AspNetCore.Tests.Infrastructure;

/// <summary>
/// A real EdgeKit gateway on Kestrel (127.0.0.1, port chosen by the OS) configured from an in-memory configuration
/// that tests can change at run time (<see cref="Reload"/>), plus an <see cref="HttpClient"/> pointed at it.
/// </summary>
public sealed class GatewayHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ReloadableMemorySource _source;

    private GatewayHost(WebApplication app, ReloadableMemorySource source, string address)
    {
        _app = app;
        _source = source;
        Address = address;
        // No cookie container: tests send and read cookies themselves.
        Client = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = new Uri(address) };
    }

    public string Address { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    public CapturedLogs Logs { get; } = new();

    /// <summary>Starts a gateway whose <c>EdgeKit</c> section holds <paramref name="settings"/> (flat keys below it, e.g. <c>Routes:r1:Cluster</c>).</summary>
    public static async Task<GatewayHost> StartAsync(
        IDictionary<string, string?> settings,
        Action<WebApplicationBuilder>? configureBuilder = null,
        Action<WebApplication>? configureApp = null,
        HttpProtocols protocols = HttpProtocols.Http1AndHttp2)
    {
        var source = new ReloadableMemorySource(Prefix(settings));
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.Sources.Clear();
        ((IConfigurationBuilder)builder.Configuration).Add(source);
        builder.Logging.ClearProviders();
        var logs = new CapturedLogs();
        builder.Logging.AddProvider(logs);
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.Protocols = protocols));
        builder.Services.AddEdgeKit().AddGateway(builder.Configuration.GetSection("EdgeKit"));
        configureBuilder?.Invoke(builder);
        var app = builder.Build();
        configureApp?.Invoke(app);
        app.MapEdgeKit();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        var host = new GatewayHost(app, source, address);
        host.Logs.CopyFrom(logs);
        return host;
    }

    /// <summary>Replaces the whole <c>EdgeKit</c> section and fires the configuration's change token.</summary>
    public void Reload(IDictionary<string, string?> settings) => _source.Provider.Replace(Prefix(settings));

    private static Dictionary<string, string?> Prefix(IDictionary<string, string?> settings) =>
        settings.ToDictionary(kv => "EdgeKit:" + kv.Key, kv => kv.Value, StringComparer.OrdinalIgnoreCase);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.DisposeAsync();
    }

    private sealed class ReloadableMemorySource(Dictionary<string, string?> initial) : IConfigurationSource
    {
        public ReloadableMemoryProvider Provider { get; } = new(initial);

        public IConfigurationProvider Build(IConfigurationBuilder builder) => Provider;
    }

    internal sealed class ReloadableMemoryProvider(Dictionary<string, string?> initial) : ConfigurationProvider
    {
        public override void Load() => Data = new Dictionary<string, string?>(initial, StringComparer.OrdinalIgnoreCase);

        public void Replace(Dictionary<string, string?> data)
        {
            Data = new Dictionary<string, string?>(data, StringComparer.OrdinalIgnoreCase);
            OnReload();
        }
    }
}

/// <summary>Log lines captured from the gateway, for asserting on event ids and messages.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private System.Collections.Concurrent.ConcurrentQueue<(int EventId, LogLevel Level, string Message)> _entries = new();

    public IReadOnlyCollection<(int EventId, LogLevel Level, string Message)> Entries => _entries;

    private System.Collections.Concurrent.ConcurrentQueue<(int EventId, Exception Exception)> _exceptions = new();

    /// <summary>The exceptions logged with an entry, by event id.</summary>
    public IReadOnlyCollection<(int EventId, Exception Exception)> Exceptions => _exceptions;

    internal void CopyFrom(CapturedLogs other)
    {
        _entries = other._entries;
        _exceptions = other._exceptions;
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLogs owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            owner._entries.Enqueue((eventId.Id, logLevel, formatter(state, exception)));
            if (exception is not null)
            {
                owner._exceptions.Enqueue((eventId.Id, exception));
            }
        }
    }
}
