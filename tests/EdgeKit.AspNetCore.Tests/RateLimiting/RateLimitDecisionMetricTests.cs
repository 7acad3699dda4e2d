using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.AspNetCore.Builder;

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
                ["EdgeKit:RateLimiting:Policies:per-client:Limits:0:PermitLimit"] = "1",
                ["EdgeKit:RateLimiting:Policies:per-client:Limits:0:Window"] = "00:01:00",
            },
            endpoints: app => app.MapGet("/counted", () => "ok").RequireRateLimiting(policy));

        var statuses = new List<HttpStatusCode>();
        for (int i = 0; i < 5; i++)
        {
            // A queued request waits for the fake clock: move it on while the request is pending (whatever the timing,
            // each request is accepted or refused once, which is what is counted).
            var pending = app.Client.GetAsync("/counted");
            while (queueLimit > 0 && !pending.IsCompleted)
            {
                await Task.WhenAny(pending, Task.Delay(20));
                if (!pending.IsCompleted)
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
        // Without a queue the last two are refused; with one they wait for permits (or, if the clock ran first, find them).
        accepted.Should().Be(queueLimit == 0 ? 3 : 5);
        counts.GetValueOrDefault("accepted").Should().Be(accepted);
        counts.GetValueOrDefault("rejected").Should().Be(rejected);
    }
}
