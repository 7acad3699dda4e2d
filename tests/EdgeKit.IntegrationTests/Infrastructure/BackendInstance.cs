using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeKit.IntegrationTests.Infrastructure;

/// <summary>
/// One real Kestrel server on 127.0.0.1 (port chosen by the OS) that answers every request with a
/// <see cref="BackendEcho"/>: its own name and the request's target and Host header as received.
/// It counts what it receives, and can be switched to fail, abort, hold requests, or stop.
/// A GET of a path ending in <see cref="HealthPath"/> is a health check instead: answered with
/// <see cref="HealthStatus"/> and counted apart, in <see cref="HealthChecks"/>, not in <see cref="Requests"/>.
/// </summary>
internal sealed class BackendInstance : IAsyncDisposable
{
    /// <summary>The request header whose value <see cref="RequestIds"/> records.</summary>
    public const string RequestIdHeader = "X-Request-Id";

    /// <summary>The path (after any prefix) of the health endpoint.</summary>
    public const string HealthPath = "/healthz";

    private readonly WebApplication _app;
    private readonly Action _onArrival;
    private readonly ConcurrentQueue<string> _requestIds = new();
    private TaskCompletionSource _release = NewRelease();
    private readonly ConcurrentQueue<string> _healthCheckPaths = new();
    private int _requests;
    private int _healthStatus = StatusCodes.Status200OK;
    private int _behavior;
    private int _stopped;

    private BackendInstance(string name, WebApplication app, Action onArrival)
    {
        Name = name;
        _app = app;
        _onArrival = onArrival;
        app.Run(HandleAsync);
    }

    /// <summary>The instance's name, which it puts in every answer.</summary>
    public string Name { get; }

    /// <summary>The address it listens on, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>Requests received, whatever the answer.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>The <see cref="RequestIdHeader"/> values of the requests received, in order of arrival.</summary>
    public IReadOnlyCollection<string> RequestIds => _requestIds;

    /// <summary>The status the health endpoint answers from now on; default 200. Set 503 to make the instance's health fail.</summary>
    public int HealthStatus
    {
        get => Volatile.Read(ref _healthStatus);
        set => Volatile.Write(ref _healthStatus, value);
    }

    /// <summary>Health checks received (GETs of <see cref="HealthPath"/>), whatever the answer.</summary>
    public int HealthChecks => _healthCheckPaths.Count;

    /// <summary>The paths of the health checks received, in order of arrival.</summary>
    public IReadOnlyCollection<string> HealthCheckPaths => _healthCheckPaths;

    /// <summary>How the instance answers from now on.</summary>
    public BackendBehavior Behavior
    {
        get => (BackendBehavior)Volatile.Read(ref _behavior);
        set => Volatile.Write(ref _behavior, (int)value);
    }

    /// <summary>Starts an instance.</summary>
    /// <param name="name">Its name.</param>
    /// <param name="onArrival">Called as each request arrives, before it is answered.</param>
    public static async Task<BackendInstance> StartAsync(string name, Action onArrival)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        var app = builder.Build();
        app.Urls.Add("http://127.0.0.1:0");
        var instance = new BackendInstance(name, app, onArrival);
        await app.StartAsync();

        var addresses = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses;
        instance.Address = new Uri(addresses.Single() + "/");
        return instance;
    }

    /// <summary>Lets every request held by <see cref="BackendBehavior.Hold"/> complete; later ones are held again.</summary>
    public void ReleaseHeldRequests() => Interlocked.Exchange(ref _release, NewRelease()).TrySetResult();

    /// <summary>Makes the instance fail every request from now on.</summary>
    public Task FailAsync(InstanceFailure failure)
    {
        switch (failure)
        {
            case InstanceFailure.Returns500:
                Behavior = BackendBehavior.Fail500;
                return Task.CompletedTask;
            case InstanceFailure.AbortsConnection:
                Behavior = BackendBehavior.Abort;
                return Task.CompletedTask;
            default:
                return StopAsync();
        }
    }

    /// <summary>Stops listening: from now on connections to <see cref="Address"/> are refused.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            _release.TrySetResult();
            await _app.StopAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        if (HttpMethods.IsGet(context.Request.Method)
            && context.Request.Path.Value?.EndsWith(HealthPath, StringComparison.Ordinal) == true)
        {
            // Not a request of the test's traffic: neither counted in Requests nor signalled as an arrival.
            _healthCheckPaths.Enqueue(context.Request.Path.Value);
            context.Response.StatusCode = HealthStatus;
            return;
        }

        Interlocked.Increment(ref _requests);
        if (context.Request.Headers.TryGetValue(RequestIdHeader, out var id))
        {
            _requestIds.Enqueue(id.ToString());
        }

        // Read before signalling the arrival: a test that releases held requests once they have all
        // arrived must release this one too.
        var behavior = Behavior;
        var release = Volatile.Read(ref _release).Task;
        _onArrival();
        switch (behavior)
        {
            case BackendBehavior.Abort:
                context.Abort();
                return;
            case BackendBehavior.Fail500:
                context.Response.StatusCode = StatusCodes.Status500InternalServerError;
                break;
            case BackendBehavior.Fail503:
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                break;
            case BackendBehavior.Hold:
                try
                {
                    await release.WaitAsync(context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                break;
        }

        var request = context.Request;
        var echo = new BackendEcho(
            Name,
            request.Method,
            context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget,
            (request.PathBase + request.Path).Value ?? "",
            request.QueryString.Value ?? "",
            request.Host.Value ?? "");
        await context.Response.WriteAsJsonAsync(echo, context.RequestAborted);
    }

    private static TaskCompletionSource NewRelease() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
