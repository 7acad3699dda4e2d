using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeKitClient.Tests;

/// <summary>The worker as appsettings.json configures it, calling two stub backends (real Kestrel servers on 127.0.0.1).</summary>
public sealed class WorkerTests
{
    [Fact]
    public async Task The_worker_calls_both_destinations_of_the_cluster()
    {
        var first = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var second = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var a = await StubAsync(c => first.TrySetResult($"{c.Request.Method} {c.Request.Path}"), HttpStatusCode.OK, "from a");
        await using var b = await StubAsync(c => second.TrySetResult($"{c.Request.Method} {c.Request.Path}"), HttpStatusCode.OK, "from b");
        using var host = Build(a, b, "--Worker:Interval=00:00:00.050");

        await host.StartAsync();
        var requests = await Task.WhenAll(first.Task, second.Task).WaitAsync(TimeSpan.FromSeconds(30));
        await host.StopAsync();

        requests.Should().Equal("GET /orders", "GET /orders");
    }

    [Fact]
    public async Task A_destination_answering_503_is_retried_on_the_other_one()
    {
        int failing = 0;
        await using var a = await StubAsync(_ => Interlocked.Increment(ref failing), HttpStatusCode.ServiceUnavailable, "down");
        await using var b = await StubAsync(_ => { }, HttpStatusCode.OK, "from b");
        // The worker waits an hour after its first call: the test's own calls below are the others.
        using var host = Build(a, b, "--Worker:Interval=01:00:00");
        await host.StartAsync();
        var orders = host.Services.GetRequiredService<OrdersClient>();

        var answers = new List<string>();
        for (int i = 0; i < 4; i++)
        {
            answers.Add(await orders.GetOrdersAsync(CancellationToken.None));
        }

        await host.StopAsync();

        answers.Should().Equal("from b", "from b", "from b", "from b");
        failing.Should().BeGreaterThan(0, "round robin sends every other first attempt to the failing destination");
    }

    private static IHost Build(WebApplication a, WebApplication b, string interval) => ClientHost.Build(
    [
        $"--contentRoot={AppContext.BaseDirectory}",
        "--Logging:LogLevel:Default=Warning",
        $"--EdgeKit:Clusters:orders:Destinations:o1:Address={a.Urls.Single()}",
        $"--EdgeKit:Clusters:orders:Destinations:o2:Address={b.Urls.Single()}",
        interval,
    ]);

    private static async Task<WebApplication> StubAsync(Action<HttpContext> seen, HttpStatusCode status, string body)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/orders", (HttpContext c) =>
        {
            seen(c);
            return Results.Text(body, statusCode: (int)status);
        });
        await app.StartAsync();
        return app;
    }
}
