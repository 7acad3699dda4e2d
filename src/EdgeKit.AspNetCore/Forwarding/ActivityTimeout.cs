namespace EdgeKit.AspNetCore.Forwarding;

/// <summary>
/// A pooled cancellation source for one forwarded request: cancelled when the client goes away, or when the route's
/// timeout passes without progress. Every read of a body pushes the deadline back (<see cref="Touch"/> only stores a
/// timestamp; the timer checks it when it fires and re-arms itself for the rest), so a long download that keeps moving
/// is never cut off, while a backend that stops answering is.
/// </summary>
/// <remarks>
/// The timer callback decides from the current state only (last progress, timeout), so a callback that races with the
/// source going back to the pool and out again for another request re-arms rather than cancelling wrongly.
/// The timer is not re-armed per request: a source goes back to the pool with its timer still armed, and the next
/// request keeps that arming when it fires no later than its own deadline (the callback then re-arms for whatever is
/// left). Re-arming takes the runtime's timer-queue lock, so in steady state a request touches no timer at all; an idle
/// pooled source's timer fires once, finds it inactive and stays unarmed.
/// </remarks>
internal sealed class ActivityTimeout : IDisposable
{
    private readonly Pool _pool;
    private readonly TimeProvider _time;
    private readonly ITimer _timer;
    private CancellationTokenSource _source = new();
    private CancellationTokenRegistration _clientRegistration;
    private long _timeoutTicks;
    private long _lastProgress;
    private int _timedOut;
    private int _active;
    private int _armed;
    private long _dueAt;

    private ActivityTimeout(Pool pool, TimeProvider time)
    {
        _pool = pool;
        _time = time;
        _timer = time.CreateTimer(static state => ((ActivityTimeout)state!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Cancelled when the client aborts or the timeout passes without progress.</summary>
    public CancellationToken Token => _source.Token;

    /// <summary>Whether the timeout (rather than the client) cancelled <see cref="Token"/>.</summary>
    public bool TimedOut => Volatile.Read(ref _timedOut) == 1;

    /// <summary>How many requests this source has served, this one included (tests tell a fresh source from a reused one).</summary>
    internal int Uses { get; private set; }

    private void Start(TimeSpan timeout, CancellationToken clientAborted)
    {
        Uses++;
        long now = _time.GetTimestamp();
        long timeoutTicks = (long)(timeout.TotalSeconds * _time.TimestampFrequency);
        Volatile.Write(ref _timeoutTicks, timeoutTicks);
        Volatile.Write(ref _timedOut, 0);
        Volatile.Write(ref _lastProgress, now);
        Interlocked.Exchange(ref _active, 1);

        // Keep the arming left by the previous request when it fires by this one's deadline. A callback that fired
        // before this point found the source inactive and cleared _armed (so it is armed here); one that fires after
        // sees it active and re-arms for what is left of this request's timeout.
        if (Interlocked.CompareExchange(ref _armed, 1, 0) == 0 || Volatile.Read(ref _dueAt) - now > timeoutTicks)
        {
            Arm(now, timeout, timeoutTicks);
        }

        if (clientAborted.CanBeCanceled)
        {
            _clientRegistration = clientAborted.UnsafeRegister(static state => ((ActivityTimeout)state!).Cancel(), this);
        }
    }

    /// <summary>Records progress; the deadline becomes a full timeout from now.</summary>
    public void Touch() => Volatile.Write(ref _lastProgress, _time.GetTimestamp());

    /// <summary>
    /// Switches to another timeout counted from now, keeping <see cref="Token"/>: an upgraded connection moves from the
    /// wait for the backend's answer to its idle timeout.
    /// </summary>
    public void Restart(TimeSpan timeout)
    {
        long ticks = (long)(timeout.TotalSeconds * _time.TimestampFrequency);
        Volatile.Write(ref _timeoutTicks, ticks);
        long now = _time.GetTimestamp();
        Volatile.Write(ref _lastProgress, now);
        Volatile.Write(ref _armed, 1);
        Arm(now, timeout, ticks);
    }

    private void Arm(long now, TimeSpan dueTime, long dueTicks)
    {
        Volatile.Write(ref _dueAt, now + dueTicks);
        _timer.Change(dueTime, Timeout.InfiniteTimeSpan);
    }

    private void OnTimer()
    {
        // Fired: no longer armed, whatever follows. Cleared before reading _active, so that Rent (which sets _active
        // before testing _armed) either sees this and arms, or is seen here and re-armed for.
        Interlocked.Exchange(ref _armed, 0);
        if (Volatile.Read(ref _active) == 0)
        {
            return;
        }

        long now = _time.GetTimestamp();
        long idle = now - Volatile.Read(ref _lastProgress);
        long remaining = Volatile.Read(ref _timeoutTicks) - idle;
        if (remaining > 0)
        {
            Volatile.Write(ref _armed, 1);
            Arm(now, TimeSpan.FromSeconds((double)remaining / _time.TimestampFrequency), remaining);
            return;
        }

        Volatile.Write(ref _timedOut, 1);
        Cancel();
    }

    private void Cancel()
    {
        try
        {
            _source.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
        catch (AggregateException)
        {
            // A registered callback threw; the token is cancelled regardless.
        }
    }

    public void Dispose()
    {
        // The timer stays armed (see the remarks): the next request usually keeps its arming.
        Volatile.Write(ref _active, 0);
        _clientRegistration.Dispose();
        _clientRegistration = default;
        if (!_source.TryReset())
        {
            _source.Dispose();
            _source = new CancellationTokenSource();
        }

        _pool.Return(this);
    }

    private void Destroy()
    {
        _timer.Dispose();
        _source.Dispose();
    }

    /// <summary>The sources of one forwarder (one clock), reused request after request with their timers.</summary>
    internal sealed class Pool(TimeProvider time)
    {
        private readonly BoundedPool<ActivityTimeout> _pooled = new(256);

        /// <summary>A source for a request, cancelled when <paramref name="clientAborted"/> is or after <paramref name="timeout"/> without progress.</summary>
        public ActivityTimeout Rent(TimeSpan timeout, CancellationToken clientAborted)
        {
            if (!_pooled.TryRent(out var timer))
            {
                timer = new ActivityTimeout(this, time);
            }

            timer.Start(timeout, clientAborted);
            return timer;
        }

        internal void Return(ActivityTimeout timer)
        {
            if (!_pooled.TryReturn(timer))
            {
                timer.Destroy();
            }
        }
    }
}
