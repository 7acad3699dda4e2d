using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeKit.AspNetCore.Tests.RateLimiting;

public sealed class LoadSheddingMiddlewareTests
{
    [Fact]
    public async Task Beyond_the_concurrency_limit_requests_get_503_temporary_reduced_capacity()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int arrived = 0;
        var bothArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddEdgeKit().AddLoadShedding(o =>
        {
            o.Concurrency.InitialLimit = 2;
            o.Concurrency.MaxLimit = 2;
            o.RetryAfter = TimeSpan.FromMilliseconds(1500);
        });
        await using var app = builder.Build();
        app.UseEdgeKitLoadShedding();
        app.MapGet("/slow", async () =>
        {
            if (Interlocked.Increment(ref arrived) == 2)
            {
                bothArrived.SetResult();
            }

            await gate.Task;
            return "done";
        });
        await app.StartAsync();
        using var client = new HttpClient { BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()) };

        var first = client.GetAsync("/slow");
        var second = client.GetAsync("/slow");
        await bothArrived.Task.WaitAsync(TimeSpan.FromSeconds(10));
        using var shed = await client.GetAsync("/slow");

        shed.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        shed.Headers.RetryAfter!.Delta.Should().Be(TimeSpan.FromSeconds(2), "1.5 s rounded up");
        shed.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        using (var body = JsonDocument.Parse(await shed.Content.ReadAsStringAsync()))
        {
            body.RootElement.GetProperty("type").GetString().Should().Be("https://iana.org/assignments/http-problem-types#temporary-reduced-capacity");
            body.RootElement.GetProperty("status").GetInt32().Should().Be(503);
        }

        gate.SetResult();
        (await first).StatusCode.Should().Be(HttpStatusCode.OK);
        (await second).StatusCode.Should().Be(HttpStatusCode.OK);
        using var after = await client.GetAsync("/slow");
        after.StatusCode.Should().Be(HttpStatusCode.OK, "the permits were returned when the requests ended");
        await app.StopAsync();
    }

    [Fact]
    public async Task Invalid_settings_fail_the_start_with_every_problem()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddEdgeKit().AddLoadShedding(o =>
        {
            o.Concurrency.BackoffRatio = 1.5;
            o.RetryAfter = TimeSpan.Zero;
        });
        await using var app = builder.Build();

        var start = () => app.StartAsync();

        (await start.Should().ThrowAsync<OptionsValidationException>()).Which.Failures.Should().Equal(
            "EdgeKit load shedding: Concurrency: BackoffRatio must be above 0 and below 1 (was 1.5).",
            "EdgeKit load shedding: RetryAfter must be positive (was 00:00:00).");
    }

    [Fact]
    public void Using_it_without_adding_it_throws()
    {
        var app = WebApplication.CreateSlimBuilder().Build();
        app.Invoking(a => a.UseEdgeKitLoadShedding()).Should().Throw<InvalidOperationException>()
            .WithMessage("UseEdgeKitLoadShedding needs services.AddEdgeKit().AddLoadShedding() first.");
    }
}
