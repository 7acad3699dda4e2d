using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using EdgeKit.AspNetCore.Tests.Infrastructure;

namespace EdgeKit.AspNetCore.Tests.Telemetry;

[Collection(TracingCollection.Name)]
public sealed class GatewayMetricsTests
{
    [Fact]
    public async Task Forwarded_requests_are_counted_and_timed_with_route_cluster_destination_outcome_and_status()
    {
        var measurements = new ConcurrentQueue<(string Instrument, double Value, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "EdgeKit" && instrument.Name is "edgekit.balancer.requests" or "edgekit.balancer.request.duration" or "edgekit.balancer.active_requests")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => measurements.Enqueue((instrument.Name, value, ToDictionary(tags))));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => measurements.Enqueue((instrument.Name, value, ToDictionary(tags))));
        listener.Start();
        await using var backend = await EchoBackend.StartAsync("orders");
        await using var gateway = await GatewayHost.StartAsync(new Dictionary<string, string?>
        {
            ["Clusters:metrics-orders:Destinations:o1:Address"] = backend.Address,
            ["Routes:metrics-route:Match:Path"] = "/metrics-test/{**rest}",
            ["Routes:metrics-route:Cluster"] = "metrics-orders",
        });

        (await gateway.Client.GetAsync("/metrics-test/1")).EnsureSuccessStatusCode();
        (await gateway.Client.GetAsync("/metrics-test/2")).EnsureSuccessStatusCode();

        var mine = measurements.Where(m => Equals(m.Tags.GetValueOrDefault("edgekit.cluster"), "metrics-orders")).ToList();
        var requests = mine.Where(m => m.Instrument == "edgekit.balancer.requests").ToList();
        requests.Should().HaveCount(2);
        requests.Should().OnlyContain(m => m.Value == 1
            && Equals(m.Tags["edgekit.route"], "metrics-route")
            && Equals(m.Tags["edgekit.destination"], "o1")
            && Equals(m.Tags["edgekit.outcome"], "success")
            && Equals(m.Tags["http.response.status_code"], 200));
        mine.Where(m => m.Instrument == "edgekit.balancer.request.duration").Should().HaveCount(2).And.OnlyContain(m => m.Value > 0 && m.Value < 30);
        mine.Where(m => m.Instrument == "edgekit.balancer.active_requests").Sum(m => m.Value).Should().Be(0, "every +1 has its -1");
    }

    private static Dictionary<string, object?> ToDictionary(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var result = new Dictionary<string, object?>();
        foreach (var tag in tags)
        {
            result[tag.Key] = tag.Value;
        }

        return result;
    }
}
