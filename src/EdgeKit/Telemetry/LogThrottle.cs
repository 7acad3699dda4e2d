namespace EdgeKit.Telemetry;

/// <summary>
/// Lets a frequent event be logged at most once per interval, counting the occurrences in between so the next log can
/// say how many there were. Lock-free and allocation-free: a failure storm costs an interlocked increment per event,
/// not a formatted log line (the counters carry the detail).
/// </summary>
internal sealed class LogThrottle
{
    private long _count;
    private long _last = long.MinValue;

    /// <summary>Counts one occurrence of the event.</summary>
    public void Count() => Interlocked.Increment(ref _count);

    /// <summary>
    /// Whether the event should be logged now: the first time, then once <paramref name="interval"/> has passed since the
    /// last time. When it should, <paramref name="count"/> is the number of occurrences counted since the last log (this
    /// one included, if counted first) and the count starts again.
    /// </summary>
    /// <param name="now">The current timestamp (<see cref="TimeProvider.GetTimestamp"/>).</param>
    /// <param name="interval">The interval, in timestamp units.</param>
    /// <param name="count">The occurrences since the last log; 0 when not logging.</param>
    public bool TryBegin(long now, long interval, out long count)
    {
        long last = Volatile.Read(ref _last);
        if ((last != long.MinValue && now - last < interval) || Interlocked.CompareExchange(ref _last, now, last) != last)
        {
            count = 0;
            return false;
        }

        count = Interlocked.Exchange(ref _count, 0);
        return true;
    }
}
