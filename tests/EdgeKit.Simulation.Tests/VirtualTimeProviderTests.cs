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
    public void Refuses_timers_rather_than_running_them_on_the_real_clock() =>
        FluentActions.Invoking(() => new VirtualTimeProvider().CreateTimer(_ => { }, null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan))
            .Should().Throw<NotSupportedException>();
}
