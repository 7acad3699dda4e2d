using EdgeKit.Telemetry;

namespace EdgeKit.Tests.Telemetry;

/// <summary>The throttle behind the retry budget's warning and the gateway's per-cluster failure warnings (public API).</summary>
public class LogThrottleTests
{
    [Fact]
    public void The_first_event_is_logged_then_at_most_once_per_interval_with_the_count_since_the_last_log()
    {
        var throttle = new LogThrottle();

        throttle.Count();
        throttle.TryBegin(now: 1_000, interval: 100, out long first).Should().BeTrue();
        first.Should().Be(1);

        for (int i = 0; i < 5; i++)
        {
            throttle.Count();
            throttle.TryBegin(now: 1_050 + i, interval: 100, out long suppressed).Should().BeFalse();
            suppressed.Should().Be(0);
        }

        throttle.Count();
        throttle.TryBegin(now: 1_100, interval: 100, out long next).Should().BeTrue();
        next.Should().Be(6, "the five suppressed events and this one");

        throttle.TryBegin(now: 1_150, interval: 100, out _).Should().BeFalse();
    }

    [Fact]
    public async Task Racing_threads_log_once_per_interval_and_lose_no_count()
    {
        var throttle = new LogThrottle();
        int logged = 0;
        long counted = 0;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            for (int i = 0; i < 10_000; i++)
            {
                throttle.Count();
                if (throttle.TryBegin(now: 5, interval: 1_000, out long count))
                {
                    Interlocked.Increment(ref logged);
                    Interlocked.Add(ref counted, count);
                }
            }
        })));

        logged.Should().Be(1);
        throttle.TryBegin(now: 2_000, interval: 1_000, out long rest).Should().BeTrue();
        (counted + rest).Should().Be(40_000);
    }

    [Fact]
    public void A_zero_interval_logs_every_time_with_one_occurrence_each()
    {
        var throttle = new LogThrottle();

        for (int i = 0; i < 3; i++)
        {
            throttle.Count();
            throttle.TryBegin(now: 7, interval: 0, out long count).Should().BeTrue();
            count.Should().Be(1);
        }
    }

    [Fact]
    public void Nothing_counted_still_logs_the_first_time_with_a_count_of_zero()
    {
        var throttle = new LogThrottle();

        throttle.TryBegin(now: 0, interval: 10, out long count).Should().BeTrue();

        count.Should().Be(0);
    }

    [Fact]
    public void A_negative_interval_is_refused_and_changes_nothing()
    {
        var throttle = new LogThrottle();
        throttle.Count();

        var act = () => throttle.TryBegin(now: 1, interval: -1, out _);

        act.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("interval");
        throttle.TryBegin(now: 1, interval: 1, out long count).Should().BeTrue();
        count.Should().Be(1, "the refused call neither logged nor reset the count");
    }
}
