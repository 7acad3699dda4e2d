using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using EdgeKit.Configuration;
using EdgeKit.RateLimiting;
using Microsoft.Extensions.Time.Testing;

namespace EdgeKit.Tests.RateLimiting;

public sealed class RateLimitMetricsTests
{
    [Fact]
    public void Decisions_partitions_and_overflows_are_counted_by_policy()
    {
        string policy = "metrics-" + Guid.NewGuid().ToString("N");
        var seen = new ConcurrentQueue<(string Instrument, long Value, string? Result)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "EdgeKit" && instrument.Name.StartsWith("edgekit.ratelimit.", StringComparison.Ordinal))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string? tagPolicy = null;
            string? result = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "edgekit.ratelimit.policy")
                {
                    tagPolicy = tag.Value as string;
                }
                else if (tag.Key == "edgekit.ratelimit.result")
                {
                    result = tag.Value as string;
                }
            }

            if (tagPolicy == policy)
            {
                seen.Enqueue((instrument.Name, value, result));
            }
        });
        listener.Start();
        using var limiter = new EdgeKitPartitionedRateLimiter<string, string>(new()
        {
            PartitionKeySelector = k => k,
            Limits = [new TokenBucketLimit(1, TimeSpan.FromHours(1))],
            MaxPartitions = 1,
            PolicyName = policy,
        }, new FakeTimeProvider());

        limiter.AttemptAcquire("a");
        limiter.AttemptAcquire("a");
        limiter.AttemptAcquire("b");

        seen.Where(m => m.Instrument == "edgekit.ratelimit.decisions").Select(m => m.Result)
            .Should().Equal("accepted", "rejected", "accepted");
        seen.Where(m => m.Instrument == "edgekit.ratelimit.partitions").Sum(m => m.Value).Should().Be(1);
        seen.Where(m => m.Instrument == "edgekit.ratelimit.overflows").Sum(m => m.Value).Should().Be(1);
    }
}
