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
/// A real Kestrel "shop" service on 127.0.0.1 for aggregation tests: orders (each with six items), customers and
/// products (products hold until <see cref="ProductConcurrencyGate"/> requests are in flight together, and record the most
/// ever in flight), plus a slow, a failing, an oversized, a header-echoing and a body-echoing endpoint.
/// </summary>
internal sealed class AggregationBackend : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _productsInFlight;
    private int _maxProductsInFlight;
    private int _productRequests;

    private AggregationBackend(WebApplication app, int gate)
    {
        _app = app;
        ProductConcurrencyGate = gate;
    }

    /// <summary>The product requests that must be in flight together before any is answered (then all are answered at once).</summary>
    public int ProductConcurrencyGate { get; }

    public Uri Address { get; private set; } = null!;

    public int MaxProductsInFlight => Volatile.Read(ref _maxProductsInFlight);

    public int ProductRequests => Volatile.Read(ref _productRequests);

    public static async Task<AggregationBackend> StartAsync(int productConcurrencyGate)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        var app = builder.Build();
        app.Urls.Add("http://127.0.0.1:0");
        var backend = new AggregationBackend(app, productConcurrencyGate);
        backend.Map(app);
        await app.StartAsync();
        backend.Address = new Uri(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single() + "/");
        return backend;
    }

    private void Map(WebApplication app)
    {
        app.MapGet("/orders/{id}", (string id) => Results.Text(
            $$"""{"id":"{{id}}","customerId":"c-{{id}}","items":[{"productId":1},{"productId":2},{"productId":3},{"productId":4},{"productId":5},{"productId":6}]}""",
            "application/json"));
        app.MapGet("/customers/{id}", (string id, HttpContext context) =>
        {
            context.Response.Headers.CacheControl = "private, max-age=30";
            return Results.Text($$"""{"id":"{{id}}","name":"Customer {{id}}"}""", "application/json");
        });
        app.MapGet("/products/{id:int}", async (int id, HttpContext context) =>
        {
            Interlocked.Increment(ref _productRequests);
            int now = Interlocked.Increment(ref _productsInFlight);
            int max;
            while (now > (max = Volatile.Read(ref _maxProductsInFlight)) && Interlocked.CompareExchange(ref _maxProductsInFlight, now, max) != max)
            {
            }

            if (now >= ProductConcurrencyGate)
            {
                _gate.TrySetResult();
            }

            try
            {
                await _gate.Task.WaitAsync(TimeSpan.FromSeconds(10), context.RequestAborted);
                return Results.Text($$"""{"productId":{{id}},"price":{{id * 10}}}""", "application/json");
            }
            finally
            {
                Interlocked.Decrement(ref _productsInFlight);
            }
        });
        app.MapGet("/slow", async (HttpContext context) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(10), context.RequestAborted);
            return Results.Text("{}", "application/json");
        });
        app.MapGet("/fail", () => Results.Problem("boom", statusCode: 500));
        app.MapGet("/big", async (HttpContext context) =>
        {
            // Chunked (no Content-Length): the aggregator finds out it is too big only by reading.
            context.Response.ContentType = "application/json";
            var chunk = System.Text.Encoding.UTF8.GetBytes("\"" + new string('x', 64 * 1024) + "\",");
            await context.Response.WriteAsync("[", context.RequestAborted);
            for (int i = 0; i < 64 && !context.RequestAborted.IsCancellationRequested; i++)
            {
                await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
            }

            await context.Response.WriteAsync("1]", context.RequestAborted);
        });
        app.MapGet("/whoami", (HttpContext context) => Results.Json(new Dictionary<string, string?>
        {
            ["authorization"] = context.Request.Headers.Authorization.ToString(),
            ["cookie"] = context.Request.Headers.Cookie.ToString(),
            ["other"] = context.Request.Headers["X-Other"].ToString(),
        }));
        app.MapPost("/quotes", async (HttpContext context) =>
        {
            using var reader = new StreamReader(context.Request.Body);
            string body = await reader.ReadToEndAsync(context.RequestAborted);
            return Results.Text($$"""{"received":{{body}}}""", "application/json");
        });
    }

    public async ValueTask DisposeAsync()
    {
        _gate.TrySetResult();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
