namespace EdgeKit.Simulation.Tests;

public class VirtualTimeProviderTests
{
    [Fact]
    public void Starts_at_zero_in_timespan_ticks()
    {
        var time = new VirtualTimeProvider();
        time.GetTimestamp().Should().Be(0);
        time.TimestampFrequency.Should().Be(TimeSpan.TicksPerSecond);
        time.GetUtcNow().Should().Be(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
    }

    [Fact]
    public void Moves_only_forward()
    {
        var time = new VirtualTimeProvider();
        time.MoveTo(TimeSpan.FromSeconds(2).Ticks);
        time.Elapsed.Should().Be(TimeSpan.FromSeconds(2));
        time.GetElapsedTime(0).Should().Be(TimeSpan.FromSeconds(2));
        FluentActions.Invoking(() => time.MoveTo(1)).Should().Throw<InvalidOperationException>();
    }

    [Fact]
    public void Fires_timers_on_the_virtual_clock_in_due_order_with_the_clock_at_their_due_time()
    {
        var time = new VirtualTimeProvider();
        var fired = new List<(string Name, TimeSpan At)>();
        using var periodic = time.CreateTimer(_ => fired.Add(("periodic", time.Elapsed)), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        using var once = time.CreateTimer(_ => fired.Add(("once", time.Elapsed)), null, TimeSpan.FromSeconds(1.5), Timeout.InfiniteTimeSpan);
        using var never = time.CreateTimer(_ => fired.Add(("never", time.Elapsed)), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        var disposed = time.CreateTimer(_ => fired.Add(("disposed", time.Elapsed)), null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
        disposed.Dispose();

        time.MoveTo(TimeSpan.FromSeconds(3.2).Ticks);

        fired.Should().Equal(
            ("periodic", TimeSpan.FromSeconds(1)),
            ("once", TimeSpan.FromSeconds(1.5)),
            ("periodic", TimeSpan.FromSeconds(2)),
            ("periodic", TimeSpan.FromSeconds(3)));
        time.Elapsed.Should().Be(TimeSpan.FromSeconds(3.2));
    }

    [Fact]
    public void A_timer_re_armed_from_its_callback_fires_again_later()
    {
        var time = new VirtualTimeProvider();
        int count = 0;
        ITimer? timer = null;
        timer = time.CreateTimer(_ => { count++; timer!.Change(TimeSpan.FromSeconds(10), Timeout.InfiniteTimeSpan); }, null, TimeSpan.FromSeconds(10), Timeout.InfiniteTimeSpan);

        time.MoveTo(TimeSpan.FromSeconds(35).Ticks);

        count.Should().Be(3);
        timer.Dispose();
    }
}
