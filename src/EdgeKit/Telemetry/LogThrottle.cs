namespace EdgeKit.Telemetry;

/// <summary>
/// Lets a frequent event be logged at most once per interval, counting the occurrences in between so the next log can
/// say how many there were (EdgeKit's retry-budget warning and the gateway's per-cluster failure warnings use one each).
/// Lock-free and allocation-free: a failure storm costs an interlocked increment per event, not a formatted log line
/// (the metrics carry the detail). Safe to use from any number of threads.
/// </summary>
/// <example>
/// <code>
/// throttle.Count();
/// if (throttle.TryBegin(time.GetTimestamp(), (long)(interval.TotalSeconds * time.TimestampFrequency), out long failures))
/// {
///     logger.LogWarning("{Failures} failures since the last warning.", failures);
/// }
/// </code>
/// </example>
public sealed class LogThrottle
{
    private long _count;
    private long _last = long.MinValue;

    /// <summary>Counts one occurrence of the event.</summary>
    public void Count() => Interlocked.Increment(ref _count);

    /// <summary>
    /// Whether the event should be logged now: the first time, then once <paramref name="interval"/> has passed since the
    /// last time. When it should, <paramref name="count"/> is the number of occurrences counted since the last log (this
    /// one included, if counted first) and the count starts again. Of threads that race for the same interval, exactly
    /// one gets <see langword="true"/>.
    /// </summary>
    /// <param name="now">The current timestamp (<see cref="TimeProvider.GetTimestamp"/>).</param>
    /// <param name="interval">The interval, in timestamp units (<see cref="TimeProvider.TimestampFrequency"/> per second); 0 or more.</param>
    /// <param name="count">The occurrences since the last log; 0 when not logging.</param>
    /// <returns><see langword="true"/> when the caller should log now.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="interval"/> is negative.</exception>
    public bool TryBegin(long now, long interval, out long count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(interval);
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
