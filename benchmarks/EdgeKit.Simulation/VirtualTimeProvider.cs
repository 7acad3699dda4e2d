namespace EdgeKit.Simulation;

/// <summary>
/// A <see cref="TimeProvider"/> whose clock only moves when the simulation moves it. Timestamps are
/// <see cref="TimeSpan"/> ticks (100 ns) since the start of the run.
/// </summary>
/// <remarks>
/// Timers (the cluster's outlier-detection interval, ejection ends, slow-start steps) run on this clock:
/// <see cref="MoveTo"/> fires every timer due on the way, in due order (then creation order), with the clock set
/// to each one's due time, on the simulation's thread. Nothing runs on the machine's clock, so runs stay deterministic.
/// </remarks>
public sealed class VirtualTimeProvider : TimeProvider
{
    private readonly DateTimeOffset _epoch;
    private readonly SortedSet<VirtualTimer> _due = new(VirtualTimer.Order);
    private long _now;
    private long _created;

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
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new VirtualTimer(this, callback, state, ++_created);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Moves the clock to <paramref name="ticks"/> (<see cref="TimeSpan"/> ticks since the start), firing the timers due on the way; it never goes back.</summary>
    /// <param name="ticks">The new time.</param>
    /// <exception cref="InvalidOperationException"><paramref name="ticks"/> is earlier than the current time.</exception>
    public void MoveTo(long ticks)
    {
        if (ticks < _now)
        {
            throw new InvalidOperationException($"The virtual clock cannot go back from {_now} to {ticks} ticks.");
        }

        while (_due.Count > 0 && _due.Min!.Due <= ticks)
        {
            var timer = _due.Min!;
            _due.Remove(timer);
            _now = Math.Max(_now, timer.Due);
            timer.Fire();
        }

        _now = ticks;
    }

    private sealed class VirtualTimer(VirtualTimeProvider clock, TimerCallback callback, object? state, long sequence) : ITimer
    {
        public static readonly IComparer<VirtualTimer> Order = Comparer<VirtualTimer>.Create(
            (a, b) => a.Due != b.Due ? a.Due.CompareTo(b.Due) : a._sequence.CompareTo(b._sequence));

        private readonly long _sequence = sequence;
        private long _period = -1;

        public long Due { get; private set; } = long.MaxValue;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            clock._due.Remove(this);
            _period = period == Timeout.InfiniteTimeSpan || period <= TimeSpan.Zero ? -1 : period.Ticks;
            if (dueTime == Timeout.InfiniteTimeSpan)
            {
                Due = long.MaxValue;
                return true;
            }

            Due = clock._now + Math.Max(0, dueTime.Ticks);
            clock._due.Add(this);
            return true;
        }

        public void Fire()
        {
            if (_period > 0)
            {
                Due += _period;
                clock._due.Add(this);
            }
            else
            {
                Due = long.MaxValue;
            }

            callback(state);
        }

        public void Dispose()
        {
            clock._due.Remove(this);
            Due = long.MaxValue;
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
