using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeKit.AspNetCore.Tests.RateLimiting;

/// <summary>Issue 18: <c>edgekit.ratelimit.decisions</c> counts each request once, whether accepted, refused or queued.</summary>
public sealed class RateLimitDecisionMetricTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public async Task Each_request_is_one_decision(int queueLimit)
    {
        // A policy name of its own: the meter is process-wide and other tests record decisions at the same time.
        string policy = "decisions-" + Guid.NewGuid().ToString("N");
        var counts = new System.Collections.Concurrent.ConcurrentDictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "EdgeKit" && instrument.Name == "edgekit.ratelimit.decisions")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            string? name = null, result = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "edgekit.ratelimit.policy")
                {
                    name = tag.Value as string;
                }
                else if (tag.Key == "edgekit.ratelimit.result")
                {
                    result = tag.Value as string;
                }
            }

            if (name == policy)
            {
                counts.AddOrUpdate(result!, value, (_, total) => total + value);
            }
        });
        listener.Start();
        await using var app = await RateLimitedApp.StartAsync(
            new Dictionary<string, string?>
            {
                [$"EdgeKit:RateLimiting:Policies:{policy}:Limits:0:PermitLimit"] = "3",
                [$"EdgeKit:RateLimiting:Policies:{policy}:Limits:0:Window"] = "00:01:00",
                [$"EdgeKit:RateLimiting:Policies:{policy}:QueueLimit"] = queueLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
                [$"EdgeKit:RateLimiting:Policies:{policy}:Partition:Kind"] = "Global",
                ["EdgeKit:RateLimiting:Policies:per-client:Limits:0:PermitLimit"] = "1",
                ["EdgeKit:RateLimiting:Policies:per-client:Limits:0:Window"] = "00:01:00",
            },
            endpoints: app => app.MapGet("/counted", () => "ok").RequireRateLimiting(policy));

        var limiter = app.Services.GetRequiredService<EdgeKit.AspNetCore.RateLimiting.EdgeKitRateLimitPolicies>().Policies[policy].Limiter;
        var statuses = new List<HttpStatusCode>();
        for (int i = 0; i < 5; i++)
        {
            // A queued request waits for the fake clock, which moves on only once the request is in the queue, so the
            // fourth and fifth requests do queue (and were counted refused, then accepted, when the immediate attempt
            // ASP.NET's middleware makes first was decided and counted too).
            var pending = app.Client.GetAsync("/counted");
            while (!pending.IsCompleted)
            {
                await Task.WhenAny(pending, Task.Delay(10));
                if (!pending.IsCompleted && limiter.GetStatistics("global")?.CurrentQueuedCount > 0)
                {
                    app.Time.Advance(TimeSpan.FromSeconds(20));
                }
            }

            using var response = await pending;
            statuses.Add(response.StatusCode);
        }

        int accepted = statuses.Count(s => s == HttpStatusCode.OK);
        int rejected = statuses.Count(s => s == HttpStatusCode.TooManyRequests);
        (accepted + rejected).Should().Be(5);
        // Without a queue the last two are refused; with one they wait for permits.
        accepted.Should().Be(queueLimit == 0 ? 3 : 5);
        counts.GetValueOrDefault("accepted").Should().Be(accepted);
        counts.GetValueOrDefault("rejected").Should().Be(rejected);
    }
}
