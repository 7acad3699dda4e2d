using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeKit.Gateway.Tests.TestSupport;

/// <summary>A real Kestrel backend on 127.0.0.1, port 0.</summary>
internal sealed class Backend : IAsyncDisposable
{
    private readonly WebApplication _app;

    private Backend(WebApplication app, string address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>The backend's base address, e.g. <c>http://127.0.0.1:40123</c>.</summary>
    public string Address { get; }

    public static async Task<Backend> StartAsync(Action<WebApplication> map)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        return new Backend(app, app.Urls.Single().TrimEnd('/'));
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

/// <summary>A folder for the test's files, deleted afterwards.</summary>
internal sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("edgekit-gateway-").FullName;

    public string Write(string name, string text)
    {
        var path = System.IO.Path.Combine(Path, name);
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>The gateway built by the host from a file, started in this process, listening on 127.0.0.1.</summary>
internal sealed class RunningGateway : IAsyncDisposable
{
    private RunningGateway(WebApplication app, string address, LogSink logs)
    {
        App = app;
        Address = address;
        Logs = logs;
        Client = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = new Uri(address) };
    }

    public WebApplication App { get; }

    public string Address { get; }

    public HttpClient Client { get; }

    public LogSink Logs { get; }

    public static async Task<RunningGateway> StartAsync(string file)
    {
        var logs = new LogSink();
        var app = GatewayApp.Build(file, logging: b => b.AddProvider(logs));
        await app.StartAsync();
        return new RunningGateway(app, GatewayApp.Addresses(app).First().TrimEnd('/'), logs);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.DisposeAsync();
    }
}

/// <summary>Keeps every log entry (category, level, event id, message).</summary>
internal sealed class LogSink : ILoggerProvider
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<(string Category, LogLevel Level, EventId Id, string Message)> _entries = new();

    public IReadOnlyList<(string Category, LogLevel Level, EventId Id, string Message)> Entries => _entries.ToArray();

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _entries);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, System.Collections.Concurrent.ConcurrentQueue<(string, LogLevel, EventId, string)> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            entries.Enqueue((category, logLevel, eventId, formatter(state, exception)));
    }
}
