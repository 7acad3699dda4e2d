using System.Diagnostics.Metrics;
using EdgeKit.Destinations;
using EdgeKit.Telemetry;
using EdgeKit.Tests.RateLimiting;

namespace EdgeKit.Tests.Telemetry;

/// <summary>The public tag vocabulary of EdgeKit's metrics and spans.</summary>
[Collection(AllocationCollection.Name)]
public class EdgeKitTagsTests
{
    [Fact]
    public void The_names_are_edgekits_own_and_opentelemetrys_http_conventions()
    {
        EdgeKitTags.Cluster.Should().Be("edgekit.cluster");
        EdgeKitTags.Destination.Should().Be("edgekit.destination");
        EdgeKitTags.Outcome.Should().Be("edgekit.outcome");
        EdgeKitTags.StatusCode.Should().Be("http.response.status_code");
        EdgeKitTags.ErrorType.Should().Be("error.type");
    }

    [Theory]
    [InlineData(100)]
    [InlineData(200)]
    [InlineData(404)]
    [InlineData(599)]
    public void A_status_code_value_is_the_boxed_code_and_the_same_instance_each_time(int statusCode)
    {
        object value = EdgeKitTags.StatusCodeValue(statusCode);

        value.Should().BeOfType<int>().Which.Should().Be(statusCode);
        EdgeKitTags.StatusCodeValue(statusCode).Should().BeSameAs(value);
    }

    [Theory]
    [InlineData(int.MinValue)]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(99)]
    [InlineData(600)]
    [InlineData(int.MaxValue)]
    public void A_code_outside_100_to_599_is_boxed_as_usual(int statusCode)
    {
        EdgeKitTags.StatusCodeValue(statusCode).Should().BeOfType<int>().Which.Should().Be(statusCode);
    }

    [Fact]
    public void Tagging_with_a_cached_status_code_allocates_nothing()
    {
        EdgeKitTags.StatusCodeValue(503);
        long before = GC.GetAllocatedBytesForCurrentThread();
        object value = null!;
        for (int i = 0; i < 1000; i++)
        {
            value = EdgeKitTags.StatusCodeValue(100 + (i % 500));
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        allocated.Should().Be(0);
        value.Should().Be(599);
    }

    [Fact]
    public void A_request_through_a_lease_is_measured_with_these_tag_names()
    {
        string cluster = "tags-" + Guid.NewGuid().ToString("N");
        var tags = new List<string>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == EdgeKitTelemetry.Name && instrument.Name == "edgekit.balancer.requests")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, _, measured, _) =>
        {
            var pairs = measured.ToArray();
            if (pairs.Any(t => t.Key == EdgeKitTags.Cluster && Equals(t.Value, cluster)))
            {
                lock (tags)
                {
                    tags.AddRange(pairs.Select(t => t.Key));
                }
            }
        });
        listener.Start();
        using var owner = new Cluster(cluster, [new Destination("d0", new Uri("http://10.0.0.1"))]);

        owner.Begin(owner.Snapshot.AllDestinations[0]).Complete(RequestOutcome.Failure, 503);

        tags.Should().Equal(EdgeKitTags.Cluster, EdgeKitTags.Destination, EdgeKitTags.Outcome, EdgeKitTags.StatusCode, EdgeKitTags.ErrorType);
    }
}
