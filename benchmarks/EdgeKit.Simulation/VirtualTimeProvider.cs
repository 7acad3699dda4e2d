namespace EdgeKit.Simulation;

/// <summary>
/// A <see cref="TimeProvider"/> whose clock only moves when the simulation moves it. Timestamps are
/// <see cref="TimeSpan"/> ticks (100 ns) since the start of the run.
/// </summary>
/// <remarks>
/// The balancing core reads only <see cref="GetTimestamp"/> and <see cref="TimestampFrequency"/>. Timers are
/// refused rather than silently running on the machine's clock: a component that needs one must be driven
/// by the simulation's event queue instead.
/// </remarks>
public sealed class VirtualTimeProvider : TimeProvider
{
    private readonly DateTimeOffset _epoch;
    private long _now;

    /// <summary>Creates a clock at zero.</summary>
    /// <param name="epoch">The wall-clock time that timestamp zero stands for; default 2025-01-01 UTC.</param>
    public VirtualTimeProvider(DateTimeOffset? epoch = null)
    {
        _epoch = epoch ?? new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
    }

    /// <summary>The time since the start of the run.</summary>
    public TimeSpan Elapsed => TimeSpan.FromTicks(_now);

    /// <inheritdoc/>
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    /// <inheritdoc/>
    public override long GetTimestamp() => _now;

    /// <inheritdoc/>
    public override DateTimeOffset GetUtcNow() => _epoch.AddTicks(_now);

    /// <inheritdoc/>
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        throw new NotSupportedException("The simulation's virtual clock has no timers; schedule work as simulation events instead.");

    /// <summary>Moves the clock to <paramref name="ticks"/> (<see cref="TimeSpan"/> ticks since the start); it never goes back.</summary>
    /// <param name="ticks">The new time.</param>
    /// <exception cref="InvalidOperationException"><paramref name="ticks"/> is earlier than the current time.</exception>
    public void MoveTo(long ticks)
    {
        if (ticks < _now)
        {
            throw new InvalidOperationException($"The virtual clock cannot go back from {_now} to {ticks} ticks.");
        }

        _now = ticks;
    }
}
