using System.Collections.Concurrent;

namespace EdgeKit.Redis.RateLimiting;

/// <summary>
/// Keys Redis rejected, held until their retry-after passes so the calls that would be rejected anyway are answered
/// locally. Bounded: at most <c>capacity</c> keys; an expired entry is dropped when it is next read, and when the cache
/// is full a sweep drops every expired entry (at most once per second); a rejection that finds it still full is not cached.
/// </summary>
internal sealed class OverLimitCache
{
    private static readonly TimeSpan s_minSweepInterval = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly TimeProvider _timeProvider;
    private readonly int _capacity;
    private int _count;
    private long _lastSweep;

    public OverLimitCache(int capacity, TimeProvider timeProvider)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _capacity = capacity;
        _timeProvider = timeProvider;
        _lastSweep = timeProvider.GetTimestamp() - (long)(s_minSweepInterval.TotalSeconds * timeProvider.TimestampFrequency);
    }

    /// <summary>Keys held now (expired ones included until they are dropped).</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>
    /// Looks a key up. When it is held and its retry-after has not passed, returns the time left until it does and
    /// the time left until its quota is full again.
    /// </summary>
    public bool TryGet(string key, out TimeSpan retryAfter, out TimeSpan resetAfter)
    {
        if (_capacity > 0 && _entries.TryGetValue(key, out var entry))
        {
            long now = _timeProvider.GetTimestamp();
            if (now < entry.RetryAt)
            {
                retryAfter = _timeProvider.GetElapsedTime(now, entry.RetryAt);
                resetAfter = entry.ResetAt > now ? _timeProvider.GetElapsedTime(now, entry.ResetAt) : retryAfter;
                return true;
            }

            Remove(key, entry);
        }

        retryAfter = default;
        resetAfter = default;
        return false;
    }

    /// <summary>Holds a rejected key until <paramref name="retryAfter"/> from now. Returns false when the cache is full.</summary>
    public bool Add(string key, TimeSpan retryAfter, TimeSpan resetAfter)
    {
        if (_capacity == 0 || retryAfter <= TimeSpan.Zero)
        {
            return true;
        }

        long now = _timeProvider.GetTimestamp();
        var entry = new Entry(now + ToTimestamp(retryAfter), now + ToTimestamp(resetAfter > retryAfter ? resetAfter : retryAfter));
        if (_entries.TryGetValue(key, out _))
        {
            _entries[key] = entry;
            return true;
        }

        if (Volatile.Read(ref _count) >= _capacity && !Sweep(now))
        {
            return false;
        }

        if (_entries.TryAdd(key, entry))
        {
            Interlocked.Increment(ref _count);
        }
        else
        {
            _entries[key] = entry;
        }

        return true;
    }

    /// <summary>Drops every expired entry, at most once per second. Returns whether there is room afterwards.</summary>
    private bool Sweep(long now)
    {
        long last = Volatile.Read(ref _lastSweep);
        if (_timeProvider.GetElapsedTime(last, now) < s_minSweepInterval || Interlocked.CompareExchange(ref _lastSweep, now, last) != last)
        {
            return Volatile.Read(ref _count) < _capacity;
        }

        foreach (var pair in _entries)
        {
            if (pair.Value.RetryAt <= now)
            {
                Remove(pair.Key, pair.Value);
            }
        }

        return Volatile.Read(ref _count) < _capacity;
    }

    private void Remove(string key, Entry entry)
    {
        if (_entries.TryRemove(new KeyValuePair<string, Entry>(key, entry)))
        {
            Interlocked.Decrement(ref _count);
        }
    }

    private long ToTimestamp(TimeSpan span) => (long)(span.Ticks * (double)_timeProvider.TimestampFrequency / TimeSpan.TicksPerSecond);

    private readonly record struct Entry(long RetryAt, long ResetAt);
}
