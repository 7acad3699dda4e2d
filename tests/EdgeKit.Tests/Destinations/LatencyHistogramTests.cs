using EdgeKit.Destinations;

namespace EdgeKit.Tests.Destinations;

public sealed class LatencyHistogramTests
{
    [Fact]
    public void Buckets_are_log_linear_four_per_power_of_two_and_bounds_round_trip()
    {
        LatencyHistogram.BucketOf(0).Should().Be(0);
        LatencyHistogram.BucketOf(3).Should().Be(3);
        LatencyHistogram.BucketOf(4).Should().Be(4);
        LatencyHistogram.BucketOf(7).Should().Be(7);
        LatencyHistogram.BucketOf(8).Should().Be(8);
        LatencyHistogram.BucketOf(9).Should().Be(8, "8 and 9 share the bucket [8, 10)");
        LatencyHistogram.BucketOf(10).Should().Be(9);
        LatencyHistogram.BucketOf(long.MaxValue).Should().Be(LatencyHistogram.BucketCount - 1);
        for (int i = 0; i < LatencyHistogram.BucketCount - 1; i++)
        {
            long lower = LatencyHistogram.LowerBoundMicroseconds(i);
            long next = LatencyHistogram.LowerBoundMicroseconds(i + 1);
            next.Should().BeGreaterThan(lower);
            LatencyHistogram.BucketOf(lower).Should().Be(i);
            LatencyHistogram.BucketOf(next - 1).Should().Be(i);
            if (lower >= 4)
            {
                (next - lower).Should().BeLessThanOrEqualTo(lower / 4, "a bucket is at most 25% wide");
            }
        }
    }

    [Fact]
    public void Percentiles_come_from_the_window_between_two_copies()
    {
        var histogram = new LatencyHistogram(TimeSpan.TicksPerSecond);
        for (int i = 0; i < 100; i++)
        {
            histogram.Record(TimeSpan.FromMilliseconds(500).Ticks);
        }

        var before = new long[LatencyHistogram.BucketCount];
        histogram.CopyCounts(before);
        for (int i = 0; i < 98; i++)
        {
            histogram.Record(TimeSpan.FromMilliseconds(10).Ticks);
        }

        histogram.Record(TimeSpan.FromMilliseconds(200).Ticks);
        histogram.Record(TimeSpan.FromMilliseconds(200).Ticks);
        var after = new long[LatencyHistogram.BucketCount];
        histogram.CopyCounts(after);

        // 10 ms = 10,000 µs falls in [8192, 10240): its upper bound is reported.
        LatencyHistogram.Percentile(before, after, 0.5).Should().Be(TimeSpan.FromMicroseconds(10240));
        // The 99th of 100 is one of the two 200 ms ones: [196608, 229376).
        LatencyHistogram.Percentile(before, after, 0.99).Should().Be(TimeSpan.FromMicroseconds(229376));
        LatencyHistogram.Percentile(after, after, 0.5).Should().BeNull("nothing was recorded in an empty window");
        LatencyHistogram.Percentile(new long[LatencyHistogram.BucketCount], after, 1).Should().Be(TimeSpan.FromMicroseconds(524288), "the window since the start includes the 500 ms ones");
    }

    [Fact]
    public void Bad_arguments_are_rejected()
    {
        var histogram = new LatencyHistogram(1000);
        var act = () => histogram.CopyCounts(new long[3]);
        act.Should().Throw<ArgumentException>().WithMessage("The destination must hold 128 counts.*");
        ((Action)(() => _ = new LatencyHistogram(0))).Should().Throw<ArgumentOutOfRangeException>();
        ((Action)(() => LatencyHistogram.Percentile(new long[128], new long[128], 1.5))).Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void Completed_requests_are_recorded_and_cancelled_ones_are_not()
    {
        using var cluster = new Cluster("c");
        cluster.UpdateDestinations([new Destination("d", new Uri("http://10.0.0.1"))]);
        var state = cluster.Snapshot.AllDestinations[0];
        long frequency = cluster.Environment.TimeProvider.TimestampFrequency;

        state.BeginRequest();
        state.EndRequest(0, frequency / 1000 * 3, RequestOutcome.Success, 200);
        state.BeginRequest();
        state.EndRequest(0, frequency, RequestOutcome.Cancelled);
        var counts = new long[LatencyHistogram.BucketCount];
        state.Latencies.CopyCounts(counts);

        counts.Sum().Should().Be(1);
        counts[LatencyHistogram.BucketOf(3000)].Should().Be(1);
    }
}
