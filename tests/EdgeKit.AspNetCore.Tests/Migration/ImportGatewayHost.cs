using System.Net;
using System.Text;
using EdgeKit.AspNetCore.Tests.Infrastructure;
using EdgeKit.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeKit.AspNetCore.Tests.Migration;

/// <summary>
/// A real gateway on Kestrel (127.0.0.1, port 0) whose configuration is a JSON document as a YARP or Ocelot user writes
/// it, registered with the importer under test; <see cref="Reload"/> replaces the document and fires the reload token.
/// </summary>
internal sealed class ImportGatewayHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Provider _provider;

    private ImportGatewayHost(WebApplication app, Provider provider, string address, CapturedLogs logs)
    {
        _app = app;
        _provider = provider;
        Logs = logs;
        Client = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = new Uri(address) };
    }

    public HttpClient Client { get; }

    public CapturedLogs Logs { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>Builds the app (without starting it) so a test can see a start failure.</summary>
    public static WebApplication Build(string json, Action<IEdgeKitBuilder, IConfiguration> register, Action<WebApplicationBuilder>? configure, out CapturedLogs logs, out object provider)
    {
        var source = new Source(Flatten(json));
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.Sources.Clear();
        ((IConfigurationBuilder)builder.Configuration).Add(source);
        builder.Logging.ClearProviders();
        logs = new CapturedLogs();
        builder.Logging.AddProvider(logs);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        register(builder.Services.AddEdgeKit(), builder.Configuration);
        configure?.Invoke(builder);
        provider = source.Provider;
        return builder.Build();
    }

    public static async Task<ImportGatewayHost> StartAsync(
        string json,
        Action<IEdgeKitBuilder, IConfiguration> register,
        Action<WebApplicationBuilder>? configure = null,
        Action<WebApplication>? configureApp = null)
    {
        var app = Build(json, register, configure, out var logs, out var provider);
        configureApp?.Invoke(app);
        app.MapEdgeKit();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        return new ImportGatewayHost(app, (Provider)provider, address, logs);
    }

    /// <summary>Replaces the whole configuration with <paramref name="json"/> and fires its reload token.</summary>
    public void Reload(string json) => _provider.Replace(Flatten(json));

    /// <summary>A JSON document as configuration keys (what AddJsonFile would produce).</summary>
    public static Dictionary<string, string?> Flatten(string json)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(json));
        return new ConfigurationBuilder().AddJsonStream(stream).Build().AsEnumerable()
            .Where(kv => kv.Value is not null)
            .ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.OrdinalIgnoreCase);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.DisposeAsync();
    }

    private sealed class Source(Dictionary<string, string?> initial) : IConfigurationSource
    {
        public Provider Provider { get; } = new(initial);

        public IConfigurationProvider Build(IConfigurationBuilder builder) => Provider;
    }

    private sealed class Provider(Dictionary<string, string?> initial) : ConfigurationProvider
    {
        public override void Load() => Data = new Dictionary<string, string?>(initial, StringComparer.OrdinalIgnoreCase);

        public void Replace(Dictionary<string, string?> data)
        {
            Data = new Dictionary<string, string?>(data, StringComparer.OrdinalIgnoreCase);
            OnReload();
        }
    }
}
