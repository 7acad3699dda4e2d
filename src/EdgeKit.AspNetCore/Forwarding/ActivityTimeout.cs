using System.Collections.Concurrent;

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
/// </remarks>
internal sealed class ActivityTimeout : IDisposable
{
    private const int MaxPooled = 256;
    private static readonly ConcurrentQueue<ActivityTimeout> s_pool = new();
    private static int s_pooled;

    private readonly TimeProvider _time;
    private readonly ITimer _timer;
    private CancellationTokenSource _source = new();
    private CancellationTokenRegistration _clientRegistration;
    private long _timeoutTicks;
    private long _lastProgress;
    private int _timedOut;
    private int _active;

    private ActivityTimeout(TimeProvider time)
    {
        _time = time;
        _timer = time.CreateTimer(static state => ((ActivityTimeout)state!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Cancelled when the client aborts or the timeout passes without progress.</summary>
    public CancellationToken Token => _source.Token;

    /// <summary>Whether the timeout (rather than the client) cancelled <see cref="Token"/>.</summary>
    public bool TimedOut => Volatile.Read(ref _timedOut) == 1;

    public static ActivityTimeout Rent(TimeProvider time, TimeSpan timeout, CancellationToken clientAborted)
    {
        ActivityTimeout? timer = null;
        if (s_pool.TryDequeue(out var pooled))
        {
            Interlocked.Decrement(ref s_pooled);
            if (ReferenceEquals(pooled._time, time))
            {
                timer = pooled;
            }
            else
            {
                pooled.Destroy();
            }
        }

        timer ??= new ActivityTimeout(time);
        timer._timeoutTicks = (long)(timeout.TotalSeconds * time.TimestampFrequency);
        Volatile.Write(ref timer._timedOut, 0);
        Volatile.Write(ref timer._lastProgress, time.GetTimestamp());
        Volatile.Write(ref timer._active, 1);
        timer._timer.Change(timeout, Timeout.InfiniteTimeSpan);
        if (clientAborted.CanBeCanceled)
        {
            timer._clientRegistration = clientAborted.UnsafeRegister(static state => ((ActivityTimeout)state!).Cancel(), timer);
        }

        return timer;
    }

    /// <summary>Records progress; the deadline becomes a full timeout from now.</summary>
    public void Touch() => Volatile.Write(ref _lastProgress, _time.GetTimestamp());

    /// <summary>
    /// Switches to another timeout counted from now, keeping <see cref="Token"/>: an upgraded connection moves from the
    /// wait for the backend's answer to its idle timeout.
    /// </summary>
    public void Restart(TimeSpan timeout)
    {
        Volatile.Write(ref _timeoutTicks, (long)(timeout.TotalSeconds * _time.TimestampFrequency));
        Touch();
        _timer.Change(timeout, Timeout.InfiniteTimeSpan);
    }

    private void OnTimer()
    {
        if (Volatile.Read(ref _active) == 0)
        {
            return;
        }

        long idle = _time.GetTimestamp() - Volatile.Read(ref _lastProgress);
        long remaining = Volatile.Read(ref _timeoutTicks) - idle;
        if (remaining > 0)
        {
            _timer.Change(TimeSpan.FromSeconds((double)remaining / _time.TimestampFrequency), Timeout.InfiniteTimeSpan);
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
        Volatile.Write(ref _active, 0);
        _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _clientRegistration.Dispose();
        _clientRegistration = default;
        if (!_source.TryReset())
        {
            _source.Dispose();
            _source = new CancellationTokenSource();
        }

        if (Interlocked.Increment(ref s_pooled) <= MaxPooled)
        {
            s_pool.Enqueue(this);
        }
        else
        {
            Interlocked.Decrement(ref s_pooled);
            Destroy();
        }
    }

    private void Destroy()
    {
        _timer.Dispose();
        _source.Dispose();
    }
}
