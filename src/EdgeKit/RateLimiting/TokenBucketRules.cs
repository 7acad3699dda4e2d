using System.Runtime.CompilerServices;
using EdgeKit.Configuration;
using EdgeKit.Telemetry;

namespace EdgeKit.RateLimiting;

/// <summary>
/// The immutable arithmetic of a token bucket policy, as GCRA (the generic cell rate algorithm): each limit's state is
/// one number, its theoretical arrival time (TAT) in <see cref="TimeProvider"/> timestamp units. A limit with
/// capacity <c>L</c> and emission interval <c>T = Window / L</c> is full when <c>TAT &lt;= now</c>; taking <c>n</c>
/// permits moves it to <c>max(TAT, now) + n·T</c>, allowed while that is at most <c>now + L·T</c>. That is exactly a
/// token bucket of <c>L</c> tokens refilled continuously, computed lazily from the clock: no timer, no lock, one CAS per limit.
/// </summary>
/// <remarks>
/// <c>T</c> is rounded UP to a whole timestamp unit (a nanosecond on Linux, 100 ns with FakeTimeProvider), so the
/// enforced rate is never above the configured one.
/// </remarks>
internal sealed class TokenBucketRules
{
    /// <summary>The first limit's TAT once a partition has been evicted: acquirers seeing it look the partition up again.</summary>
    public const long Evicted = long.MaxValue;

    private readonly long[] _interval;   // T per limit, timestamp units
    private readonly long[] _tolerance;  // L·T per limit
    private readonly long[] _queueAllowance; // QueueLimit·T per limit
    private readonly long _frequency;

    public TokenBucketRules(IList<TokenBucketLimit> limits, int queueLimit, string policyName, TimeProvider timeProvider, string paramName)
    {
        ArgumentNullException.ThrowIfNull(limits, paramName);
        ArgumentNullException.ThrowIfNull(timeProvider);
        Validate(limits, queueLimit, policyName, paramName);
        TimeProvider = timeProvider;
        PolicyName = policyName;
        QueueLimit = queueLimit;
        _frequency = timeProvider.TimestampFrequency;
        int count = limits.Count;
        Limits = new TokenBucketLimit[count];
        Names = new string[count];
        _interval = new long[count];
        _tolerance = new long[count];
        _queueAllowance = new long[count];
        MaxPermits = int.MaxValue;
        for (int i = 0; i < count; i++)
        {
            var limit = limits[i];
            var copy = new TokenBucketLimit(limit.PermitLimit, limit.Window, limit.Name);
            Limits[i] = copy;
            Names[i] = AdvertisedName(policyName, limit, count);
            Int128 window = (Int128)limit.Window.Ticks * _frequency;
            long interval = (long)((window + TimeSpan.TicksPerSecond * (Int128)limit.PermitLimit - 1) / (TimeSpan.TicksPerSecond * (Int128)limit.PermitLimit));
            _interval[i] = Math.Max(1, interval);
            _tolerance[i] = _interval[i] * limit.PermitLimit;
            _queueAllowance[i] = _interval[i] * (long)queueLimit;
            MaxPermits = Math.Min(MaxPermits, limit.PermitLimit);
        }
    }

    public TimeProvider TimeProvider { get; }

    /// <summary>The name a limit is advertised under: its own, else the policy's (one limit) or <c>"{policy}-{window}s"</c>.</summary>
    public static string AdvertisedName(string policyName, TokenBucketLimit limit, int limitCount) =>
        limit.Name ?? (limitCount == 1 ? policyName : $"{policyName}-{(long)Math.Ceiling(limit.Window.TotalSeconds)}s");

    public string PolicyName { get; }

    public int QueueLimit { get; }

    /// <summary>A copy of the limits.</summary>
    public TokenBucketLimit[] Limits { get; }

    /// <summary>The advertised name of each limit.</summary>
    public string[] Names { get; }

    /// <summary>The most permits one request may ask for: the smallest <see cref="TokenBucketLimit.PermitLimit"/>.</summary>
    public int MaxPermits { get; }

    public int Count => _interval.Length;

    /// <summary>Checks limits, queue limit and policy name; throws <see cref="ArgumentException"/> naming the first problem.</summary>
    public static void Validate(IList<TokenBucketLimit> limits, int queueLimit, string? policyName, string paramName)
    {
        var problems = Problems(limits, queueLimit, policyName);
        if (problems.Count > 0)
        {
            throw new ArgumentException(problems[0], paramName);
        }
    }

    /// <summary>Every problem of limits, queue limit and policy name (empty when valid).</summary>
    public static List<string> Problems(IList<TokenBucketLimit>? limits, int queueLimit, string? policyName)
    {
        var problems = new List<string>();
        if (limits is null || limits.Count == 0)
        {
            problems.Add("At least one limit is required.");
        }

        for (int i = 0; i < (limits?.Count ?? 0); i++)
        {
            var limit = limits![i];
            if (limit is null)
            {
                problems.Add($"Limits[{i}] is null.");
                continue;
            }

            if (limit.PermitLimit < 1)
            {
                problems.Add($"Limits[{i}].PermitLimit must be at least 1 (was {limit.PermitLimit}).");
            }

            if (limit.Window <= TimeSpan.Zero || limit.Window > TokenBucketLimit.MaxWindow)
            {
                problems.Add($"Limits[{i}].Window must be positive and at most {TokenBucketLimit.MaxWindow} (was {limit.Window}).");
            }

            if (limit.Name is { Length: 0 })
            {
                problems.Add($"Limits[{i}].Name must not be empty (leave it null for the default).");
            }
        }

        if (queueLimit < 0)
        {
            problems.Add($"QueueLimit must be 0 or more (was {queueLimit}).");
        }

        if (string.IsNullOrEmpty(policyName))
        {
            problems.Add("PolicyName must not be empty.");
        }

        return problems;
    }

    /// <summary>A new state, full at <paramref name="now"/>.</summary>
    public long[] NewState(long now)
    {
        var tats = new long[Count];
        tats.AsSpan().Fill(now);
        return tats;
    }

    /// <summary>Whether <paramref name="permits"/> (0 meaning "at least one") are available now, taking nothing.</summary>
    public bool HasPermits(long[] tats, long now, int permits)
    {
        long n = Math.Max(permits, 1);
        for (int i = 0; i < tats.Length; i++)
        {
            long tat = Volatile.Read(ref tats[i]);
            if (Math.Max(tat, now) + (n * _interval[i]) - now > _tolerance[i])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Takes <paramref name="permits"/> (at least 1) from every limit, or from none.
    /// </summary>
    /// <param name="tats">The state.</param>
    /// <param name="now">The current timestamp.</param>
    /// <param name="permits">The permits.</param>
    /// <param name="queue">Whether the permits may be reserved up to <see cref="QueueLimit"/> beyond those available.</param>
    /// <param name="wait">When taken with <paramref name="queue"/>: how long until the reserved permits are available (zero when available now).</param>
    /// <returns><see cref="AcquireResult.Acquired"/>, <see cref="AcquireResult.Rejected"/>, or <see cref="AcquireResult.Evicted"/> (nothing taken).</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public AcquireResult TryTake(long[] tats, long now, int permits, bool queue, out long wait)
    {
        wait = 0;
        for (int i = 0; i < tats.Length; i++)
        {
            long take = permits * _interval[i];
            long bound = queue ? _tolerance[i] + _queueAllowance[i] : _tolerance[i];
            while (true)
            {
                long tat = Volatile.Read(ref tats[i]);
                if (tat == Evicted)
                {
                    GiveBack(tats, i, permits);
                    return AcquireResult.Evicted;
                }

                long next = Math.Max(tat, now) + take;
                long ahead = next - now;
                if (ahead > bound)
                {
                    GiveBack(tats, i, permits);
                    return AcquireResult.Rejected;
                }

                if (Interlocked.CompareExchange(ref tats[i], next, tat) == tat)
                {
                    wait = Math.Max(wait, ahead - _tolerance[i]);
                    break;
                }
            }
        }

        // With several limits, a partition could be evicted between the first CAS and the last (only if this thread
        // stalled for a whole emission interval): then give the permits back and let the caller look the key up again.
        if (tats.Length > 1 && Volatile.Read(ref tats[0]) == Evicted)
        {
            GiveBack(tats, tats.Length, permits);
            return AcquireResult.Evicted;
        }

        return AcquireResult.Acquired;
    }

    /// <summary>Gives <paramref name="permits"/> back to the first <paramref name="count"/> limits (an all-or-nothing rollback, or a cancelled wait).</summary>
    public void GiveBack(long[] tats, int count, int permits)
    {
        for (int i = 0; i < count; i++)
        {
            long give = permits * _interval[i];
            while (true)
            {
                long tat = Volatile.Read(ref tats[i]);
                if (tat == Evicted || Interlocked.CompareExchange(ref tats[i], tat - give, tat) == tat)
                {
                    break;
                }
            }
        }
    }

    /// <summary>How long until <paramref name="permits"/> can be taken from every limit (zero when they can now).</summary>
    public TimeSpan RetryAfter(long[] tats, long now, int permits)
    {
        long wait = 0;
        long n = Math.Max(permits, 1);
        for (int i = 0; i < tats.Length; i++)
        {
            long tat = Volatile.Read(ref tats[i]);
            if (tat == Evicted)
            {
                continue;
            }

            wait = Math.Max(wait, Math.Max(tat, now) + (n * _interval[i]) - now - _tolerance[i]);
        }

        return ToTimeSpan(wait);
    }

    /// <summary>The permits available now: the smallest over the limits.</summary>
    public long Available(long[] tats, long now)
    {
        long available = long.MaxValue;
        for (int i = 0; i < tats.Length; i++)
        {
            available = Math.Min(available, Remaining(i, Volatile.Read(ref tats[i]), now));
        }

        return available;
    }

    /// <summary>Whether every limit is full (an absent partition is equivalent).</summary>
    public static bool IsFull(long[] tats, long now)
    {
        for (int i = 0; i < tats.Length; i++)
        {
            if (Volatile.Read(ref tats[i]) > now)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>How long every limit has been full, or <see langword="null"/> when one is not.</summary>
    public TimeSpan? IdleDuration(long[] tats, long now)
    {
        long fullSince = long.MinValue;
        for (int i = 0; i < tats.Length; i++)
        {
            long tat = Volatile.Read(ref tats[i]);
            if (tat > now)
            {
                return null;
            }

            fullSince = Math.Max(fullSince, tat);
        }

        return ToTimeSpan(now - fullSince);
    }

    /// <summary>The quota of the most restrictive limit now: the fewest remaining permits, then the longest time to full.</summary>
    public RateLimitQuota Quota(long[] tats, long now)
    {
        int best = 0;
        long bestRemaining = long.MaxValue;
        long bestReset = -1;
        for (int i = 0; i < tats.Length; i++)
        {
            long tat = Volatile.Read(ref tats[i]);
            if (tat == Evicted)
            {
                tat = now;
            }

            long remaining = Remaining(i, tat, now);
            long reset = Math.Max(tat, now) - now;
            if (remaining < bestRemaining || (remaining == bestRemaining && reset > bestReset))
            {
                best = i;
                bestRemaining = remaining;
                bestReset = reset;
            }
        }

        var limit = Limits[best];
        return new RateLimitQuota(Names[best], limit.PermitLimit, limit.Window, bestRemaining, ToTimeSpan(bestReset));
    }

    /// <summary>A duration in timestamp units as a <see cref="TimeSpan"/>, rounded up to a whole tick (never early).</summary>
    public TimeSpan ToTimeSpan(long timestampUnits)
    {
        if (timestampUnits <= 0)
        {
            return TimeSpan.Zero;
        }

        if (_frequency == TimeSpan.TicksPerSecond)
        {
            return TimeSpan.FromTicks(timestampUnits);
        }

        Int128 ticks = (((Int128)timestampUnits * TimeSpan.TicksPerSecond) + _frequency - 1) / _frequency;
        return TimeSpan.FromTicks((long)ticks);
    }

    private long Remaining(int i, long tat, long now)
    {
        long debt = Math.Max(tat, now) - now;
        long remaining = (_tolerance[i] - debt) / _interval[i];
        return Math.Clamp(remaining, 0, Limits[i].PermitLimit);
    }

    internal void RecordDecision(bool acquired)
    {
        if (EdgeKitMetrics.RateLimitDecisions.Enabled)
        {
            EdgeKitMetrics.RecordRateLimitDecision(PolicyName, acquired);
        }
    }
}

/// <summary>The outcome of <see cref="TokenBucketRules.TryTake"/>.</summary>
internal enum AcquireResult
{
    Acquired,
    Rejected,
    Evicted,
}
